"""Every reader and writer of stored files goes through the configured store (issue 16): run once
with the local folder and once with a real S3 server (SeaweedFS) — where nothing may land in the
node's upload or export folders."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import openpyxl

from tests.conftest import PASSWORD, login


def _store(app, area="uploads"):
    from supervision.storage.service import storage

    with app.app_context():
        return storage(area)


def _tamper(app, key: str, data: bytes, area="uploads") -> None:
    """Replace a stored object's bytes behind the platform's back (disk rot, an operator's mistake)."""
    store = _store(app, area)
    if app.config["STORAGE_BACKEND"] == "local":
        (store.root / key).write_bytes(data)
    else:
        store.client.put_object(Bucket=store.bucket, Key=store.prefix + key, Body=data)


def _local_files(app) -> list[str]:
    found = []
    for folder in (app.config["UPLOAD_FOLDER"], app.config["EXPORT_FOLDER"]):
        found += [str(p) for p in Path(folder).rglob("*") if p.is_file() and not p.name.startswith(".")]
    return found


def test_original_and_annotated_workbook_come_from_the_store(app, client, world):
    v = world.filing_a.versions[0]
    store = _store(app)
    with store.open(v.storage_path) as fh:
        stored = fh.read()
    assert hashlib.sha256(stored).hexdigest() == v.sha256
    assert login(client, "filer-a@test.cn", PASSWORD).status_code == 302
    with client.get(f"/filings/versions/{v.id}/original") as res:
        assert res.status_code == 200 and res.data == stored
    with client.get(f"/filings/versions/{v.id}/annotated.xlsx") as res:
        assert res.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(res.data))
    assert "校验结果" in book.sheetnames
    if app.config["STORAGE_BACKEND"] == "s3":
        assert _local_files(app) == []  # no node keeps a copy: nothing needs a shared disk
        assert not list(Path(app.config["INSTANCE_PATH"], "tmp").glob(".object-*"))  # private copies removed


def test_damaged_original_is_a_clear_error_page(app, client, world):
    v = world.filing_a.versions[0]
    with _store(app).open(v.storage_path) as fh:
        good = fh.read()
    _tamper(app, v.storage_path, b"not the uploaded bytes")
    try:
        assert login(client, "filer-a@test.cn", PASSWORD).status_code == 302
        for path in (f"/filings/versions/{v.id}/original", f"/filings/versions/{v.id}/annotated.xlsx"):
            res = client.get(path)
            body = res.get_data(as_text=True)
            assert res.status_code == 409, path
            assert "已损坏" in body and "damaged" in body and v.storage_path in body
            assert body.index("已损坏") < body.index("damaged")  # Chinese first
            assert "not the uploaded bytes" not in body
    finally:
        _tamper(app, v.storage_path, good)


def test_missing_original_is_a_clear_error_page(app, client, world):
    v = world.filing_b.versions[0]
    store = _store(app)
    with store.open(v.storage_path) as fh:
        good = fh.read()
    store.delete(v.storage_path)
    try:
        assert login(client, "filer-b@test.cn", PASSWORD).status_code == 302
        res = client.get(f"/filings/versions/{v.id}/original")
        body = res.get_data(as_text=True)
        assert res.status_code == 404 and "找不到" in body and "missing" in body
    finally:
        store.put(v.storage_path, io.BytesIO(good), v.sha256)


