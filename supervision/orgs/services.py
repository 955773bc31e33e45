"""Business actions on agencies, institutions and sharing agreements (admin; audited, flush only)."""

from __future__ import annotations

from sqlalchemy import func, select

from supervision.audit.services import record
from supervision.domain.codes import CODE_LISTS
from supervision.domain.enums import Sector
from supervision.domain.names import name_key
from supervision.domain.uscc import is_valid_uscc
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.orgs.models import SHARE_KINDS, Agency, Institution, InstitutionAlias, SharingAgreement

#: §1.1 default lead agency by sector.
DEFAULT_AGENCY_BY_SECTOR = {Sector.PAY: "PBOC", Sector.CF: "NFRA", Sector.BANK: "NFRA", Sector.INS: "NFRA",
                            Sector.AUTO: "NFRA"}


class OrgError(ServiceError):
    """A refused change of master data (bilingual message, HTTP status)."""


def _norm_name(name: str) -> str:
    """Stored form of a name: trimmed, inner whitespace collapsed; full-width punctuation kept
    (official Chinese legal names use （）)."""
    return " ".join((name or "").split())


def get_agency(code: str) -> Agency | None:
    """Agency by code (case-insensitive)."""
    return db.session.scalar(select(Agency).where(func.upper(Agency.code) == (code or "").strip().upper()))


def create_agency(actor, *, code: str, name: str, name_en: str | None = None, parent_code: str | None = None,
                  default_sectors: list[str] | None = None) -> Agency:
    """Create an agency (optionally below a parent); audited."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        raise OrgError("监管机构代码必填且不超过32个字符 / agency code is required (≤ 32 characters)")
    if get_agency(code):
        raise OrgError(f"监管机构代码已存在 / agency code already exists: {code}")
    parent = None
    if parent_code:
        parent = get_agency(parent_code)
        if parent is None:
            raise OrgError(f"上级监管机构不存在 / parent agency not found: {parent_code}")
    bad = [s for s in default_sectors or [] if s not in Sector.values()]
    if bad:
        raise OrgError(f"行业代码无效 / invalid sector(s): {', '.join(bad)}")
    agency = Agency(code=code, name=_norm_name(name), name_en=name_en, parent=parent,
                    default_sectors=list(default_sectors or []))
    db.session.add(agency)
    db.session.flush()
    record("agency_create", actor=actor, object_type="agency", object_id=agency.id, detail={"code": code})
    return agency


def update_agency(actor, agency: Agency, *, name: str, name_en: str | None, parent_code: str | None) -> None:
    """Rename an agency or move it in the tree (never below itself); audited."""
    parent = get_agency(parent_code) if parent_code else None
    if parent_code and parent is None:
        raise OrgError(f"上级监管机构不存在 / parent agency not found: {parent_code}")
    p = parent
    while p is not None:
        if p.id == agency.id:
            raise OrgError("不能将监管机构移到其自身之下 / an agency cannot sit below itself")
        p = p.parent
    agency.name = _norm_name(name)
    agency.name_en = name_en
    agency.parent = parent
    record("agency_update", actor=actor, object_type="agency", object_id=agency.id,
           detail={"name": agency.name, "parent": parent.code if parent else None})


def get_institution(code: str) -> Institution | None:
    """Institution by USCC (upper-cased)."""
    return db.session.scalar(select(Institution).where(Institution.code == (code or "").strip().upper()))


def _check_alias_free(alias: str, institution_id: int | None) -> None:
    other = find_institution_by_name(alias)
    if other is not None and other.id != institution_id:
        raise OrgError(f"别名已被其他机构使用或与其名称相同 / alias already names another institution: {alias}")


def current_quarter() -> str:
    """The quarter of today (Asia/Shanghai), e.g. ``2026Q4``."""
    from supervision.domain.calendar import period_of, today_local

    return period_of(today_local()).code


def last_completed_quarter() -> str:
    """The quarter before today's (Asia/Shanghai)."""
    from supervision.domain.calendar import period_of, today_local

    return period_of(today_local()).previous().code


def _quarter(code: str | None, what: str) -> str | None:
    """A valid quarter code (``2024Q1``) or None; a bilingual refusal otherwise."""
    from supervision.domain.calendar import PeriodCodeError, parse_period

    if code is None or not str(code).strip():
        return None
    try:
        return parse_period(str(code)).code
    except PeriodCodeError as exc:
        raise OrgError(f"{what}: {exc}") from exc


def _check_active_range(active_from: str, active_until: str | None) -> None:
    if active_until is not None and active_until < active_from:
        raise OrgError(f"报送截止季度 {active_until} 早于起始季度 {active_from} / active_until {active_until} is "
                       f"before active_from {active_from}")


