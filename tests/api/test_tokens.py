"""API tokens (issue 13): created by the CLI and on the account page, shown once and stored as a
hash, scoped, expiring, revocable, audited; their use recorded; session cookies are no API credential."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from supervision.audit.models import AuditEvent
from supervision.tokens.models import ApiToken
from tests.api.helpers import bearer, token_for
from tests.conftest import PASSWORD, login, page_token


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_create_list_revoke(app, db, world, client):
    res = _cli(app, "tokens", "create", world.users.filer_a.email, "--scope", "submit", "--days", "7",
               "--name", "ERP")
    assert res.exit_code == 0, res.output
    secret = res.output.strip().splitlines()[-1]
    assert secret.startswith("svt_") and len(secret) > 40
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.users.filer_a.id))
    # only the hash is stored: no column holds the secret
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(getattr(token, c.key)) for c in ApiToken.__table__.columns)
    assert secret.startswith(token.prefix) and token.scope == "submit" and token.name == "ERP"
    assert timedelta(days=6, hours=23) < token.expires_at.replace(tzinfo=None) - token.created_at.replace(tzinfo=None) \
        <= timedelta(days=7)
    resp = client.get("/api/v1/periods", headers=bearer(secret))
    assert resp.status_code == 200 and resp.get_json()["items"][0]["code"] == world.period.code
    listed = _cli(app, "tokens", "list", world.users.filer_a.email)
    assert token.prefix in listed.output and secret not in listed.output and "active" in listed.output
    assert _cli(app, "tokens", "revoke", str(token.id)).exit_code == 0
    after = client.get("/api/v1/periods", headers=bearer(secret))
    assert after.status_code == 401 and after.get_json()["code"] == "invalid_token"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "api_token",
                                                                 AuditEvent.object_id == str(token.id))).all()
    assert sorted(actions) == ["api_token_created", "api_token_revoked"]


def test_cli_refusals(app, db, world):
    res = _cli(app, "tokens", "create", world.users.filer_a.email, "--scope", "manage")
    assert res.exit_code == 2 and "read, submit" in res.output
    assert _cli(app, "tokens", "create", "nobody@test.cn", "--scope", "read").exit_code == 2
    assert _cli(app, "tokens", "create", world.users.filer_a.email, "--scope", "read", "--days", "0").exit_code == 2
    assert _cli(app, "tokens", "revoke", "999999").exit_code == 2


def test_expired_and_inactive_tokens_are_refused(app, db, world, client):
    from supervision.accounts.services import set_active

    expired = token_for(world.users.filer_a, "read")
    db.session.scalar(select(ApiToken).where(ApiToken.prefix == expired[:12])).expires_at -= timedelta(days=31)
    inactive = token_for(world.users.filer_b, "read")
    set_active(world.users.admin, world.users.filer_b, False)
    db.session.commit()
    for secret in (expired, inactive, "svt_unknown", "not-even-a-token"):
        resp = client.get("/api/v1/periods", headers=bearer(secret))
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer"), secret
    assert client.get("/api/v1/periods", headers={"Authorization": "Basic abc"}).status_code == 401


def test_last_use_is_recorded(app, db, world, client):
    secret = token_for(world.users.analyst_nfra, "read")
    db.session.commit()
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == secret[:12]))
    assert token.last_used_at is None
    client.get("/api/v1/periods", headers=bearer(secret), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    db.session.refresh(token)
    assert token.last_used_at is not None and token.last_used_address == "10.1.2.3"


def test_session_cookie_is_not_an_api_credential(app, db, world, client):
    assert login(client, world.users.filer_a.email, PASSWORD).status_code == 302
    assert client.get("/account").status_code == 200
    resp = client.get("/api/v1/periods")
    assert resp.status_code == 401 and resp.get_json()["code"] == "unauthorized"


def test_account_page_creates_once_and_revokes(app, db, world, client):
    assert login(client, world.users.filer_a.email, PASSWORD).status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert 'id="token-form"' in page and 'value="manage"' not in page  # filers never get regulator writes
    csrf = page_token(client, "/account")
    created = client.post("/account/tokens", data={"csrf_token": csrf, "name": "报送系统", "scope": "submit",
                                                   "days": "30"})
    text = created.get_data(as_text=True)
    assert created.status_code == 200 and 'id="new-api-token"' in text
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.users.filer_a.id))
    secret = text.split('id="new-api-token"')[1].split("<code")[1].split(">")[1].split("<")[0]
    assert secret.startswith(token.prefix) and hashlib.sha256(secret.encode()).hexdigest() == token.token_hash
    assert client.get("/api/v1/periods", headers=bearer(secret)).status_code == 200
    again = client.get("/account").get_data(as_text=True)
    assert secret not in again and token.prefix in again  # shown once
    bad = client.post("/account/tokens", data={"csrf_token": csrf, "name": "x", "scope": "manage", "days": "30"})
    assert bad.status_code == 400
    revoked = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 302
    assert client.get("/api/v1/periods", headers=bearer(secret)).status_code == 401
    other = token_for(world.users.filer_b, "read")
    db.session.commit()
    other_id = db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == other[:12]))
    assert client.post(f"/account/tokens/{other_id}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert client.get("/api/v1/periods", headers=bearer(other)).status_code == 200
