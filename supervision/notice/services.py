"""Building the 通报 document of a published snapshot and storing it in the export archive.

Figures of the 通报 tables, the totals and the medians come from the published snapshot (rows and
medians as published; the previous quarter's totals from its own published table) — never
recomputed from filings. The vulnerable-group and topic paragraphs read the per-version facts of
the snapshot's CMP versions (:mod:`supervision.vulnerable`, :mod:`supervision.topics`), within the
scope the document is built for; ``G01``/``K01`` findings name the institutions. Services flush;
the caller commits.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from flask import current_app
from sqlalchemy import func, select

from reports.league.medians import median
from reports.numbers import display
from supervision.domain.codes import CODE_LISTS
from supervision.domain.enums import FilingKind, Sector
from supervision.exports import services as exports
from supervision.extensions import db
from supervision.filings.counting import counting_versions
from supervision.filings.models import FilingVersion
from supervision.findings.models import Finding
from supervision.league import services as league
from supervision.league.models import LeagueSnapshot, LeagueSnapshotVersion
from supervision.notice import charts
from supervision.notice import document as D
from supervision.orgs.models import Agency, Institution
from supervision.periods.models import Period
from supervision.topics.derive import ensure_derived
from supervision.topics.lexicon import topic
from supervision.topics.models import TopicCount
from supervision.vulnerable.models import GroupFact

TOP_TOPICS = 5
#: a topic is reported as surging with at least this many mentions (K01's default floor)
TOPIC_MIN = 20
GROUP_ORDER = ("ELDERLY", "DISABLED", "MINOR", "FOREIGN")


class NoticeError(exports.ExportError):
    """The notice cannot be built (bilingual message, HTTP status)."""


def _received(row: dict) -> int:
    value = row["metrics"]["received"]["value"]
    return int(Decimal(value)) if value is not None else 0


def snapshot_source(period: Period, number: int | None = None) -> tuple[dict, LeagueSnapshot, dict[str, int]]:
    """The published table of ``period`` (snapshot ``number``, or per sector the latest covering it),
    its (newest) snapshot and sector → snapshot id. ``NoticeError`` 409/404 when not published."""
    if number is not None:
        snap = db.session.scalar(select(LeagueSnapshot).where(LeagueSnapshot.period_id == period.id,
                                                              LeagueSnapshot.number == number))
        if snap is None:
            raise NoticeError(f"{period.code} 没有第 {number} 版排行榜 / no snapshot {number} for {period.code}", 404)
        sectors = league.snapshot_sectors(snap)
        return league.restrict(league.snapshot_table(snap), sectors), snap, {s: snap.id for s in sectors}
    table = league.published_table(period.id)
    if table is None:
        raise NoticeError(f"{period.code} 的排行榜尚未发布，不能生成通报 / the {period.code} league table is not "
                          f"published, so no notice can be made", 409)
    covering = league.published_snapshots(period.id)
    snap = max((covering[s] for s in table["sectors"]), key=lambda x: x.number)
    return table, snap, {s: covering[s].id for s in table["sectors"]}


def sector_totals(table: dict) -> dict[str, int]:
    """Sector → total ``received`` of the rows with a notice rank (as the 通报 view)."""
    out: dict[str, int] = {}
    for r in table["rows"]:
        if r["notice_rank"] is not None:
            out[r["sector"]] = out.get(r["sector"], 0) + _received(r)
    return out


def previous_totals(period: Period) -> dict[str, int]:
    """Sector → total of the previous period's published table (absent sectors: not published)."""
    prev = db.session.scalar(select(Period).where(Period.code == period.quarter_period.previous().code))
    table = league.published_table(prev.id) if prev is not None else None
    return sector_totals(table) if table else {}


def _median_per_10k(rows: list[dict], shown: str | None) -> Decimal | Fraction | None:
    """The sector median of ``per_10k_customers`` as exact as the snapshot allows: the median of the
    ranked rows' exact values when it displays as the published median, else the published text."""
    exact = median(Decimal(r["metrics"]["per_10k_customers"]["value"]) for r in rows
                   if r["status"] == "ranked" and r["metrics"]["per_10k_customers"]["value"] is not None)
    if exact is not None and display(exact, 2) == shown:
        return exact
    return Decimal(shown) if shown is not None else None


