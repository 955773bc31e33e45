"""The API's access matrix: every /api/ route x role x token scope has an expected status, and every
API route is listed (tests/web/api_access_matrix.csv). Requests carry only a bearer token (POSTs an
empty JSON body), so they test authentication, scope and scoping, not actions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

MATRIX = Path(__file__).with_name("api_access_matrix.csv")
#: column → (user attribute of the world, token scope); "anonymous" sends no token
COLUMNS = {
    "anonymous": None,
    "filer_a:read": ("filer_a", "read"), "filer_a:submit": ("filer_a", "submit"),
    "filer_b:read": ("filer_b", "read"),
    "analyst_nfra:read": ("analyst_nfra", "read"), "analyst_nfra:manage": ("analyst_nfra", "manage"),
    "analyst_pboc:read": ("analyst_pboc", "read"), "analyst_pboc:manage": ("analyst_pboc", "manage"),
    "supervisor:read": ("supervisor", "read"), "supervisor:submit": ("supervisor", "submit"),
    "supervisor:manage": ("supervisor", "manage"),
    "admin:read": ("admin", "read"), "admin:manage": ("admin", "manage"),
}


def load_matrix() -> list[dict]:
    """Rows of the matrix file (comment lines skipped)."""
    with MATRIX.open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def api_routes(app) -> set[tuple[str, str]]:
    """(method, rule) of every API route, HEAD/OPTIONS excluded."""
    return {(m, r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
            for m in r.methods - {"HEAD", "OPTIONS"}}


def test_every_api_route_is_in_the_matrix(app):
    listed = {(r["method"], r["rule"]) for r in load_matrix()}
    assert not api_routes(app) - listed, f"API routes missing from {MATRIX.name}: {sorted(api_routes(app) - listed)}"
    assert not listed - api_routes(app), f"{MATRIX.name} lists routes the API does not serve: " \
                                         f"{sorted(listed - api_routes(app))}"
    assert set(load_matrix()[0]) == {"method", "rule", *COLUMNS}


def _path(rule: str, world) -> str:
    values = {
        "<int:institution_id>": str(world.inst_a.id),
        "<int:version_id>": str(world.filing_a.versions[0].id),
        "<int:filing_id>": str(world.filing_a.id),
        "<int:finding_id>": str(world.finding_a.id),
        "<int:referral_id>": str(world.referral_c.id),  # C's finding referred by NFRA to PBOC
        "<int:export_id>": "999999",
        "<int:run_id>": "999999",
        "<kind>": "CMP",
        "<period>": world.period.code,
        "<action>": "accept",
    }
    for key, val in values.items():
        rule = rule.replace(key, val)
    assert "<" not in rule, f"no test value for a placeholder in {rule}"
    return rule


@pytest.mark.parametrize("column", list(COLUMNS))
def test_api_access_matrix(app, client, db, world, column):
    from supervision.tokens.services import scopes_for, tokens_of
    from tests.api.helpers import bearer, token_for

    headers = {}
    if COLUMNS[column] is not None:
        role, scope = COLUMNS[column]
        user = getattr(world.users, role)
        if scope in scopes_for(user.role):
            secret = token_for(user, scope)
        else:  # a token issued before tokens were limited to the scopes the role can use (UX review 18)
            secret = token_for(user, "read")
            tokens_of(user)[0].scope = scope
            db.session.flush()
        headers = bearer(secret)
        db.session.commit()
    failures = []
    for row in load_matrix():
        path = _path(row["rule"], world)
        if row["method"] == "GET":
            resp = client.get(path, headers=headers)
        else:
            resp = client.open(path, method=row["method"], json={}, headers=headers)
        resp.close()
        expected = int(row[column])
        if resp.status_code != expected:
            failures.append(f"{row['method']} {row['rule']} as {column}: got {resp.status_code}, expected {expected}")
        if resp.status_code >= 400:
            assert set(resp.get_json()) == {"code", "message", "message_zh", "errors"}, (row, resp.get_json())
    assert not failures, "\n".join(failures)
