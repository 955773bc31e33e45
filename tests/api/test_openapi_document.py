"""The committed OpenAPI document (docs/openapi.json) equals the generated one, so any API change
shows in review; ``supervision api-spec`` writes it; every operation has its schemas."""

from __future__ import annotations

import json
from pathlib import Path

from supervision.cli.api import spec_text

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_document_is_the_generated_one(app):
    generated = spec_text(app)
    assert COMMITTED.read_text(encoding="utf-8") == generated, \
        "docs/openapi.json is stale: run `supervision api-spec --out docs/openapi.json` and commit it"


def test_api_spec_command_writes_the_document(app, tmp_path):
    out = tmp_path / "openapi.json"
    res = app.test_cli_runner().invoke(args=["api-spec", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == spec_text(app)


def test_every_operation_documents_its_errors_and_security(app):
    spec = json.loads(spec_text(app))
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert op.get("summary") or op.get("description"), f"{method} {path} has no description"
            assert "default" in op["responses"], f"{method} {path} does not document its error shape"
    assert spec["security"] == [{"bearerAuth": []}]