def sector_notice(table: dict, sector: str, previous: int | None) -> D.SectorNotice:
    """One sector's part of the notice from the published rows and medians."""
    rows = [r for r in table["rows"] if r["sector"] == sector]
    listed = sorted((r for r in rows if r["notice_rank"] is not None), key=lambda r: r["notice_rank"])
    medians = table.get("medians", {}).get(sector, {})
    m10k = _median_per_10k(rows, medians.get("per_10k_customers"))
    above = tuple((r["name"], r["metrics"]["per_10k_customers"]["display"]) for r in listed
                  if m10k is not None and r["metrics"]["per_10k_customers"]["value"] is not None
                  and Decimal(r["metrics"]["per_10k_customers"]["value"]) > m10k)
    return D.SectorNotice(
        sector=sector, sector_name=CODE_LISTS["sector"].get(sector, sector),
        total=sum(_received(r) for r in listed), previous_total=previous,
        rows=tuple(D.NoticeRow(r["notice_rank"], r["name"], r["metrics"]["received"]["display"] or "0", r["share"],
                               r["metrics"]["per_100m_volume"]["display"],
                               r["metrics"]["per_100m_volume"]["rank_sector"]) for r in listed),
        medians={k: medians.get(k) for k in ("received", "per_100m_volume", "per_10k_customers")},
        above_median=above, others=tuple(r["name"] for r in rows if r["notice_rank"] is None))


def _cmp_versions(snapshot_ids: dict[str, int], scope: set[int] | None) -> dict[int, tuple[int, str]]:
    """version id → (institution id, sector) of the snapshots' CMP versions (institutions in scope)."""
    out = {}
    for sector, sid in snapshot_ids.items():
        q = (select(LeagueSnapshotVersion.version_id, Institution.id)
             .join(Institution, Institution.id == LeagueSnapshotVersion.institution_id)
             .where(LeagueSnapshotVersion.snapshot_id == sid, LeagueSnapshotVersion.kind == FilingKind.CMP,
                    Institution.sector == sector))
        for vid, iid in db.session.execute(q):
            if scope is None or iid in scope:
                out[vid] = (iid, sector)
    return out


def _holding(period: Period, rule: str, scope: set[int] | None) -> dict[str, list[int]]:
    """subject → institution ids with a holding finding of ``rule`` in the period."""
    q = select(Finding.subject, Finding.institution_id).where(Finding.period_id == period.id, Finding.rule == rule,
                                                             Finding.holds.is_(True))
    out: dict[str, list[int]] = {}
    for subject, iid in db.session.execute(q):
        if scope is None or iid in scope:
            out.setdefault(subject, []).append(iid)
    return out


def group_lines(period: Period, versions: dict[int, tuple[int, str]], names: dict[int, str],
                findings_scope: set[int] | None) -> tuple[list[D.GroupLine], set[int]]:
    """Per sector and vulnerable group: received rows, share of the sector's rows, G01 institutions."""
    if not versions:
        return [], set()
    sums: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for vid, group, received in db.session.execute(select(GroupFact.version_id, GroupFact.customer_group,
                                                          GroupFact.received)
                                                   .where(GroupFact.version_id.in_(list(versions)))):
        sector = versions[vid][1]
        sums[(sector, group)] = sums.get((sector, group), 0) + received
        totals[sector] = totals.get(sector, 0) + received
    flagged = _holding(period, "G01", findings_scope)
    in_versions = {iid for iid, _s in versions.values()}
    named: set[int] = set()
    out = []
    for sector in sorted(totals, key=lambda s: Sector.values().index(s) if s in Sector.values() else 99):
        for group in GROUP_ORDER:
            n = sums.get((sector, group), 0)
            if not n:
                continue
            ids = [i for i in flagged.get(group, []) if i in in_versions
                   and any(v == (i, sector) for v in versions.values())]
            named |= set(ids)
            out.append(D.GroupLine(CODE_LISTS["sector"].get(sector, sector), CODE_LISTS["customer_group"][group], n,
                                   display(Fraction(n * 100, totals[sector]), 2) if totals[sector] else None,
                                   tuple(sorted(names[i] for i in ids))))
    return out, named


