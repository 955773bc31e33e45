"""One version number (setup.cfg) everywhere: `supervision --version`, the page footer, exports
(see tests/jobs/test_exports.py) and the audit event of schema migrations (tests/test_migrations.py)."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

from supervision.version import platform_version, source_checkout

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "supervision"


def setup_cfg_version() -> str:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return parser["metadata"]["version"]


def test_the_version_is_setup_cfgs():
    assert source_checkout()
    assert re.fullmatch(r"\d+\.\d+\.\d+", setup_cfg_version())
    assert platform_version() == setup_cfg_version()


def test_cli_prints_the_version(tmp_path):
    out = subprocess.run([str(BIN), "--version"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"supervision {setup_cfg_version()}"


def test_footer_shows_the_version(client):
    for lang, label in (("zh", "平台版本"), ("en", "Platform version")):
        page = client.get(f"/login?lang={lang}").get_data(as_text=True)
        footer = page[page.index("<footer"):page.index("</footer>")]
        assert f"{label} {setup_cfg_version()}" in footer


def test_changelog_has_a_section_for_the_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert f"## [{setup_cfg_version()}]" in text
