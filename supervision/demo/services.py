"""Building the demo world from the real master data in ``../shared/data/master``.

Institution names, short names, licence numbers and provinces are real; the USCCs are *generated*
(they pass the GB 32100-2015 check but are not the institutions' real codes) and flagged
``code_generated`` so every screen can say so.
"""

from __future__ import annotations

import csv
from pathlib import Path

from supervision.accounts.models import User
from supervision.accounts.services import create_user, get_by_email
from supervision.config import PROJECT_ROOT
from supervision.domain.calendar import last_completed_quarters, today_local
from supervision.domain.enums import Role, Sector
from supervision.domain.uscc import generate_uscc
from supervision.extensions import db
from supervision.orgs import services as orgs
from supervision.orgs.models import Institution
from supervision.periods.services import add_period, get_period
from supervision.reference.services import load_reference

LOCAL_OFFICES = [
    ("NFRA-BJ", "国家金融监督管理总局北京监管局", "NFRA Beijing Office", "NFRA", "11"),
    ("NFRA-SH", "国家金融监督管理总局上海监管局", "NFRA Shanghai Office", "NFRA", "31"),
    ("PBOC-BJ", "中国人民银行北京市分行", "PBOC Beijing Branch", "PBOC", "11"),
    ("PBOC-SH", "中国人民银行上海总部", "PBOC Shanghai Head Office", "PBOC", "31"),
]

#: (email, role, institution legal name or agency code)
DEMO_USERS = [
    ("admin@demo.cn", Role.ADMIN, None),
    ("supervisor@nfra.demo.cn", Role.SUPERVISOR, "NFRA"),
    ("analyst@nfra.demo.cn", Role.ANALYST, "NFRA"),
    ("analyst@nfra-bj.demo.cn", Role.ANALYST, "NFRA-BJ"),
    ("supervisor@pboc.demo.cn", Role.SUPERVISOR, "PBOC"),
    ("analyst@pboc.demo.cn", Role.ANALYST, "PBOC"),
    ("filer@zhaolian.demo.cn", Role.FILER, "招联消费金融股份有限公司"),
    ("filer@alipay.demo.cn", Role.FILER, "支付宝（中国）网络技术有限公司"),
]


class DemoDataMissing(RuntimeError):
    """The shared master data folder is not where the demo expects it."""


def default_shared_dir() -> Path:
    """``../shared/data`` relative to the project root."""
    return PROJECT_ROOT.parent / "shared" / "data"


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _office_for(province: str | None, parent: str) -> str:
    for code, _n, _e, p, prov in LOCAL_OFFICES:
        if p == parent and prov == province:
            return code
    return parent


def _alias_index(shared: Path) -> dict[str, list[str]]:
    path = shared / "master" / "cn_financial_institutions_aliases.csv"
    out: dict[str, list[str]] = {}
    if path.exists():
        for row in _read(path):
            out[row["legal_name"].strip()] = [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()]
    return out


def _add_aliases(inst: Institution, names: list[str]) -> None:
    for alias in names:
        if alias in (inst.name, inst.short_name):
            continue
        try:
            orgs.add_alias(None, inst, alias, audit=False)
        except orgs.OrgError:
            continue  # aliases must be unique across institutions; a clashing one is skipped


def load_institutions(shared: Path) -> int:
    """Create the 31 consumer-finance companies and the first-batch payment institutions."""
    aliases = _alias_index(shared)
    created = 0
    seed = 0
    for row in _read(shared / "master" / "cn_consumer_finance_companies_nfra31.csv"):
        seed += 1
        name = row["legal_name"].strip()
        if orgs.find_institution_by_name(name):
            continue
        licence = row["nfra_institution_code"].strip()
        province = licence[7:9] if len(licence) >= 9 else None  # e.g. X0001H2[11]000001 → 11 北京
        inst = orgs.create_institution(
            None, code=generate_uscc(seed, province or "11"), name=name, sector=Sector.CF,
            short_name=row.get("short_name") or None, agency_code=_office_for(province, "NFRA"),
            licence_no=licence, province=province, code_generated=True)
        extra = aliases.get(name, [])
        note = row.get("note") or ""
        if "spell" in note:
            extra = [*extra, note.split("spell", 1)[1].split("(")[0].strip()]
        _add_aliases(inst, extra)
        created += 1
    for row in _read(shared / "master" / "cn_payment_institutions_first_batch_2011.csv"):
        seed += 1
        old = row["company_name_at_2011"].strip()
        note = row.get("note") or ""
        name = note[4:].strip() if note.startswith("now ") else old
        if orgs.find_institution_by_name(name):
            continue
        licence = row["license_no"].strip()
        province = licence[6:8]  # e.g. Z20001[33]000019 → 33 浙江
        inst = orgs.create_institution(
            None, code=generate_uscc(seed, province), name=name, sector=Sector.PAY,
            agency_code=_office_for(province, "PBOC"), licence_no=licence, province=province, code_generated=True)
        _add_aliases(inst, [old] if old != name else [])
        created += 1
    return created


def load_demo(password: str, shared_dir: str | Path | None = None, today=None, filings: bool = True,
              limit: int | None = None) -> dict:
    """Idempotently build the demo world; returns the logins and counts for the console."""
    shared = Path(shared_dir) if shared_dir else default_shared_dir()
    if not (shared / "master").is_dir():
        raise DemoDataMissing(f"找不到共享主数据 / shared master data not found: {shared / 'master'}")
    load_reference(None)
    for code, name, name_en, parent, _prov in LOCAL_OFFICES:
        if orgs.get_agency(code) is None:
            orgs.create_agency(None, code=code, name=name, name_en=name_en, parent_code=parent)
    created = load_institutions(shared)
    periods = []
    for qp in last_completed_quarters(4, today or today_local()):
        if get_period(qp.code) is None:
            add_period(None, qp.code)
        periods.append(qp.code)
    logins = []
    for email, role, member in DEMO_USERS:
        if get_by_email(email) is None:
            inst_id = agency_id = None
            if role == Role.FILER:
                inst_id = orgs.find_institution_by_name(member).id
            elif member:
                agency_id = orgs.get_agency(member).id
            create_user(None, email=email, role=role, password=password, institution_id=inst_id,
                        agency_id=agency_id, name=email.split("@")[0])
        logins.append({"email": email, "role": role, "member": member})
    db.session.flush()
    filing_stats = {}
    if filings:
        from supervision.demo.filings import load_demo_filings

        db.session.commit()  # the pipeline commits per version
        filing_stats = load_demo_filings(shared, limit=limit)
    return {"filings": filing_stats, "institutions_created": created,
            "institutions": db.session.query(Institution).count(),
            "users": db.session.query(User).count(),
            "periods": periods, "password": password, "logins": logins}