def topic_lines(period: Period, versions: dict[int, tuple[int, str]], scope: set[int] | None,
                names: dict[int, str], findings_scope: set[int] | None) -> tuple[list[D.TopicLine], set[int]]:
    """The top surging lexicon topics: counts over the snapshot's CMP versions against the previous
    period's counting CMPs (same scope), ``K01`` institutions."""
    if not versions:
        return [], set()
    now = dict(db.session.execute(select(TopicCount.topic, func.sum(TopicCount.count))
                                  .where(TopicCount.version_id.in_(list(versions))).group_by(TopicCount.topic)).all())
    prev_period = db.session.scalar(select(Period).where(Period.code == period.quarter_period.previous().code))
    before: dict[str, int] | None = None
    if prev_period is not None:
        cv = counting_versions(period_id=prev_period.id, kind=FilingKind.CMP).subquery()
        q = (select(TopicCount.topic, func.sum(TopicCount.count)).join(cv, cv.c.version_id == TopicCount.version_id)
             .group_by(TopicCount.topic))
        if scope is not None:
            q = q.where(cv.c.institution_id.in_(sorted(scope)))
        rows = db.session.execute(q).all()
        before = {t: int(n) for t, n in rows} if rows else None
    k01 = _holding(period, "K01", findings_scope)
    cands = []
    for code, n in now.items():
        n = int(n)
        prev = None if before is None else before.get(code, 0)
        if n < TOPIC_MIN or (prev is not None and n <= prev):
            continue
        pct = None if not prev else Fraction((n - prev) * 100, prev)
        cands.append((code, n, prev, pct))
    big = Fraction(10 ** 12)
    cands.sort(key=lambda c: (-(c[3] if c[3] is not None else big), -c[1], c[0]))
    named: set[int] = set()
    out = []
    for code, n, prev, pct in cands[:TOP_TOPICS]:
        ids = [i for i in k01.get(code, []) if i in names]
        named |= set(ids)
        out.append(D.TopicLine(topic(code).name_zh, n, prev, display(pct, 2) if pct is not None else None,
                               tuple(sorted(names[i] for i in ids))))
    return out, named


def surges(period: Period, names: dict[int, str], findings_scope: set[int] | None,
           limit: int = 10) -> list[D.Surge]:
    """Holding ``K01`` findings of the period against a counted previous period (an institution's
    first period is left out: every frequent topic is new there), most mentions first."""
    q = select(Finding.subject, Finding.institution_id, Finding.evidence).where(
        Finding.period_id == period.id, Finding.rule == "K01", Finding.holds.is_(True))
    out = []
    for code, iid, ev in db.session.execute(q):
        t = topic(code)
        if t is None or iid not in names or (findings_scope is not None and iid not in findings_scope):
            continue
        if not isinstance(ev, dict) or ev.get("previous") is None:
            continue
        out.append(D.Surge(t.name_zh, names[iid], int(ev["count"]), int(ev["previous"])))
    out.sort(key=lambda s: (-s.count, s.institution, s.topic))
    return out[:limit]


