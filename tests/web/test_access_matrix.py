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
        "<int:run_id>": "1",  # no dry run exists: a filer's own runs only (404), other roles 403
        "<topic>": "T_COLLECTION_ABUSE",
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


# ---- referral and sharing scope (issue 11, defect 4) -------------------------------------------

SCOPE_MATRIX = Path(__file__).with_name("access_matrix_scope.csv")


def _scope_world(world):
    """A second, uncited version of C's filing and a finding of B (shared with NFRA for reading)."""
    from supervision.extensions import db
    from supervision.filings.models import FilingVersion
    from tests.factories import make_finding

    v1 = world.filing_c.versions[0]
    v2 = FilingVersion(filing=world.filing_c, number=2, status="ACCEPTED", sha256="f" * 64, size=v1.size,
                       original_filename=v1.original_filename, storage_path=v1.storage_path)
    db.session.add(v2)
    v1.status = "SUPERSEDED"
    finding_b = make_finding(world.inst_b, world.period, "D05", "medium", version_ids=[world.filing_b.versions[0].id])
    db.session.commit()
    return {"finding_c": world.finding_c.id, "c_v1": v1.id, "c_v2": v2.id, "filing_c": world.filing_c.id,
            "referral_c": world.referral_c.id, "b_v1": world.filing_b.versions[0].id, "finding_b": finding_b.id,
            "finding_a": world.finding_a.id}


@pytest.mark.parametrize("state", ["live", "declined"])
def test_referral_and_sharing_scope(app, world, state):
    from supervision.extensions import db
    from supervision.filings.models import FilingVersion
    from supervision.findings.models import Finding, Referral

    with SCOPE_MATRIX.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#")) if r["state"] == state]
    ids = _scope_world(world)
    if state == "declined":
        ref = db.session.get(Referral, ids["referral_c"])
        ref.status = "DECLINED"
        db.session.commit()
    from tests.conftest import IsolatedClient

    app.test_client_class = IsolatedClient
    clients = {}
    failures = []
    for row in rows:
        role = row["role"]
        if role not in clients:
            clients[role] = app.test_client()
            assert login(clients[role], getattr(world.users, role).email, PASSWORD).status_code == 302
        client = clients[role]
        path = row["path"].format(**ids)
        if row["method"] == "GET":
            resp = client.get(path)
        else:
            data = dict(pair.split("=", 1) for pair in row["data"].split("&") if pair)
            data["csrf_token"] = page_token(client, "/account")
            resp = client.post(path, data=data)
        resp.close()
        if resp.status_code != int(row["expected"]):
            failures.append(f"{state}: {row['method']} {row['path']} as {role}: got {resp.status_code}, "
                            f"expected {row['expected']}")
    assert not failures, "\n".join(failures)
    db.session.expire_all()
    if state == "live":  # what the refused writes would have changed is unchanged
        finding_c = db.session.get(Finding, ids["finding_c"])
        assert finding_c.status != "CLOSED" and not finding_c.visible_to_institution
        finding_b = db.session.get(Finding, ids["finding_b"])
        assert finding_b.status != "CLOSED" and not finding_b.visible_to_institution
        assert db.session.get(FilingVersion, ids["b_v1"]).status == "ACCEPTED"
        assert db.session.get(Referral, ids["referral_c"]).status == "ANSWERED"
        assert db.session.get(Finding, ids["finding_a"]).status == "CLOSED"  # the lead side may act
        # and the pages offer the refused actions to nobody who would be refused
        page = clients["supervisor"].get(f"/filings/versions/{ids['b_v1']}").get_data(as_text=True)
        assert 'id="return-link"' not in page and 'id="accept-btn"' not in page
        for role, finding in (("analyst_nfra", "finding_b"), ("analyst_pboc", "finding_c")):
            page = clients[role].get(f"/findings/{ids[finding]}").get_data(as_text=True)
            assert 'id="decide"' not in page and 'id="refer"' not in page, role
        page = clients["analyst_nfra"].get(f"/findings/{ids['finding_a']}").get_data(as_text=True)
        assert 'id="refer"' in page  # the lead side still sees them
        # the referral reader's version pages link nowhere it would be refused (the breadcrumb names
        # the filing without linking its page, which answers 404 to them)
        for path in (f"/filings/versions/{ids['c_v1']}", f"/filings/versions/{ids['c_v1']}/rows"):
            page = clients["analyst_pboc"].get(path).get_data(as_text=True)
            assert f'href="/filings/{ids["filing_c"]}"' not in page, path
            assert world.filing_c.institution.name in page, path
        page = clients["analyst_nfra"].get(f"/filings/versions/{ids['c_v1']}").get_data(as_text=True)
        assert f'href="/filings/{ids["filing_c"]}"' in page  # the lead agency's breadcrumb links