def create_institution(actor, *, code: str, name: str, sector: str, short_name: str | None = None,
                       agency_code: str | None = None, licence_no: str | None = None,
                       province: str | None = None, aliases: list[str] | None = None,
                       code_generated: bool = False, active_from: str | None = None,
                       active_until: str | None = None) -> Institution:
    """Create an institution after checking its USCC check character (§1.2); audited.

    ``active_from`` (default: the current quarter) is the first quarter it is expected to file;
    an earlier quarter back-fills history (decision 5, docs/decisions.md)."""
    active_from = _quarter(active_from, "起始季度 / active_from") or current_quarter()
    active_until = _quarter(active_until, "截止季度 / active_until")
    _check_active_range(active_from, active_until)
    code = (code or "").strip().upper()
    if not is_valid_uscc(code):
        raise OrgError(f"统一社会信用代码校验位错误或格式不符 / USCC fails its check character or format (V05): {code}")
    if get_institution(code):
        raise OrgError(f"机构代码已存在 / institution code already exists: {code}")
    sector = (sector or "").strip().upper()
    if sector not in Sector.values():
        raise OrgError(f"行业无效 / invalid sector {sector!r}; one of {', '.join(Sector.values())}")
    name = _norm_name(name)
    if not name:
        raise OrgError("机构名称必填 / institution name is required")
    if find_institution_by_name(name) is not None:
        raise OrgError(f"机构名称已存在（或为其他机构别名）/ name already used by an institution: {name}")
    if province and province not in CODE_LISTS["province"]:
        raise OrgError(f"省份代码无效 / invalid province code: {province}")
    agency = get_agency(agency_code or DEFAULT_AGENCY_BY_SECTOR[sector])
    if agency is None:
        raise OrgError(f"监管机构不存在 / agency not found: {agency_code or DEFAULT_AGENCY_BY_SECTOR[sector]}"
                       " (run `supervision load-reference`)")
    inst = Institution(code=code, name=name, short_name=short_name, sector=sector, lead_agency=agency,
                       licence_no=licence_no, province=province, code_generated=code_generated,
                       active_from=active_from, active_until=active_until)
    db.session.add(inst)
    db.session.flush()
    for alias in aliases or []:
        add_alias(actor, inst, alias, audit=False)
    record("institution_create", actor=actor, object_type="institution", object_id=inst.id,
           detail={"code": code, "name": name, "sector": sector, "agency": agency.code,
                   "active_from": active_from, "active_until": active_until})
    return inst


#: ``update_institution(active_until=KEEP)``: leave the stored last quarter as it is
KEEP = "keep"


def update_institution(actor, inst: Institution, *, name: str, short_name: str | None, sector: str,
                       agency_code: str, province: str | None, licence_no: str | None, active: bool,
                       active_from: str | None = None, active_until: str | None = KEEP) -> None:
    """Edit institution master data (the USCC itself is immutable); audited with before/after.

    Deactivating an institution ends its expected quarters at the last completed quarter (unless
    ``active_until`` names one) instead of rewriting history; reactivating it reopens them
    (decision 5). ``active_from`` None keeps the stored first quarter; ``active_until`` None makes
    an active institution open-ended, :data:`KEEP` keeps the stored last quarter."""
    before = {"name": inst.name, "sector": inst.sector, "agency": inst.lead_agency.code, "active": inst.active,
              "active_from": inst.active_from, "active_until": inst.active_until}
    agency = get_agency(agency_code)
    if agency is None:
        raise OrgError(f"监管机构不存在 / agency not found: {agency_code}")
    if sector not in Sector.values():
        raise OrgError(f"行业无效 / invalid sector {sector!r}")
    name = _norm_name(name)
    other = find_institution_by_name(name)
    if other is not None and other.id != inst.id:
        raise OrgError(f"机构名称已存在（或为其他机构别名）/ name already used by an institution: {name}")
    start = _quarter(active_from, "起始季度 / active_from") or inst.active_from
    keep = active_until == KEEP
    until = None if keep else _quarter(active_until, "截止季度 / active_until")
    if until is None:
        if not active:  # deactivating (or still inactive): history stays, expectations end
            until = (inst.active_until if not inst.active and inst.active_until
                     else max(last_completed_quarter(), start))
        elif inst.active and keep:
            until = inst.active_until
        # reactivating, or an active institution whose last quarter was cleared: open-ended
    _check_active_range(start, until)
    inst.name, inst.short_name, inst.sector, inst.lead_agency = name, short_name, sector, agency
    inst.province, inst.licence_no, inst.active = province or None, licence_no or None, active
    inst.active_from, inst.active_until = start, until
    after = {"name": inst.name, "sector": inst.sector, "agency": agency.code, "active": inst.active,
             "active_from": inst.active_from, "active_until": inst.active_until}
    record("institution_update", actor=actor, object_type="institution", object_id=inst.id,
           detail={"before": before, "after": after})


