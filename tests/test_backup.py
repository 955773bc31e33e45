"""``supervision backup`` / ``supervision restore`` (issue 9): a demo world (filings through the real
pipeline, plus an export, an answer attachment and a register upload) is backed up and restored
into an empty database and empty folders; every table's row count and every stored file's
SHA-256 are the same, on SQLite and on PostgreSQL. A restore refuses a non-empty target unless
told, and a backup that does not match its manifest restores nothing."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from supervision.extensions import db
from tests.conftest import BACKENDS, PG_TEST_DB, make_app


def _stored(app) -> dict[tuple[str, str], str]:
    """(store, key) → SHA-256 of every stored file, read through the stores."""
    from supervision.backup.blobs import sha256_of, stores

    out = {}
    with app.app_context():
        for name, store in stores().items():
            for key in store.iter_keys():
                with store.open(key) as fh:
                    out[(name, key)] = sha256_of(fh)[0]
    return out


def _rows(app) -> dict[str, int]:
    from supervision.backup.services import database_rows

    with app.app_context():
        rows = database_rows()
        db.session.remove()
        return rows


def _object_storage(request) -> dict:
    """For the ``-s3`` variant: the configuration of a fresh bucket on the SeaweedFS server."""
    if not request.param.endswith("-s3"):
        return {}
    import uuid

    from tests.storage.conftest import s3_config

    server = request.getfixturevalue("seaweed")
    bucket = f"bk-{uuid.uuid4().hex[:12]}"
    server.client().create_bucket(Bucket=bucket)
    return s3_config(server, bucket)


@pytest.fixture(scope="module", params=[*BACKENDS, "sqlite-s3"])
def source(request, tmp_path_factory):
    """A demo world with something in every kind of store, backed up once (also with the stores in
    object storage: backup reads and restore writes the bucket)."""
    tmp = tmp_path_factory.mktemp(f"backup-{request.param}")
    app = make_app(request.param.split("-")[0], tmp / "src", pg_db=f"{PG_TEST_DB}_backup_src",
                   **_object_storage(request))
    app.config["TEST_STORES"] = request.param
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "--password", "Demo-pass-123", "--limit", "2"])
    assert out.exit_code == 0, out.output
    period = json.loads(out.output)["periods"][-1]
    out = runner.invoke(args=["export", "summary", "--period", period, "--out", str(tmp / "summary.xlsx")])
    assert out.exit_code == 0, out.output
    with app.app_context():
        from sqlalchemy import select

        from supervision.accounts.models import User
        from supervision.findings.models import Finding
        from supervision.findings.services import answer_by_institution, open_to_institution

        filer = db.session.scalar(select(User).where(User.email == "filer@zhaolian.demo.cn"))
        finding = db.session.scalar(select(Finding).where(Finding.institution_id == filer.institution_id))
        if finding is None:  # the generated filings of the first institutions may hold none: make one
            from supervision.orgs.models import Institution
            from supervision.periods.services import get_period
            from tests.factories import make_finding

            finding = make_finding(db.session.get(Institution, filer.institution_id), get_period(period), "D05",
                                   "low", subject="backup")
        open_to_institution(None, finding)
        answer_by_institution(filer, finding, "见附件", io.BytesIO("%PDF-1.4\n整改说明\n%%EOF\n".encode()), "说明.pdf")
        db.session.commit()
        db.session.remove()
    reg = tmp / "register.csv"
    reg.write_text("转办单号,机构代码,转办日期,来源热线,业务类别,投诉原因\n", encoding="utf-8")
    runner.invoke(args=["register", "import", str(reg)])
    folder = tmp / "backup"
    out = runner.invoke(args=["backup", "--out", str(folder)])
    assert out.exit_code == 0, out.output
    yield app, folder, tmp
    with app.app_context():
        db.engine.dispose()


def _fresh_stores(app, request) -> dict:
    """Empty stores of the same kind as the source's (a new bucket for the S3 variant)."""
    if not app.config["TEST_STORES"].endswith("-s3"):
        return {}
    import uuid

    from tests.storage.conftest import s3_config

    server = request.getfixturevalue("seaweed")
    bucket = f"bk-{uuid.uuid4().hex[:12]}"
    server.client().create_bucket(Bucket=bucket)
    return s3_config(server, bucket)


