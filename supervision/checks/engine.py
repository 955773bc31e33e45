"""The check engine: gathers facts from the database, runs the pure rules of
:mod:`supervision.checks.rules`, and stores the drafts as findings — idempotently (identity =
rule, institution, period, subject) — closing the findings of the evaluated rules that no longer
hold. Functions flush; the job, command or request commits.

When checks run (§6): after a version is accepted (``P*``, ``X*``, ``D*`` for that institution and
period), after a register import (``X*`` for the institutions and periods it touches), and for a
whole period on demand or on schedule (everything, including ``S*`` and ``T01``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select

from supervision.checks import facts as F
from supervision.checks import rules as R
from supervision.checks.engine_lens import run_lens
from supervision.checks.spooled import SpooledFacts
from supervision.domain.enums import FilingKind
from supervision.extensions import db
from supervision.filings.content_models import (
    ChannelRow,
    CoverFigures,
    DerivedFigures,
    PartnerRow,
    ProductRow,
)
from supervision.filings.counting import counting_version, counting_version_ids
from supervision.filings.models import FilingVersion
from supervision.filings.reporting import expected_institutions, reporting_entries
from supervision.findings import services as findings
from supervision.findings.models import CheckRun, Finding
from supervision.league.inputs import league_config
from supervision.orgs.models import Institution
from supervision.parameters.services import apr_cap
from supervision.periods.models import Period
from supervision.register.models import RegisterEntry
from supervision.timeutil import as_utc, utcnow
from supervision.topics.derive import derive_after_accept
from supervision.transactions import begin_write

FAMILIES = {"P": ("P01", "P02", "P03"), "X": ("X01", "X02"), "D": ("D02", "D03", "D04", "D05", "D06", "D07"),
            "S": ("S01", "S02", "S03"), "T": ("T01",), "O": ("O01",), "G": ("G01", "G02"), "K": ("K01",)}
ALL_RULES = tuple(r for fam in FAMILIES.values() for r in fam)


# ---------------------------------------------------------------------------------------- facts
def cmp_facts(version: FilingVersion, spooled: SpooledFacts | None = None) -> R.CmpFacts:
    """Facts of an accepted CMP version: cover, totals and the aggregates of :mod:`.facts` (no rows;
    ``spooled``: the version's own facts taken from the ingest's spool, if any)."""
    return F.cmp_facts(version, spooled=spooled)


def dsc_facts(version: FilingVersion) -> R.DscFacts:
    """Facts of an accepted DSC version: products, complaint channels, partners."""
    products = tuple(R.ProductFacts(p.product_code, p.product_name, p.product_type, p.apr_max, p.auto_deduction,
                                    p.deduction_notice, p.row_no)
                     for p in db.session.scalars(select(ProductRow).where(ProductRow.version_id == version.id)
                                                 .order_by(ProductRow.row_no)))
    channels = tuple(R.ChannelFacts(c.channel_type, c.accessible, c.row_no)
                     for c in db.session.scalars(select(ChannelRow).where(ChannelRow.version_id == version.id)
                                                 .order_by(ChannelRow.row_no)))
    partners = tuple(R.PartnerFacts(p.partner_type, p.partner_name, p.published, p.row_no, p.partner_code)
                     for p in db.session.scalars(select(PartnerRow).where(PartnerRow.version_id == version.id)
                                                 .order_by(PartnerRow.row_no)))
    return R.DscFacts(version.id, products, channels, partners)


def _period_by_code(code: str) -> Period | None:
    return db.session.scalar(select(Period).where(Period.code == code))


# ----------------------------------------------------------------------------------- applying
def apply(drafts: Iterable[R.Draft], evaluated: Iterable[str], institution_id: int, period_id: int,
          version_ids: list[int], counts: dict[str, int], reason: str) -> None:
    """Upsert the drafts; close the findings of ``evaluated`` rules (for this institution and
    period) that were not produced again."""
    seen: set[tuple[str, str]] = set()
    drafts = list(drafts)
    rules = {d.rule for d in drafts}
    # the findings these drafts may update, read at once (not one query, and one autoflush, per draft)
    existing = {(f.rule, f.subject): f for f in db.session.scalars(
        select(Finding).where(Finding.institution_id == institution_id, Finding.period_id == period_id,
                              Finding.rule.in_(rules)))} if rules else {}
    # the drafts of findings that do not exist yet are created together (one flush, not one each);
    # a later draft of the same rule and subject then updates the one just created, as before
    fresh, keys = [], set(existing)
    for d in drafts:
        if (d.rule, d.subject) not in keys:
            keys.add((d.rule, d.subject))
            fresh.append(d)
    created = dict(zip(map(id, fresh), findings.create_many(
        fresh, institution_id=institution_id, period_id=period_id, version_ids=version_ids), strict=True))
    for d in drafts:
        if id(d) in created:
            _f, outcome = created[id(d)], "created"
        else:
            _f, outcome = findings.upsert(d, institution_id=institution_id, period_id=period_id,
                                          version_ids=version_ids, existing=existing.get((d.rule, d.subject)))
        existing[d.rule, d.subject] = _f
        counts[outcome] = counts.get(outcome, 0) + 1
        seen.add((d.rule, d.subject))
    evaluated = tuple(evaluated)
    if not evaluated:
        return
    stale = db.session.scalars(select(Finding).where(Finding.institution_id == institution_id,
                                                     Finding.period_id == period_id, Finding.rule.in_(evaluated),
                                                     Finding.holds.is_(True))).all()
    for f in stale:
        if (f.rule, f.subject) not in seen and findings.close_stale(f, reason):
            counts["closed"] = counts.get("closed", 0) + 1


def _wanted(rules: Iterable[str] | None, family: str) -> tuple[str, ...]:
    fam = FAMILIES[family]
    return fam if rules is None else tuple(r for r in fam if r in set(rules))


def run_institution(inst: Institution, period: Period, rules: Iterable[str] | None = None,
                    counts: dict[str, int] | None = None,
                    spooled: tuple[int, SpooledFacts] | None = None) -> dict[str, int]:
    """Run P*, X*, D* and O01 for one institution and period on its versions that count.
    ``spooled``: ``(version id, its own facts)`` taken from the ingest's spool
    (:mod:`supervision.checks.spooled`); used only if that version is the one that counts."""
    counts = counts if counts is not None else {}
    cmp_v = counting_version(inst.id, period.id, FilingKind.CMP)
    dsc_v = counting_version(inst.id, period.id, FilingKind.DSC)
    own = spooled[1] if spooled is not None and cmp_v is not None and spooled[0] == cmp_v.id else None
    cmp = cmp_facts(cmp_v, own) if cmp_v and (_wanted(rules, "P") or _wanted(rules, "X") or _wanted(rules, "D")) \
        else None
    versions = [v.id for v in (cmp_v, dsc_v) if v is not None]
    reason = f"re-evaluated on {', '.join(f'#{v}' for v in versions) or 'no accepted version'}"
    if cmp is None:  # nothing to compare: the P and X findings of a version that no longer counts close
        gone = _wanted(rules, "P") + _wanted(rules, "X")
        if gone:
            apply([], gone, inst.id, period.id, [], counts, "no CMP version counts")
    else:
        p_rules = _wanted(rules, "P")
        if p_rules:
            prev_period = _period_by_code(period.quarter_period.previous().code)
            prev_v = counting_version(inst.id, prev_period.id, FilingKind.CMP) if prev_period else None
            current, prev, earlier = F.history_facts(cmp, prev_v, inst.id, period.code, own)
            drafts = [d for d in R.check_previous(current, prev, earlier) if d.rule in p_rules]
            cite = [cmp_v.id] + ([prev_v.id] if prev_v else [])
            apply(drafts, p_rules, inst.id, period.id, cite, counts, reason)
        x_rules = _wanted(rules, "X")
        if x_rules:
            refs = all_register_refs()
            apply([d for d in R.check_register(F.register_facts_rows(cmp, refs, own), register_facts(inst, period),
                                               refs)
                   if d.rule in x_rules], x_rules, inst.id, period.id, [cmp_v.id], counts, reason)
    o_rules = _wanted(rules, "O")
    if o_rules:  # §10.3 O01 on the version that counts (none: its findings close)
        from supervision.checks.facts_handling import overdue_facts
        from supervision.checks.rules_handling import check_overdue

        if own is not None and own.overdue is not None and own.overdue.period_end == period.end_date:
            late = own.overdue  # taken from the ingest's spool: the same facts (tests/checks/test_facts_sql.py)
        else:
            late = overdue_facts(cmp_v.id, period.end_date) if cmp_v else None
        drafts = check_overdue(late) if cmp_v else []
        apply(drafts, o_rules, inst.id, period.id, [cmp_v.id] if cmp_v else [], counts,
              reason if cmp_v else "no CMP version counts")
    prev_period = _period_by_code(period.quarter_period.previous().code)
    prev_cmp = counting_version(inst.id, prev_period.id, FilingKind.CMP) if prev_period else None
    run_lens(apply, inst.id, period.id, cmp_v, dsc_v, prev_cmp, _wanted(rules, "G"), _wanted(rules, "K"), counts)
    d_rules = _wanted(rules, "D")
    if d_rules and (cmp_v or dsc_v):
        dsc = dsc_facts(dsc_v) if dsc_v else None
        drafts = [d for d in R.check_disclosure(dsc, F.with_cited(cmp, dsc, own) if cmp is not None else None,
                                                apr_cap())
                  if d.rule in d_rules]
        apply(drafts, d_rules, inst.id, period.id, versions, counts, reason)
    elif d_rules:
        apply([], d_rules, inst.id, period.id, [], counts, "no version counts")
    return counts


def register_facts(inst: Institution, period: Period) -> list[R.RegisterFacts]:
    """Register entries of the institution transferred in the period (§7)."""
    return [R.RegisterFacts(e.transfer_ref, e.transferred_date, e.hotline, e.business_category, e.cause)
            for e in db.session.scalars(select(RegisterEntry).where(RegisterEntry.institution_id == inst.id,
                                                                    RegisterEntry.period_code == period.code)
                                        .order_by(RegisterEntry.transferred_date, RegisterEntry.transfer_ref))]


def all_register_refs() -> set[str]:
    """Every transfer reference of the register."""
    return set(db.session.scalars(select(RegisterEntry.transfer_ref)))


def peer_facts(period: Period) -> dict[str, list[R.PeerFacts]]:
    """Per sector, the ranked institutions (§8 eligibility, with the effective threshold) among those
    expected in the period, with per_10k_customers and on_time_rate."""
    minimum = league_config().min_active_customers
    out: dict[str, list[R.PeerFacts]] = {}
    for inst in expected_institutions(period):
        v = counting_version(inst.id, period.id, FilingKind.CMP)
        if v is None:
            continue
        cover = db.session.scalar(select(CoverFigures).where(CoverFigures.version_id == v.id))
        total = db.session.scalar(select(DerivedFigures).where(DerivedFigures.version_id == v.id,
                                                               DerivedFigures.business_category.is_(None)))
        if cover is None or total is None or cover.active_customers is None or cover.active_customers < minimum:
            continue
        per_10k = Fraction(total.received * 10000, cover.active_customers) if cover.active_customers else None
        on_time = Fraction(total.on_time * 100, total.closed) if total.closed else None
        out.setdefault(inst.sector, []).append(R.PeerFacts(inst.code, per_10k, on_time))
    return out


def timeliness_facts(period: Period, institution_ids: Iterable[int] | None = None) -> list[R.TimelinessFacts]:
    """Per expected institution and kind: whether a version counts and when the first version
    without blocking errors arrived (the one definition of :mod:`supervision.filings.reporting`)."""
    return [R.TimelinessFacts(e.institution.code, e.kind, e.first_at, period.due_at, period.code,
                              counts=e.counting_version_id is not None)
            for e in reporting_entries(period, institution_ids)]


def run_period(period: Period, rules: Iterable[str] | None = None, institution: Institution | None = None,
               trigger: str = "manual", now: datetime | None = None,
               progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Run the checks of a period (optionally one institution, optionally some rules)."""
    rules = tuple(rules) if rules else None
    run = CheckRun(trigger=trigger, period_id=period.id, institution_id=institution.id if institution else None,
                   rules=list(rules or ALL_RULES))
    db.session.add(run)
    counts: dict[str, int] = {}
    insts = [institution] if institution else expected_institutions(period)
    by_code = {i.code: i for i in insts}
    total = len(insts) + 2
    for n, inst in enumerate(insts, start=1):
        run_institution(inst, period, rules, counts)
        if progress:
            progress(n, total)
    s_rules = FAMILIES["S"] if rules is None else tuple(r for r in FAMILIES["S"] if r in rules)
    if s_rules:
        run_peers(period, s_rules, by_code, counts)
    if progress:
        progress(total - 1, total)
    if rules is None or "T01" in rules:
        run_timeliness(period, by_code, counts, now)
    if progress:
        progress(total, total)
    run.finished_at = utcnow()
    run.counts = counts
    db.session.flush()
    return counts


