"""Issue 11 defect 6 and item 7: downloads and refusals are audited; the PostgreSQL role the
application runs as owns nothing and cannot TRUNCATE the audit log, disable its trigger or set
session_replication_role; downloads are never cached; hostile file names and ids answer 400/404."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import select

from supervision.audit.models import AuditEvent
from tests.conftest import PASSWORD, PG_ADMIN_DSN, login, make_app, pg_url


def _events(db, action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_downloads_are_audited_and_not_cached(client, world, db):
    login(client, world.users.filer_a.email, PASSWORD)
    vid = world.filing_a.versions[0].id
    for suffix in ("original", "issues.csv", "issues.json"):
        resp = client.get(f"/filings/versions/{vid}/{suffix}")
        assert resp.status_code == 200, suffix
        assert resp.headers["Cache-Control"] == "no-store", suffix
        resp.close()
    kinds = sorted(e.detail["kind"] for e in _events(db, "download") if e.object_id == str(vid))
    assert kinds == ["issues.csv", "issues.json", "original"]
    assert all(e.actor_id == world.users.filer_a.id for e in _events(db, "download"))


def test_denials_on_records_are_audited(client, world, db):
    login(client, world.users.filer_b.email, PASSWORD)
    vid = world.filing_a.versions[0].id
    assert client.get(f"/filings/versions/{vid}/original").status_code == 404  # A's file, B's filer
    assert client.get("/admin/users").status_code == 403
    denied = _events(db, "access_denied")
    assert {(e.detail["status"], e.object_type) for e in denied} >= {(404, "filings.original"), (403, "admin.users")}
    assert all(e.actor_id == world.users.filer_b.id and e.result == "denied" for e in denied)
    before = len(denied)
    client.get("/no-such-page")  # an unknown address names no record: not audited
    assert len(_events(db, "access_denied")) == before


def test_nul_bytes_and_huge_ids_are_400_or_404(client, world):
    login(client, world.users.analyst_nfra.email, PASSWORD)
    assert client.get("/filings/?period=2024Q1%00").status_code == 400
    assert client.get("/filings/versions/99999999999999999999").status_code == 404
    assert client.get(f"/filings/versions/{2**31}").status_code == 404
    assert client.get("/findings/%00").status_code in (400, 404)


def test_control_characters_in_file_names_are_cleaned(app, db, world):
    from supervision.filings.services import clean_filename

    assert clean_filename("a\r\nSet-Cookie: x=1.xlsx") == "a__Set-Cookie: x=1.xlsx"
    assert clean_filename("..\\..\\etc/passwd\x00.xlsx") == ".._.._etc_passwd_.xlsx"
    v = world.filing_a.versions[0]
    v.original_filename = "bad\r\nname.xlsx"  # stored before the fix: the download still works
    db.session.commit()
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    resp = client.get(f"/filings/versions/{v.id}/original")
    resp.close()
    assert resp.status_code == 200 and "\r" not in resp.headers["Content-Disposition"]


@pytest.fixture(scope="module")
def pg_role_app(tmp_path_factory):
    """A migrated PostgreSQL database (tables owned by the administrator) and a fresh login role
    with the application's grants."""
    role = f"sv_app_{uuid.uuid4().hex[:8]}"
    dbname = f"sv_role_{uuid.uuid4().hex[:6]}"
    owner_app = make_app("postgresql", tmp_path_factory.mktemp("role"), pg_db=dbname)
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN PASSWORD \'role-pass-{role}\'')
    from supervision.cli.dbrole import grant_app_role
    from supervision.extensions import db

    with owner_app.app_context(), db.engine.begin() as conn:
        grant_app_role(conn, role)
    url = pg_url(dbname).replace("postgres@", f"{role}:role-pass-{role}@", 1).replace("+psycopg", "", 1)
    yield owner_app, url, role
    with owner_app.app_context():
        db.engine.dispose()
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.mark.parametrize("statement", [
    "TRUNCATE audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    "SET session_replication_role = replica",
    "DELETE FROM audit_event",
    "UPDATE audit_event SET result = 'ok'",
])
def test_application_role_cannot_tamper_with_the_audit_log(pg_role_app, statement):
    _app, url, _role = pg_role_app
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_application_role_runs_the_platform(pg_role_app):
    _app, url, role = pg_role_app
    with psycopg.connect(url) as conn:
        owned = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                             "WHERE r.rolname = %s", (role,)).fetchone()[0]
        assert owned == 0
        conn.execute("INSERT INTO audit_event (at, actor_label, action, result, detail) "
                     "VALUES (now(), 'test', 'login', 'ok', '{}')")
        assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] >= 1
        conn.execute("UPDATE period SET open = open")  # ordinary tables: read and write