def test_round_trip_restores_every_row_and_every_file(source, request):
    app, folder, tmp = source
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    rows, files = _rows(app), _stored(app)
    assert manifest["tables"] == rows  # the manifest counts the very copy
    assert {(f["store"], f["key"]): f["sha256"] for f in manifest["files"]} == files
    stores = {store for store, _key in files}
    assert stores == {"uploads", "exports"}
    if app.config["TEST_STORES"].endswith("-s3"):  # nothing on the machine's disk: all in the bucket
        assert not [p for d in (app.config["UPLOAD_FOLDER"], app.config["EXPORT_FOLDER"])
                    for p in Path(d).rglob("*") if p.is_file()]
    assert any(key.startswith("attachments/") for _s, key in files) and any(
        key.startswith("register/") for _s, key in files)
    assert rows["filing_version"] > 0 and rows["complaint_row"] > 0 and rows["export"] > 0

    target = make_app("sqlite" if backend == "sqlite" else "postgresql", tmp / "dst",
                      pg_db=f"{PG_TEST_DB}_backup_dst", **_fresh_stores(app, request))
    assert _stored(target) == {}
    out = target.test_cli_runner().invoke(args=["restore", str(folder)])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output.strip().splitlines()[-1])
    assert report["verified"] is True and report["files"] == len(files)
    assert report["recorded_objects_checked"] == rows["filing_version"] + rows["export"] + rows[
        "register_upload"] + 1  # + the attachment
    assert _rows(target) == rows
    assert _stored(target) == files
    # the restored platform works: its filings, findings and exports are there
    with target.app_context():
        from sqlalchemy import func, select

        from supervision.exports.models import Export
        from supervision.exports.services import verify

        assert all(verify(e) for e in db.session.scalars(select(Export)))
        assert db.session.scalar(select(func.count()).select_from(Export)) == rows["export"]
        db.session.remove()

    # a second restore into the now non-empty target is refused unless told
    again = target.test_cli_runner().invoke(args=["restore", str(folder)])
    assert again.exit_code == 1 and "--force" in again.output
    forced = target.test_cli_runner().invoke(args=["restore", str(folder), "--force"])
    assert forced.exit_code == 0, forced.output
    assert _rows(target) == rows

    # a backup whose file differs from its manifest restores nothing
    broken = tmp / "broken"
    shutil.copytree(folder, broken)
    victim = next(p for p in sorted((broken / "files" / "uploads").rglob("*")) if p.is_file())
    victim.write_bytes(victim.read_bytes() + b"x")
    empty = make_app("sqlite" if backend == "sqlite" else "postgresql", tmp / "dst2",
                     pg_db=f"{PG_TEST_DB}_backup_dst", **_fresh_stores(app, request))
    out = empty.test_cli_runner().invoke(args=["restore", str(broken)])
    assert out.exit_code == 1 and victim.name in out.output and "nothing was restored" in out.output
    assert _stored(empty) == {}
    assert all(n == 0 for t, n in _rows(empty).items() if t not in ("alembic_version", "audit_event"))
    for a in (target, empty):
        with a.app_context():
            db.engine.dispose()


def test_backup_refuses_a_non_empty_folder(source, tmp_path):
    app, _folder, _tmp = source
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "note.txt").write_text("x")
    out = app.test_cli_runner().invoke(args=["backup", "--out", str(busy)])
    assert out.exit_code == 1 and "empty" in out.output


def test_restore_refuses_what_is_not_a_backup(source, tmp_path):
    app, _folder, _tmp = source
    out = app.test_cli_runner().invoke(args=["restore", str(tmp_path)])
    assert out.exit_code == 1 and "manifest.json" in out.output


def test_the_file_boundary_is_small(tmp_path):
    """Backup and restore see stored files only through ``iter_keys/open/put/exists`` (the seam an
    object store plugs into): a folder store round-trips a key, skips writers' temporaries and
    refuses keys outside itself."""
    from supervision.backup.blobs import FolderStore

    store = FolderStore("uploads", tmp_path / "u")
    store.put("ab/abc.xlsx", io.BytesIO(b"data"))
    (tmp_path / "u" / "tmp").mkdir()
    (tmp_path / "u" / "tmp" / "partial.xlsx").write_bytes(b"x")
    (tmp_path / "u" / "ab" / ".restore-xyz").write_bytes(b"x")
    assert list(store.iter_keys()) == ["ab/abc.xlsx"] and store.exists("ab/abc.xlsx")
    with store.open("ab/abc.xlsx") as fh:
        assert fh.read() == b"data"
    with pytest.raises(ValueError):
        store.put("../escape", io.BytesIO(b"x"))
    assert not Path(tmp_path / "escape").exists()
