"""The disclosure registry (issue 14): the DSC content of the versions that count, in scope; a
partner serving several institutions is listed once with all of them and their open D04 findings."""

from __future__ import annotations

import dataclasses

from sqlalchemy import inspect, select

from supervision.analytics.disclosures import registry
from supervision.demo import workbooks as gen
from supervision.extensions import db
from supervision.findings.models import Finding
from supervision.periods.models import Period
from tests.checks.helpers import ingest, profile
from tests.conftest import PASSWORD, login


def _fresh(obj):
    return db.session.get(type(obj), inspect(obj).identity[0])


def test_registry_groups_partners_and_follows_scope(ctx, tmp_path):
    app, world = ctx
    a, c, b = _fresh(world.inst_a), _fresh(world.inst_c), _fresh(world.inst_b)
    cur = _fresh(world.current)
    shared = None
    for inst, seed in ((a, 51), (c, 52), (b, 53)):
        dsc = gen.generate_dsc(profile(inst, seed), cur.code)
        partners = list(dsc.partners)
        if shared is None:
            shared = dict(partners[0], partner_name="共用催收服务有限公司", published=False)
        partners.append(dict(shared))
        dsc = dataclasses.replace(dsc, partners=partners)
        v = ingest(tmp_path, inst, db.session.get(Period, cur.id), "DSC", dsc, f"dsc-{inst.code}")
        from supervision.filings.content_models import ValidationIssue

        assert v.status == "ACCEPTED", [i.message_en for i in db.session.scalars(
            select(ValidationIssue).where(ValidationIssue.version_id == v.id))]
    from supervision.accounts.models import User
    from supervision.scope import finding_condition, institution_condition

    nfra = db.session.scalar(select(User).where(User.email == "supervisor@nfra.test.cn"))
    reg = registry(cur.id, institution_condition(nfra, "filings"), finding_condition(nfra))
    group = next(g for g in reg.partners if g.name == "共用催收服务有限公司")
    seen = {code for code, _name in group.institutions}
    assert {a.code, c.code} <= seen
    visible = {i.code for i in reg.versions.values()}
    assert seen <= visible
    d04 = db.session.scalars(select(Finding).where(Finding.rule == "D04", Finding.period_id == cur.id,
                                                   Finding.holds.is_(True))).all()
    assert {f.id for f in group.findings} <= {f.id for f in d04}
    aprs = [p.apr_max for _i, p in reg.products if p.apr_max is not None]
    assert aprs == sorted(aprs, reverse=True) and aprs
    filer = db.session.scalar(select(User).where(User.email == "filer-a@test.cn"))
    own = registry(cur.id, institution_condition(filer, "filings"), finding_condition(filer))
    assert {i.code for i in own.versions.values()} == {a.code}
    assert all(code == a.code for g in own.partners for code, _ in g.institutions)
    client = app.test_client()
    login(client, "supervisor@nfra.test.cn", PASSWORD)
    html = client.get(f"/analytics/disclosures?period={cur.code}").get_data(as_text=True)
    assert "共用催收服务有限公司" in html and 'id="activities"' in html


def test_registry_through_the_api_equals_the_generated_filings(ctx):
    """After the test above stored the three DSC filings: the API lists exactly the generated products
    and channels of the institutions in scope, the shared partner once with both CF institutions; a
    filer's token reaches its own institution only."""
    from decimal import Decimal

    from reports.numbers import exact_str
    from supervision.accounts.models import User
    from supervision.parameters.services import apr_cap
    from tests.api.helpers import bearer, token_for

    app, world = ctx
    a, c = _fresh(world.inst_a), _fresh(world.inst_c)
    cur = _fresh(world.current)
    want = {inst.code: gen.generate_dsc(profile(inst, seed), cur.code) for inst, seed in ((a, 51), (c, 52))}
    secret = token_for(db.session.scalar(select(User).where(User.email == "supervisor@nfra.test.cn")), "read")
    filer = token_for(db.session.scalar(select(User).where(User.email == "filer-a@test.cn")), "read")
    db.session.commit()
    client = app.test_client()
    body = client.get(f"/api/v1/analytics/disclosures?period={cur.code}&sector=CF", headers=bearer(secret)).get_json()
    got = {(p["institution_code"], p["product_code"], p["apr_min"], p["apr_max"]) for p in body["products"]}

    def ex(v):
        return None if v is None else exact_str(Decimal(str(v)))

    assert got == {(code, p["product_code"], ex(p["apr_min"]), ex(p["apr_max"]))
                   for code, dsc in want.items() for p in dsc.products}
    assert all(p["above_cap"] == (p["apr_max"] is not None and Decimal(p["apr_max"]) > apr_cap())
               for p in body["products"])
    assert len(body["channels"]) == sum(len(d.channels) for d in want.values())
    shared = [g for g in body["partners"] if g["name"] == "共用催收服务有限公司"]
    assert len(shared) == 1 and {i["code"] for i in shared[0]["institutions"]} == {a.code, c.code}
    own = client.get(f"/api/v1/analytics/disclosures?period={cur.code}", headers=bearer(filer)).get_json()
    assert {p["institution_code"] for p in own["products"]} == {a.code}
    assert all(i["code"] == a.code for g in own["partners"] for i in g["institutions"])
    other = client.get(f"/api/v1/analytics/disclosures?period={cur.code}&institution={c.code}",
                       headers=bearer(filer)).get_json()
    assert other["products"] == [] and other["channels"] == [] and other["partners"] == []
