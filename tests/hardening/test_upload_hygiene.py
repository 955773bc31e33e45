"""Issue 11 item 7: an upload refused for a locked period (409) leaves no file behind."""

from __future__ import annotations

import io
from pathlib import Path

from tests.conftest import PASSWORD, csrf_from, login


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_refused_upload_leaves_no_file(app, client, world):
    root = Path(app.config["UPLOAD_FOLDER"])
    before = _files(root)
    login(client, world.users.filer_a.email, PASSWORD)
    token = csrf_from(client.get("/filings/upload").get_data(as_text=True))
    body = b"PK\x03\x04 not really a workbook, but unique " + str(id(client)).encode()
    resp = client.post("/filings/upload", data={"csrf_token": token, "period": world.period.code, "kind": "CMP",
                                                "file": (io.BytesIO(body), "locked.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 409  # 2024Q1 is locked
    assert _files(root) == before
