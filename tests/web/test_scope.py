"""The scoping layer (§1.3, §1.4): agency subtree, sharing agreements, institution isolation."""

from __future__ import annotations

from sqlalchemy import select

from supervision.extensions import db as _db
from supervision.filings.models import Filing
from supervision.orgs import services as orgs
from supervision.scope import can_see_institution, visible_filings, visible_institutions


def names(user, kind="filings"):
    return {i.name for i in _db.session.scalars(visible_institutions(user, kind))}


def test_filer_sees_only_own_institution(world):
    assert names(world.users.filer_a) == {world.inst_a.name}
    assert names(world.users.filer_b) == {world.inst_b.name}
    ids = {f.institution_id for f in _db.session.scalars(visible_filings(world.users.filer_a))}
    assert ids == {world.inst_a.id}


def test_agency_subtree_and_default_sharing(world):
    # NFRA leads CF (A via NFRA-BJ, C directly) and receives PAY from PBOC by the default agreement
    assert names(world.users.analyst_nfra) == {world.inst_a.name, world.inst_b.name, world.inst_c.name}
    # PBOC sees its own PAY institution (via PBOC-SH) and nothing of CF
    assert names(world.users.analyst_pboc) == {world.inst_b.name}
    # the agreement names NFRA itself; its Beijing office sees only what it leads
    assert names(world.users.analyst_nfra_bj) == {world.inst_a.name}


def test_sharing_is_per_kind(world, db):
    orgs.upsert_sharing(None, from_code="PBOC", to_code="NFRA", sectors=["PAY"], kinds=["league"])
    db.session.commit()
    assert world.inst_b.name not in names(world.users.analyst_nfra, "filings")
    assert world.inst_b.name in names(world.users.analyst_nfra, "league")


def test_ending_the_agreement_removes_access(world, db):
    orgs.delete_sharing(None, world.agreement)
    db.session.commit()
    assert not can_see_institution(world.users.analyst_nfra, world.inst_b.id)
    assert can_see_institution(world.users.analyst_pboc, world.inst_b.id)


def test_new_agreement_to_a_local_office(world, db):
    orgs.upsert_sharing(None, from_code="PBOC", to_code="NFRA-BJ", sectors=["PAY"], kinds=["filings"])
    db.session.commit()
    assert world.inst_b.name in names(world.users.analyst_nfra_bj)


def test_admin_has_no_data_scope(world):
    assert names(world.users.admin) == set()
    assert _db.session.scalars(visible_filings(world.users.admin)).all() == []


def test_inactive_user_sees_nothing(world, db):
    world.users.analyst_nfra.active = False
    db.session.flush()
    assert names(world.users.analyst_nfra) == set()


def test_filings_pages_are_isolated(client, world):
    from tests.conftest import PASSWORD, login

    login(client, world.users.filer_b.email, PASSWORD)
    listing = client.get("/filings/").get_data(as_text=True)
    assert world.inst_b.name in listing and world.inst_a.name not in listing
    assert client.get(f"/filings/{world.filing_a.id}").status_code == 404
    assert client.get(f"/institutions/{world.inst_a.id}").status_code == 404
    inst_list = client.get("/institutions/").get_data(as_text=True)
    assert world.inst_a.name not in inst_list and world.inst_c.name not in inst_list
    all_filings = _db.session.scalars(select(Filing)).all()
    assert len(all_filings) == 3