def run_peers(period: Period, s_rules: Iterable[str], by_code: dict[str, Institution],
              counts: dict[str, int], sectors: Iterable[str] | None = None) -> None:
    """``S01``–``S03`` over each sector's ranked institutions, applied to those in ``by_code``; an
    institution of ``by_code`` that is not ranked (any more) loses its stale S findings."""
    s_rules = tuple(s_rules)
    wanted = None if sectors is None else set(sectors)
    ranked: set[str] = set()
    for sector, peers in peer_facts(period).items():
        if wanted is not None and sector not in wanted:
            continue
        for code, drafts in R.check_peers(peers).items():
            ranked.add(code)
            if code not in by_code:
                continue
            inst = by_code[code]
            v = counting_version(inst.id, period.id, FilingKind.CMP)
            apply([d for d in drafts if d.rule in s_rules], s_rules, inst.id, period.id, [v.id] if v else [],
                  counts, "peer comparison re-run")
    for code, inst in by_code.items():
        if code not in ranked and (wanted is None or inst.sector in wanted):
            apply([], s_rules, inst.id, period.id, [], counts, "not ranked in the period")


def run_timeliness(period: Period, by_code: dict[str, Institution], counts: dict[str, int],
                   now: datetime | None = None) -> None:
    """``T01`` for the institutions in ``by_code`` (one definition of reported and on time)."""
    facts = timeliness_facts(period, [i.id for i in by_code.values()])
    drafts = R.check_timeliness(facts, as_utc(now) if now else utcnow())
    by_inst: dict[str, list[R.Draft]] = {}
    for d in drafts:
        by_inst.setdefault(d.institution_code, []).append(d)
    for code, inst in by_code.items():
        apply(by_inst.get(code, []), ("T01",), inst.id, period.id, [], counts, "filed on time")


