"""Admin pages manage agencies, institutions, users and sharing agreements; every change audited."""

from __future__ import annotations

from sqlalchemy import select

from supervision.accounts.models import User
from supervision.audit.models import AuditEvent
from supervision.domain.uscc import generate_uscc
from supervision.orgs.models import Agency, Institution, SharingAgreement
from tests.conftest import PASSWORD, login, page_token


def _admin(client, world):
    login(client, world.users.admin.email, PASSWORD)


def test_create_agency_below_parent(client, world, db):
    _admin(client, world)
    token = page_token(client, "/admin/agencies")
    resp = client.post("/admin/agencies", data={"csrf_token": token, "code": "nfra-sh", "name": "上海监管局",
                                                "name_en": "Shanghai", "parent": "NFRA"})
    assert resp.status_code == 302
    ag = db.session.scalar(select(Agency).where(Agency.code == "NFRA-SH"))
    assert ag.parent.code == "NFRA"
    tree = client.get("/admin/agencies").get_data(as_text=True)
    assert "NFRA-SH" in tree


def test_agency_cannot_move_below_itself(client, world, db):
    _admin(client, world)
    nfra = db.session.scalar(select(Agency).where(Agency.code == "NFRA"))
    token = page_token(client, f"/admin/agencies/{nfra.id}")
    resp = client.post(f"/admin/agencies/{nfra.id}", data={"csrf_token": token, "code": "NFRA", "name": "x",
                                                           "parent": "NFRA-BJ"})
    assert resp.status_code == 200
    assert "cannot sit below itself" in resp.get_data(as_text=True)


def test_create_institution_checks_uscc(client, world, db):
    _admin(client, world)
    token = page_token(client, "/admin/institutions/new")
    bad = client.post("/admin/institutions/new", data={"csrf_token": token, "code": "91350100M000100Y44",
                                                       "name": "测试支付有限公司", "sector": "PAY", "agency": ""})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "V05" in text and "统一社会信用代码校验位错误" in text
    good_code = generate_uscc(999, "31")
    ok = client.post("/admin/institutions/new", data={"csrf_token": token, "code": good_code,
                                                      "name": "测试支付有限公司", "sector": "PAY", "agency": ""})
    assert ok.status_code == 302
    inst = db.session.scalar(select(Institution).where(Institution.code == good_code))
    assert inst.lead_agency.code == "PBOC"  # §1.1 default by sector


def test_aliases_are_unique_across_institutions(client, world, db):
    _admin(client, world)
    token = page_token(client, f"/admin/institutions/{world.inst_a.id}/edit")
    client.post(f"/admin/institutions/{world.inst_a.id}/aliases", data={"csrf_token": token, "alias": "甲消金"})
    resp = client.post(f"/admin/institutions/{world.inst_b.id}/aliases", data={"csrf_token": token, "alias": "甲消金"},
                       follow_redirects=True)
    assert "alias already names another institution" in resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'value="甲消金"' in resp.get_data(as_text=True)  # the input is kept
    # full-width/half-width variants of another institution's name are refused too
    resp = client.post(f"/admin/institutions/{world.inst_b.id}/aliases",
                       data={"csrf_token": token, "alias": "甲消费金融有限公司 "}, follow_redirects=True)
    assert "alias already names another institution" in resp.get_data(as_text=True)


def test_create_user_and_sharing(client, world, db):
    _admin(client, world)
    token = page_token(client, "/admin/users/new")
    resp = client.post("/admin/users/new", data={"csrf_token": token, "email": "New@Test.cn", "role": "filer",
                                                 "institution": world.inst_c.code, "agency": "",
                                                 "password": "Initial-pass-1"})
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@test.cn"))
    assert user.institution_id == world.inst_c.id
    # a regulator without agency is refused with a clear message
    resp = client.post("/admin/users/new", data={"csrf_token": token, "email": "r@test.cn", "role": "analyst",
                                                 "institution": "", "agency": "", "password": "Initial-pass-1"})
    assert "a regulator user needs an agency" in resp.get_data(as_text=True)
    resp = client.post("/admin/sharing", data={"csrf_token": token, "from_agency": "NFRA", "to_agency": "PBOC",
                                               "sectors": ["CF"], "kinds": ["league"]})
    assert resp.status_code == 302
    nfra = db.session.scalar(select(Agency).where(Agency.code == "NFRA"))
    ag = db.session.scalar(select(SharingAgreement).where(SharingAgreement.from_agency_id == nfra.id))
    assert ag is not None and ag.sectors == ["CF"] and ag.kinds == ["league"] and ag.to_agency.code == "PBOC"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user_create", "sharing_upsert", "login"} <= actions


def test_audit_page_lists_events(client, world):
    _admin(client, world)
    page = client.get("/admin/audit?action=login").get_data(as_text=True)
    assert "admin@test.cn" in page