def set_active_quarters(actor, inst: Institution, active_from: str | None, active_until: str | None,
                        *, clear_until: bool = False) -> None:
    """Set the quarters an institution is expected to file (back-filling an earlier ``active_from``,
    or ending at ``active_until``); audited with before/after. ``clear_until`` makes it open-ended."""
    before = {"active_from": inst.active_from, "active_until": inst.active_until}
    start = _quarter(active_from, "起始季度 / active_from") or inst.active_from
    until = None if clear_until else (_quarter(active_until, "截止季度 / active_until") or inst.active_until)
    _check_active_range(start, until)
    inst.active_from, inst.active_until = start, until
    record("institution_active_quarters", actor=actor, object_type="institution", object_id=inst.id,
           detail={"before": before, "after": {"active_from": start, "active_until": until}})


def add_alias(actor, inst: Institution, alias: str, audit: bool = True) -> InstitutionAlias:
    """Add an alias; aliases are unique across institutions and never equal another's name."""
    alias = _norm_name(alias)
    if not alias:
        raise OrgError("别名不能为空 / alias is empty")
    _check_alias_free(alias, inst.id)
    existing = db.session.scalar(select(InstitutionAlias).where(InstitutionAlias.alias == alias))
    if existing:
        return existing
    row = InstitutionAlias(institution=inst, alias=alias)
    db.session.add(row)
    db.session.flush()
    if audit:
        record("institution_alias_add", actor=actor, object_type="institution", object_id=inst.id,
               detail={"alias": alias})
    return row


def find_institution_by_name(name: str) -> Institution | None:
    """Match a name against legal names, aliases and short names by :func:`supervision.domain.names.name_key`."""
    key = name_key(name)
    if not key:
        return None
    for inst_id, legal in db.session.execute(select(Institution.id, Institution.name)):
        if name_key(legal) == key:
            return db.session.get(Institution, inst_id)
    for inst_id, alias in db.session.execute(select(InstitutionAlias.institution_id, InstitutionAlias.alias)):
        if name_key(alias) == key:
            return db.session.get(Institution, inst_id)
    for inst_id, short in db.session.execute(select(Institution.id, Institution.short_name)):
        if short and name_key(short) == key:
            return db.session.get(Institution, inst_id)
    return None


def upsert_sharing(actor, *, from_code: str, to_code: str, sectors: list[str], kinds: list[str],
                   active: bool = True, note: str | None = None) -> SharingAgreement:
    """Create or update the agreement ``from`` → ``to`` (§1.4); audited with its terms."""
    src, dst = get_agency(from_code), get_agency(to_code)
    if src is None or dst is None:
        raise OrgError(f"监管机构不存在 / agency not found: {from_code if src is None else to_code}")
    if src.id == dst.id:
        raise OrgError("不能与自身签订共享协议 / an agency cannot share with itself")
    bad = [s for s in sectors if s not in Sector.values()] + [k for k in kinds if k not in SHARE_KINDS]
    if bad or not sectors or not kinds:
        raise OrgError(f"行业或数据类别无效 / invalid or empty sectors/kinds: {', '.join(bad) or '—'}")
    ag = db.session.scalar(select(SharingAgreement).where(SharingAgreement.from_agency_id == src.id,
                                                          SharingAgreement.to_agency_id == dst.id))
    if ag is None:
        ag = SharingAgreement(from_agency=src, to_agency=dst)
        db.session.add(ag)
    ag.sectors, ag.kinds, ag.active, ag.note = sorted(set(sectors)), sorted(set(kinds)), active, note
    db.session.flush()
    record("sharing_upsert", actor=actor, object_type="sharing_agreement", object_id=ag.id,
           detail={"from": src.code, "to": dst.code, "sectors": ag.sectors, "kinds": ag.kinds, "active": active})
    return ag


def delete_sharing(actor, ag: SharingAgreement) -> None:
    """End a sharing agreement (deleted; the audit log keeps its terms)."""
    record("sharing_delete", actor=actor, object_type="sharing_agreement", object_id=ag.id,
           detail={"from": ag.from_agency.code, "to": ag.to_agency.code, "sectors": ag.sectors, "kinds": ag.kinds})
    db.session.delete(ag)
    db.session.flush()
