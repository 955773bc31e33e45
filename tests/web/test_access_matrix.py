"""The access matrix: every route x role has an expected status, and every route is listed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, login, page_token

MATRIX = Path(__file__).with_name("access_matrix.csv")
ROLES = ["anonymous", "filer_a", "filer_b", "analyst_nfra", "analyst_pboc", "supervisor", "admin"]


def load_matrix() -> list[dict]:
    """Rows of the matrix file (comment lines skipped)."""
    with MATRIX.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines))


def app_routes(app) -> set[tuple[str, str]]:
    """(method, rule) of every page route the application serves, HEAD/OPTIONS excluded (the API's
    routes are walked with tokens by tests/api/test_api_access_matrix.py)."""
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((method, rule.rule))
    return out


def test_every_route_is_in_the_matrix(app):
    listed = {(r["method"], r["rule"]) for r in load_matrix()}
    missing = app_routes(app) - listed
    assert not missing, f"routes missing from {MATRIX.name}: {sorted(missing)}"
    stale = listed - app_routes(app)
    assert not stale, f"matrix lists routes the app does not serve: {sorted(stale)}"


def _path(rule: str, world) -> str:
    values = {
        "<code>": "en",
        "<path:filename>": "css/app.css",
        "<int:institution_id>": str(world.inst_a.id),
        "<int:filing_id>": str(world.filing_a.id),
        "<int:agency_id>": str(world.inst_a.lead_agency_id),
        "<int:user_id>": str(world.users.filer_b.id),
        "<int:period_id>": str(world.period.id),
        "<int:agreement_id>": str(world.agreement.id),
        "<int:version_id>": str(world.filing_a.versions[0].id),
        "<kind>": "CMP",
        "<int:finding_id>": str(world.finding_a.id),
        "<int:referral_id>": str(world.referral_c.id),
        "<action>": "accept",
        "<int:event_id>": str(world.finding_a.events[0].id),
        "<int:token_id>": str(world.token_a.id),
    }
    for key, val in values.items():
        rule = rule.replace(key, val)
    assert "<" not in rule, f"no test value for a placeholder in {rule}"
    return rule


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, db, world, role):
    rows = load_matrix()
    from supervision.tokens.services import create_token

    world.token_a = create_token(None, world.users.filer_a, "read", 30, "matrix")[0]
    db.session.commit()
    if role != "anonymous":
        user = getattr(world.users, role)
        assert login(client, user.email, PASSWORD).status_code == 302
    failures = []
    # POST /logout ends the session, so it is walked last.
    rows.sort(key=lambda r: r["rule"] == "/logout")
    for row in rows:
        path = _path(row["rule"], world)
        expected = int(row[role])
        if row["method"] == "GET":
            resp = client.get(path)
        else:
            token = page_token(client, "/login" if role == "anonymous" else "/account")
            resp = client.post(path, data={"csrf_token": token})
        resp.close()
        if resp.status_code != expected:
            failures.append(f"{row['method']} {row['rule']} as {role}: got {resp.status_code}, expected {expected}")
        if resp.status_code == 302 and role == "anonymous" and row["rule"] not in ("/lang/<code>",) \
                and expected == 302:
            assert "/login" in resp.headers["Location"], f"{row['rule']} redirects anonymous users to login"
    assert not failures, "\n".join(failures)