def close_uncounted(institution_id: int, period_id: int, counts: dict[str, int]) -> None:
    """Close the holding findings of an institution and period that cite only versions that no
    longer count (a returned, withdrawn or superseded version's findings), with an ``auto:`` reason."""
    counting = {vid for (_inst, _kind), vid in counting_version_ids(period_id).items()}
    for f in db.session.scalars(select(Finding).where(Finding.institution_id == institution_id,
                                                      Finding.period_id == period_id, Finding.holds.is_(True))):
        cited = set(f.versions or [])
        if cited and not cited & counting:
            ids = ", ".join(f"#{v}" for v in sorted(cited))
            if findings.close_stale(f, f"cited version(s) {ids} no longer count"):
                counts["closed"] = counts.get("closed", 0) + 1


def run_after_change(institution_id: int, period_id: int, trigger: str = "lifecycle") -> dict[str, int]:
    """Job: after a change of which version of a filing counts (returned, withdrawn, reinstated,
    superseded), re-run the checks that depend on it and commit — ``P*``, ``X*``, ``D*`` and ``T01``
    of the institution and period, ``P*`` of the next period (it compares with this one), the
    sector's peer checks ``S01``–``S03`` (the ranked set may have changed) — then close what cites
    only versions that no longer count."""
    begin_write(db.session)  # reads, then writes while ingests commit (supervision.transactions)
    inst = db.session.get(Institution, institution_id)
    period = db.session.get(Period, period_id)
    counts: dict[str, int] = {}
    run_institution(inst, period, counts=counts)
    nxt = db.session.scalar(select(Period).where(Period.code == period.quarter_period.next().code))
    if nxt is not None:
        run_institution(inst, nxt, FAMILIES["P"] + FAMILIES["K"], counts)
    sector = {i.code: i for i in expected_institutions(period) if i.sector == inst.sector}
    sector.setdefault(inst.code, inst)
    run_peers(period, FAMILIES["S"], sector, counts, sectors=[inst.sector])
    run_timeliness(period, {inst.code: inst}, counts)
    close_uncounted(inst.id, period.id, counts)
    db.session.add(CheckRun(trigger=trigger[:32], period_id=period.id, institution_id=inst.id,
                            rules=list(ALL_RULES), counts=counts, finished_at=utcnow()))
    db.session.commit()
    return counts


