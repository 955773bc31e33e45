"""Factories that build test data through the real services (never hand-written SQL)."""

from __future__ import annotations

from types import SimpleNamespace

from supervision.accounts.services import create_user
from supervision.domain.uscc import generate_uscc
from supervision.filings.models import Filing, FilingVersion
from supervision.orgs import services as orgs
from supervision.periods.services import add_period
from supervision.reference.services import load_reference

PASSWORD = "Test-pass-12345"
ROLES = ["filer_a", "filer_b", "analyst_nfra", "analyst_pboc", "supervisor", "admin"]


#: test institutions are expected from this quarter on (the test periods lie in the past)
ACTIVE_FROM = "2015Q1"


def make_institution(name: str, sector: str, agency: str, seed: int, province: str = "11",
                     active_from: str = ACTIVE_FROM):
    """An institution with a generated, valid USCC, expected from ``active_from``."""
    return orgs.create_institution(None, code=generate_uscc(seed, province), name=name, sector=sector,
                                   agency_code=agency, province=province, code_generated=True,
                                   active_from=active_from)


def make_filing(db, inst, period, kind="CMP", status="ACCEPTED"):
    """A filing with one version whose original is a real (empty) template workbook in the upload
    folder, so every download route has a real file behind it."""
    import io

    from supervision.filings.services import store_original
    from supervision.ingest.template_writer import write_template

    buf = io.BytesIO()
    write_template(buf, kind, institution_code=inst.code, institution_name=inst.name, period=period.code)
    buf.seek(0)
    stored = store_original(buf)
    f = Filing(institution=inst, period=period, kind=kind)
    db.session.add(f)
    db.session.flush()
    v = FilingVersion(filing=f, number=1, status=status, sha256=stored.sha256, size=stored.size,
                      original_filename=f"{inst.code}-{kind}.xlsx", storage_path=stored.relative)
    db.session.add(v)
    db.session.flush()
    return f


def build_world(db):
    """The standard world used by the access matrix and scoping tests."""
    load_reference(None)
    orgs.create_agency(None, code="NFRA-BJ", name="北京监管局", parent_code="NFRA")
    orgs.create_agency(None, code="PBOC-SH", name="上海总部", parent_code="PBOC")
    inst_a = make_institution("甲消费金融有限公司", "CF", "NFRA-BJ", 1, "11")
    inst_b = make_institution("乙支付有限公司", "PAY", "PBOC-SH", 2, "31")
    inst_c = make_institution("丙消费金融有限公司", "CF", "NFRA", 3, "44")
    period = add_period(None, "2024Q1")
    users = SimpleNamespace()
    users.filer_a = create_user(None, email="filer-a@test.cn", role="filer", password=PASSWORD,
                                institution_id=inst_a.id)
    users.filer_b = create_user(None, email="filer-b@test.cn", role="filer", password=PASSWORD,
                                institution_id=inst_b.id)
    users.analyst_nfra = create_user(None, email="analyst@nfra.test.cn", role="analyst", password=PASSWORD,
                                     agency_id=orgs.get_agency("NFRA").id)
    users.analyst_nfra_bj = create_user(None, email="analyst@nfra-bj.test.cn", role="analyst", password=PASSWORD,
                                        agency_id=orgs.get_agency("NFRA-BJ").id)
    users.analyst_pboc = create_user(None, email="analyst@pboc.test.cn", role="analyst", password=PASSWORD,
                                     agency_id=orgs.get_agency("PBOC").id)
    users.supervisor = create_user(None, email="supervisor@nfra.test.cn", role="supervisor", password=PASSWORD,
                                   agency_id=orgs.get_agency("NFRA").id)
    users.admin = create_user(None, email="admin@test.cn", role="admin", password=PASSWORD)
    filing_a = make_filing(db, inst_a, period)
    filing_b = make_filing(db, inst_b, period)
    filing_c = make_filing(db, inst_c, period)
    from sqlalchemy import select

    from supervision.orgs.models import SharingAgreement

    agreement = db.session.scalars(select(SharingAgreement)).first()
    finding_a = make_finding(inst_a, period, "D05", "medium", version_ids=[filing_a.versions[0].id])
    finding_c = make_finding(inst_c, period, "P03", "high", version_ids=[filing_c.versions[0].id])
    from supervision.findings.services import refer

    referral_c = refer(users.analyst_nfra, finding_c, orgs.get_agency("PBOC"), "请协助核查 / please check")
    db.session.commit()
    return SimpleNamespace(inst_a=inst_a, inst_b=inst_b, inst_c=inst_c, period=period, users=users,
                           filing_a=filing_a, filing_b=filing_b, filing_c=filing_c, agreement=agreement,
                           finding_a=finding_a, finding_c=finding_c, referral_c=referral_c, password=PASSWORD)


def build_world_with_open_period(db):
    """:func:`build_world` plus the current period, open for filing (``world.current``), committed:
    the world of the tests whose ingest runs in a child process or on connections of its own."""
    from supervision.domain.calendar import period_of, today_local
    from supervision.periods.services import add_period

    world = build_world(db)
    world.current = add_period(None, period_of(today_local()).code)
    db.session.commit()
    return world


def make_finding(inst, period, rule: str, level: str, subject: str = "", version_ids=(), evidence=None):
    """A finding created through the real upsert service (messages given directly)."""
    from supervision.findings.services import upsert

    draft = SimpleNamespace(rule=rule, level=level, subject=subject, subject_label=None,
                            evidence=evidence or {"note": "test"},
                            messages=lambda: (f"测试发现 {rule}", f"a test finding of rule {rule} made by the factory"))
    finding, _ = upsert(draft, institution_id=inst.id, period_id=period.id, version_ids=list(version_ids))
    return finding