def test_ingest_child_reads_its_input_through_the_store(live, tmp_path):
    from supervision.demo import workbooks as gen
    from supervision.extensions import db
    from supervision.filings import services
    from supervision.filings.models import FilingVersion
    from supervision.filings.runner import run_version

    app, world = live
    inst, period = world.inst_a, world.period
    profile = gen.profile_for(inst.code, inst.name, inst.sector, seed=7)
    gen.write_cmp(tmp_path / "cmp.xlsx", gen.generate_cmp(profile, period.code, carried_over=[]))
    data = (tmp_path / "cmp.xlsx").read_bytes()
    stored = services.store_original(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (stored.path is None) == (app.config["STORAGE_BACKEND"] == "s3")
    sub = services.submit(None, inst, period, "CMP", stored, "cmp.xlsx", historic=True)
    db.session.commit()
    assert run_version(sub.version.id) == "ACCEPTED"
    v = db.session.get(FilingVersion, sub.version.id)
    assert sum(v.row_counts.values()) > 0
    assert not list(Path(app.config["INSTANCE_PATH"], "tmp").glob(".object-*"))


def test_dry_run_file_lives_in_the_store_and_goes_with_its_report(live, tmp_path):
    """A dry run queued by one node is validated by a worker anywhere (issue 16): its file is an
    object of the store under ``dryruns/``, read through a private copy, deleted with the report."""
    from supervision.demo import workbooks as gen
    from supervision.extensions import db
    from supervision.filings import dryrun

    app, world = live
    inst, period = world.inst_a, world.period
    profile = gen.profile_for(inst.code, inst.name, inst.sector, seed=11)
    gen.write_cmp(tmp_path / "dry.xlsx", gen.generate_cmp(profile, period.code, carried_over=[]))
    data = (tmp_path / "dry.xlsx").read_bytes()
    run = dryrun.create(world.users.filer_a, inst, period, "CMP", io.BytesIO(data), "dry.xlsx")
    db.session.commit()
    store = _store(app)
    assert run.path.startswith("dryruns/")
    with store.open(run.path) as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == hashlib.sha256(data).hexdigest()
    if app.config["STORAGE_BACKEND"] == "s3":
        assert _local_files(app) == []  # nothing on the web node's disk
    assert dryrun.run_dry_run(run.id) == "done"
    db.session.expire_all()
    run = db.session.get(type(run), run.id)
    assert run.report["status"] == "VALIDATED" and run.path is None, run.report
    assert not [k for k in store.iter_keys() if k.startswith("dryruns/")]
    assert not list(Path(app.config["INSTANCE_PATH"], "tmp").glob(".object-*"))
    dryrun.consume(run)
    db.session.commit()


def test_unreadable_original_fails_the_version_with_the_reason(live):
    from supervision.extensions import db
    from supervision.filings import services
    from supervision.filings.models import FilingVersion
    from supervision.filings.runner import run_version

    app, world = live
    stored = services.store_original(io.BytesIO(b"PK\x03\x04 a file that will vanish"))
    sub = services.submit(None, world.inst_b, world.period, "DSC", stored, "dsc.xlsx", historic=True)
    db.session.commit()
    _store(app).delete(stored.relative)
    assert run_version(sub.version.id) == "FAILED"
    v = db.session.get(FilingVersion, sub.version.id)
    assert "找不到" in v.failure and "missing" in v.failure


def test_register_upload_and_export_are_stored_objects(app, db, world, client):
    from supervision.exports.services import build_league_file
    from supervision.register.services import import_register

    upload = import_register(world.users.supervisor, io.BytesIO("转办编号,机构\nX,Y\n".encode()), "reg.csv")
    assert upload.storage_path.startswith("register/")
    with _store(app).open(upload.storage_path) as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == upload.sha256
    exp = build_league_file(world.period, "csv", producer="console")
    db.session.commit()
    with _store(app, "exports").open(exp.storage_path) as fh:
        data = fh.read()
    assert hashlib.sha256(data).hexdigest() == exp.sha256
    assert login(client, "analyst@nfra.test.cn", PASSWORD).status_code == 302
    with client.get(f"/exports/download?id={exp.id}") as res:
        assert res.status_code == 200 and res.data == data
    if app.config["STORAGE_BACKEND"] == "s3":
        assert _local_files(app) == []


def test_storage_commands_init_and_verify(live):
    app, world = live
    runner = app.test_cli_runner()
    res = runner.invoke(args=["storage", "init"])
    assert res.exit_code == 0 and "uploads" in res.output and "exports" in res.output, res.output
    from supervision.extensions import db
    from supervision.filings.models import FilingVersion

    res = runner.invoke(args=["storage", "verify"])
    # an earlier test of this module removed one original on purpose (its version is FAILED)
    failed = {v.id for v in db.session.query(FilingVersion).filter(FilingVersion.status == "FAILED")}
    bad = [line for line in res.output.splitlines() if line.startswith("FAIL")]
    assert [int(line.split()[2]) for line in bad] == sorted(failed), res.output
    assert res.exit_code == (1 if failed else 0) and f" {len(failed)} bad" in res.output
    v = world.filing_c.versions[0]
    with _store(app).open(v.storage_path) as fh:
        good = fh.read()
    _tamper(app, v.storage_path, b"rot")
    try:
        res = runner.invoke(args=["storage", "verify"])
        assert res.exit_code == 1 and f"FAIL filing_version {v.id} " in res.output, res.output
        assert f" {len(failed) + 1} bad" in res.output and "SHA-256" in res.output
    finally:
        _tamper(app, v.storage_path, good)


def _api_get(client, secret: str, path: str):
    return client.get(path, headers={"Authorization": f"Bearer {secret}"})


def test_api_original_and_annotated_come_from_the_store_verified_and_audited(app, db, client, world):
    """The API's downloads read the configured store (S3 too) like the pages do, and are audited."""
    from sqlalchemy import select

    from supervision.audit.models import AuditEvent
    from tests.api.helpers import token_for

    v = world.filing_a.versions[0]
    with _store(app).open(v.storage_path) as fh:
        stored = fh.read()
    secret = token_for(world.users.filer_a, "read")
    with _api_get(client, secret, f"/api/v1/versions/{v.id}/original") as res:
        assert res.status_code == 200 and res.data == stored
    with _api_get(client, secret, f"/api/v1/versions/{v.id}/annotated") as res:
        assert res.status_code == 200
        assert "校验结果" in openpyxl.load_workbook(io.BytesIO(res.data)).sheetnames
    kinds = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "download",
                                                               AuditEvent.object_id == str(v.id))).all()
    assert {(d["kind"], d.get("via")) for d in kinds} >= {("original", "api"), ("annotated", "api")}
    if app.config["STORAGE_BACKEND"] == "s3":
        assert _local_files(app) == []
    assert not [p.name for p in Path(app.config["INSTANCE_PATH"], "tmp").iterdir() if p.name.startswith(".")]


def test_api_damaged_original_is_a_bilingual_json_error(app, db, client, world):
    from tests.api.helpers import token_for

    v = world.filing_a.versions[0]
    with _store(app).open(v.storage_path) as fh:
        good = fh.read()
    secret = token_for(world.users.filer_a, "read")
    _tamper(app, v.storage_path, b"not the uploaded bytes")
    try:
        for path in (f"/api/v1/versions/{v.id}/original", f"/api/v1/versions/{v.id}/annotated"):
            res = _api_get(client, secret, path)
            body = res.get_json()
            assert res.status_code == 409 and body is not None, (path, res.status_code, res.data[:300])
            text = str(body)
            assert "已损坏" in text and "damaged" in text and v.storage_path in text, text
            assert "not the uploaded bytes" not in text
    finally:
        _tamper(app, v.storage_path, good)