def notice_charts(sectors: list[D.SectorNotice], table: dict) -> list[D.Chart]:
    """Per sector: received by institution (most first) and per_10k_customers with the median."""
    out = []
    for s in sectors:
        rows = D.chart_rows(s.rows)
        if not rows:
            continue
        out.append(D.Chart(f"图：{s.sector_name}各机构受理投诉量（前 {len(rows)} 家）", charts.bar_chart(
            f"{s.sector_name} 受理投诉量（件）", [r.name for r in rows], [float(r.received) for r in rows])))
        ranked = [r for r in table["rows"] if r["sector"] == s.sector and r["status"] == "ranked"
                  and r["metrics"]["per_10k_customers"]["value"] is not None]
        ranked.sort(key=lambda r: -Decimal(r["metrics"]["per_10k_customers"]["value"]))
        ranked = ranked[:15]
        if ranked:
            med = s.medians.get("per_10k_customers")
            out.append(D.Chart(f"图：{s.sector_name}万人投诉量（虚线为行业中位数）", charts.bar_chart(
                f"{s.sector_name} 万人投诉量", [r["name"] for r in ranked],
                [float(r["metrics"]["per_10k_customers"]["display"]) for r in ranked],
                median=float(med) if med is not None else None)))
    return out


def notice_data(period: Period, table: dict, snap: LeagueSnapshot, snapshot_ids: dict[str, int],
                view: exports.AgencyView | None, with_charts: bool = True) -> tuple[D.NoticeData, dict[str, set[int]]]:
    """The document's data and the institutions whose data of each kind it holds."""
    prev = previous_totals(period)
    sectors = [sector_notice(table, s, prev.get(s)) for s in sorted(
        {r["sector"] for r in table["rows"]} | set(table.get("medians", {})),
        key=lambda s: Sector.values().index(s) if s in Sector.values() else 99)]
    filings_scope = None if view is None else exports.scope_ids(view, "filings")
    findings_scope = None if view is None else exports.scope_ids(view, "findings")
    versions = _cmp_versions(snapshot_ids, filings_scope)
    for vid in versions:  # versions accepted while the derivations were off are derived now
        ensure_derived(db.session.get(FilingVersion, vid))
    names = dict(db.session.execute(select(Institution.id, Institution.name)
                                    .where(Institution.id.in_([i for i, _s in versions.values()] or [-1]))).all())
    groups, g_named = group_lines(period, versions, names, findings_scope)
    topics_, k_named = topic_lines(period, versions, filings_scope, names, findings_scope)
    surging = surges(period, names, findings_scope)
    ids_by_name = {n: i for i, n in names.items()}
    k_named |= {ids_by_name[s.institution] for s in surging}
    issuer = current_app.config.get("NOTICE_ISSUER") or "金融消费者权益保护监管部门"
    if view is not None:
        agency = db.session.get(Agency, view.agency_id)
        issuer = agency.name if agency is not None else issuer
    published = snap.published_at.date().isoformat() if snap.published_at else ""
    data = D.NoticeData(year=period.year, quarter=period.quarter, period_code=period.code,
                        number=f"消费投诉通报〔{period.year}〕第 {period.quarter} 号（排行榜第 {snap.number} 版）",
                        snapshot=snap.number, published_on=published, issuer=issuer, sectors=tuple(sectors),
                        groups=tuple(groups), topics=tuple(topics_), surges=tuple(surging),
                        charts=tuple(notice_charts(sectors, table)) if with_charts else ())
    holds = {"filings": {i for i, _s in versions.values()}, "findings": g_named | k_named}
    return data, holds


def build_notice(period: Period, *, producer: str, number: int | None = None, view=None, actor=None,
                 job_run_id: int | None = None, now: datetime | None = None):
    """Build, archive (SHA-256, provenance) and record the 通报 ``.docx`` of a published snapshot."""
    table, snap, snapshot_ids = snapshot_source(period, number)
    data, holds = notice_data(period, table, snap, snapshot_ids, view)
    stored = exports._write_and_store("docx", lambda p: D.write_notice(p, data))
    label = exports.ALL_LABEL if view is None else db.session.get(Agency, view.agency_id).code
    source = exports.LeagueSource(table, snap, {})
    name = f"notice-{period.code}-s{snap.number}-{label}-{exports._stamp(now)}.docx"
    return exports._record("notice", period, source, filename=name, stored=stored, producer=producer, actor=actor,
                           job_run_id=job_run_id, scope_label=label, scope_agency_id=getattr(view, "agency_id", None),
                           institution_id=None, holds=holds, now=now)