def run_after_accept(version_id: int, spooled_topics=None, spooled_facts: SpooledFacts | None = None
                     ) -> dict[str, int]:
    """Job: after a version is accepted, run P*, X*, D* for its institution and period; commits.
    When it superseded a version that had counted (a re-filing), everything that depended on that
    version is re-run as after any change of the counting version (:func:`run_after_change`).
    ``spooled_topics``: the ingest's topic tally made beside its store, if any
    (:func:`supervision.topics.derive.derive_version`); ``spooled_facts``: the version's own facts
    of the checks taken from the ingest's spool (:mod:`supervision.checks.spooled`), if any."""
    begin_write(db.session)
    v = db.session.get(FilingVersion, version_id)
    refiled = any(o.id != v.id and o.accepted_at is not None for o in v.filing.versions)
    if refiled:
        derive_after_accept(version_id, spooled_topics)
        return run_after_change(v.filing.institution_id, v.filing.period_id, trigger=f"accepted:{version_id}")
    # P, X, D and O read neither topics nor groups: they run while the topic helpers finish; then
    # the §10 facts are derived and G and K run on them
    counts = run_institution(v.filing.institution, v.filing.period, FAMILIES["P"] + FAMILIES["X"] + FAMILIES["D"]
                             + FAMILIES["O"], spooled=(version_id, spooled_facts) if spooled_facts else None)
    derive_after_accept(version_id, spooled_topics)
    run_institution(v.filing.institution, v.filing.period, FAMILIES["G"] + FAMILIES["K"], counts)
    close_uncounted(v.filing.institution_id, v.filing.period_id, counts)
    db.session.add(CheckRun(trigger=f"accepted:{version_id}", period_id=v.filing.period_id,
                            institution_id=v.filing.institution_id, rules=list(FAMILIES["P"] + FAMILIES["X"]
                                                                               + FAMILIES["D"] + FAMILIES["O"]
                                                                               + FAMILIES["G"] + FAMILIES["K"]),
                            counts=counts, finished_at=utcnow()))
    db.session.commit()
    return counts


def run_register_job(pairs: list[list[int]]) -> dict[str, int]:
    """Job: after a register import, run X* for the (institution id, period code) pairs it touched."""
    begin_write(db.session)
    counts: dict[str, int] = {}
    for inst_id, period_code in pairs:
        period = _period_by_code(period_code)
        inst = db.session.get(Institution, inst_id)
        if period is not None and inst is not None:
            run_institution(inst, period, FAMILIES["X"], counts)
    db.session.commit()
    return counts


def run_period_job(period_id: int, actor_id: int | None = None) -> dict[str, int]:
    """Job: every check of a period (dashboard button, scheduler); commits."""
    begin_write(db.session)
    counts = run_period(db.session.get(Period, period_id), trigger=f"user:{actor_id}" if actor_id else "job")
    db.session.commit()
    return counts
