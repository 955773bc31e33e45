"""Building the demo world from the reference facts shipped in ``supervision/data/reference``.

Institution names, short names, licence numbers, provinces and aliases are real (sources in
``SOURCES.md`` there); the USCCs are *generated* (they pass the GB 32100-2015 check but are not the
institutions' real codes) and flagged ``code_generated`` so every screen can say so. Nothing outside
the package is read unless ``shared_dir`` (``SUPERVISION_SHARED_DATA_DIR``) points at a folder of
real complaint texts, which then serve as summaries instead of generated ones.
"""

from __future__ import annotations

from pathlib import Path

from supervision.accounts.models import User
from supervision.accounts.services import create_user, get_by_email
from supervision.domain.calendar import last_completed_quarters, today_local
from supervision.domain.enums import Role, Sector
from supervision.extensions import db
from supervision.orgs import services as orgs
from supervision.orgs.models import Institution
from supervision.periods.services import add_period, get_period
from supervision.reference.institutions import reference_institutions
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
#: display names of the demo users (made up for the demo, like the demo's complaint texts)
DEMO_NAMES = {
    "admin@demo.cn": "陈立", "supervisor@nfra.demo.cn": "王晓燕", "analyst@nfra.demo.cn": "李强",
    "analyst@nfra-bj.demo.cn": "赵敏", "supervisor@pboc.demo.cn": "周文", "analyst@pboc.demo.cn": "孙悦",
    "filer@zhaolian.demo.cn": "刘洋", "filer@alipay.demo.cn": "吴佳",
}

#: The lead agency of each demo sector (spec §1.1); local offices by province below them.
LEAD_AGENCY = {Sector.CF: "NFRA", Sector.PAY: "PBOC"}


def _office_for(province: str | None, parent: str) -> str:
    for code, _n, _e, p, prov in LOCAL_OFFICES:
        if p == parent and prov == province:
            return code
    return parent


def _add_aliases(inst: Institution, names: tuple[str, ...]) -> None:
    for alias in names:
        if alias in (inst.name, inst.short_name):
            continue
        try:
            orgs.add_alias(None, inst, alias, audit=False)
        except orgs.OrgError:
            continue  # aliases must be unique across institutions; a clashing one is skipped


def load_institutions(active_from: str | None = None) -> int:
    """Create the shipped reference institutions (the 31 consumer-finance companies and the
    first-batch payment institutions) that do not exist yet, expected from ``active_from`` (default:
    the current quarter); returns how many were created."""
    created = 0
    for ref in reference_institutions():
        if orgs.find_institution_by_name(ref.name):
            continue
        inst = orgs.create_institution(
            None, code=ref.generated_uscc, name=ref.name, sector=ref.sector, short_name=ref.short_name or None,
            agency_code=_office_for(ref.province, LEAD_AGENCY[ref.sector]), licence_no=ref.licence_no,
            province=ref.province, code_generated=True, active_from=active_from)
        _add_aliases(inst, ref.aliases)
        created += 1
    return created


def load_demo(password: str, shared_dir: str | Path | None = None, today=None, filings: bool = True,
              limit: int | None = None) -> dict:
    """Idempotently build the demo world; returns the logins and counts for the console.

    Everything comes from the package; ``shared_dir`` (optional) is a folder of real third-party
    data whose complaint texts are then used as summaries (see :func:`supervision.demo.workbooks.load_texts`).
    """
    load_reference(None)
    for code, name, name_en, parent, _prov in LOCAL_OFFICES:
        if orgs.get_agency(code) is None:
            orgs.create_agency(None, code=code, name=name, name_en=name_en, parent_code=parent)
    quarters = last_completed_quarters(4, today or today_local())
    created = load_institutions(active_from=quarters[0].code)  # the demo's history is back-filled
    periods = []
    for qp in quarters:
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
                        agency_id=agency_id, name=DEMO_NAMES[email])
        logins.append({"email": email, "role": role, "member": member})
    db.session.flush()
    filing_stats = {}
    if filings:
        from supervision.demo.filings import load_demo_filings

        db.session.commit()  # the pipeline commits per version
        filing_stats = load_demo_filings(Path(shared_dir) if shared_dir else None, limit=limit)
    return {"filings": filing_stats, "institutions_created": created,
            "institutions": db.session.query(Institution).count(),
            "users": db.session.query(User).count(),
            "periods": periods, "password": password, "logins": logins}
