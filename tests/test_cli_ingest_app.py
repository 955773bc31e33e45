"""``supervision ingest`` builds the application without its pages (it starts faster); every other
command gets the whole application."""

from __future__ import annotations

import sys

from supervision.cli import _create


def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("SUPERVISION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("SUPERVISION_SECRET_KEY", "cli-test-" + "k" * 40)


def test_ingest_gets_the_app_without_pages(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "argv", ["supervision", "ingest", "x.xlsx"])
    app = _create()
    assert "ingest" in app.cli.commands and not app.blueprints


def test_other_commands_get_the_whole_app(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "argv", ["supervision", "filings", "list"])
    app = _create()
    assert {"ingest", "filings", "league"} <= set(app.cli.commands) and "filings" in app.blueprints
