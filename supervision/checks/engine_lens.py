"""Facts and application of the §10.3 rules ``G01``, ``G02`` and ``K01`` for one institution and
period (called by :func:`supervision.checks.engine.run_institution`); flushes only.

Facts come from the per-version derivations (:mod:`supervision.topics.derive`,
:mod:`supervision.vulnerable.derive`) of the versions that count; a counting version accepted
before those derivations existed is derived here first.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from sqlalchemy import select

from supervision.checks import rules_lens as L
from supervision.extensions import db
from supervision.filings.content_models import ChannelRow, ComplaintRow
from supervision.filings.models import FilingVersion
from supervision.parameters.services import thresholds
from supervision.topics.derive import ensure_derived
from supervision.topics.lexicon import topic
from supervision.topics.models import TopicCount, TopicRow
from supervision.vulnerable.models import GroupFact

G_RULES = ("G01", "G02")
K_RULES = ("K01",)
#: complaint ids cited in K01 evidence
K01_IDS = 20


def g01_params() -> L.G01Params:
    """The effective ``G01`` thresholds."""
    t = thresholds("G01_THRESHOLDS")
    return L.G01Params(int(t["min_closed"]), Fraction(t["on_time_gap"]), Fraction(t["favourable_gap"]))


def k01_params() -> L.K01Params:
    """The effective ``K01`` thresholds."""
    t = thresholds("K01_THRESHOLDS")
    return L.K01Params(int(t["min_rows"]), Fraction(t["rise_pct"]))


def group_counts(version_id: int) -> list[L.GroupCounts]:
    """The version's rows per customer group."""
    return [L.GroupCounts(g.customer_group, g.received, g.closed, g.on_time, g.favourable)
            for g in db.session.scalars(select(GroupFact).where(GroupFact.version_id == version_id)
                                        .order_by(GroupFact.customer_group))]


def channel_flags(version_id: int) -> list[dict[str, bool | None]]:
    """The accessible / elderly-friendly flags of a DSC version's complaint channels."""
    return [{"accessible": a, "elderly_friendly": e} for a, e in db.session.execute(
        select(ChannelRow.accessible, ChannelRow.elderly_friendly).where(ChannelRow.version_id == version_id)
        .order_by(ChannelRow.row_no))]


def topic_counts(version_id: int) -> dict[str, int]:
    """Topic code → received rows mentioning it in the version."""
    return dict(db.session.execute(select(TopicCount.topic, TopicCount.count)
                                   .where(TopicCount.version_id == version_id)).all())


def topic_ids(version_id: int, code: str, limit: int = K01_IDS) -> tuple[str, ...]:
    """The first complaint ids (sheet order) of the version's rows mentioning topic ``code``: their
    row numbers first (``pk_topic_row``'s order), then those rows (``ix_complaint_row_version_row``).
    Two look-ups, not a join: SQLite's planner would walk every row of the version to join them."""
    numbers = list(db.session.scalars(select(TopicRow.row_no).where(TopicRow.version_id == version_id,
                                                                    TopicRow.topic == code)
                                      .order_by(TopicRow.row_no).limit(limit)))
    if not numbers:
        return ()
    return tuple(db.session.scalars(select(ComplaintRow.complaint_id)
                                    .where(ComplaintRow.version_id == version_id, ComplaintRow.row_no.in_(numbers))
                                    .order_by(ComplaintRow.row_no)))


def topic_facts(cmp_v: FilingVersion, prev_v: FilingVersion | None, min_rows: int) -> list[L.TopicFacts]:
    """K01 facts of every lexicon topic (ids listed for the topics that reach ``min_rows``)."""
    now = topic_counts(cmp_v.id)
    before = topic_counts(prev_v.id) if prev_v is not None else None
    out = []
    for code, n in sorted(now.items()):
        t = topic(code)
        if t is None:
            continue
        ids = topic_ids(cmp_v.id, code) if n >= min_rows else ()
        out.append(L.TopicFacts(code, t.name_zh, t.name_en, n, None if before is None else before.get(code, 0), ids))
    return out


def run_lens(apply: Callable, inst_id: int, period_id: int, cmp_v: FilingVersion | None,
             dsc_v: FilingVersion | None, prev_cmp: FilingVersion | None, g_rules: tuple[str, ...],
             k_rules: tuple[str, ...], counts: dict[str, int]) -> None:
    """Evaluate the wanted G and K rules and apply them (``apply`` = the engine's upsert/close); with
    none wanted, nothing is read or derived."""
    if not (g_rules or k_rules):
        return
    if cmp_v is None:
        apply([], g_rules + k_rules, inst_id, period_id, [], counts, "no CMP version counts")
        return
    ensure_derived(cmp_v)
    if g_rules:
        groups = group_counts(cmp_v.id)
        drafts = []
        if "G01" in g_rules:
            drafts += L.check_g01(groups, g01_params())
        if "G02" in g_rules:
            received = {g.group: g.received for g in groups}
            drafts += L.check_g02(received, channel_flags(dsc_v.id) if dsc_v is not None else None)
        cite = [cmp_v.id] + ([dsc_v.id] if dsc_v is not None else [])
        apply(drafts, g_rules, inst_id, period_id, cite, counts, f"re-evaluated on #{cmp_v.id}")
    if k_rules:
        ensure_derived(prev_cmp)
        params = k01_params()
        drafts = L.check_k01(topic_facts(cmp_v, prev_cmp, params.min_rows), params)
        cite = [cmp_v.id] + ([prev_cmp.id] if prev_cmp is not None else [])
        apply(drafts, k_rules, inst_id, period_id, cite, counts, f"re-evaluated on #{cmp_v.id}")
