"""``compute_league``: the whole §8 table for one period, from per-institution figures.

Steps: metrics for every institution with an accepted ``CMP`` (ranked or not, for display) →
eligibility → metric ranks within each sector and across all sectors, over *ranked* institutions
having a value only → composite (metric scores from sector ranks) → rounded composite, composite
rank by sector, grade → movement against the previous published ranks → sector medians over ranked
institutions → 通报 order. Unranked institutions never enter any n, rank or median.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction
from types import MappingProxyType

from reports.league.composite import composite_score, grade_for, metric_score, round_composite
from reports.league.definitions import METRIC_CODES, METRICS, Better
from reports.league.eligibility import Eligibility, Status, eligibility
from reports.league.inputs import SECTOR_ORDER, InstitutionFigures, LeagueConfig
from reports.league.medians import sector_medians
from reports.league.metrics import compute_metrics
from reports.league.notice import NoticeEntry, NoticeLine, notice_order
from reports.league.ranking import competition_ranks
from reports.league.result import LeagueResult, LeagueRow, MetricResult

__all__ = ["compute_league", "sector_sort_key"]

_Ranks = dict[str, dict[str, int]]  # metric code → institution code → rank


def sector_sort_key(sector: str) -> tuple[int, str]:
    """Sort key putting the sectors of §1.2 first in spec order, then any other by code."""
    if sector in SECTOR_ORDER:
        return (SECTOR_ORDER.index(sector), sector)
    return (len(SECTOR_ORDER), sector)


def _metric_ranks(values: Mapping[str, Mapping[str, Fraction | None]], members: Iterable[str]) -> _Ranks:
    """Competition ranks of every metric over ``members`` (ranked institutions) with a value."""
    chosen = tuple(members)
    return {
        m.code: competition_ranks({code: values[code][m.code] for code in chosen}, m.better) for m in METRICS
    }


def _check_previous(previous_ranks: Mapping[str, int] | None) -> Mapping[str, int]:
    """Validate the previous snapshot's composite ranks (code → int ≥ 1); ``None`` → empty."""
    if previous_ranks is None:
        return {}
    for code, rank in previous_ranks.items():
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"previous rank of {code} must be an int >= 1, got {rank!r}")
    return previous_ranks


def compute_league(
    figures: Iterable[InstitutionFigures],
    config: LeagueConfig | None = None,
    previous_ranks: Mapping[str, int] | None = None,
) -> LeagueResult:
    """Compute the §8 league table of one period.

    ``figures`` — one :class:`InstitutionFigures` per *expected* institution (codes unique);
    ``config`` — :class:`LeagueConfig` (spec defaults when ``None``); ``previous_ranks`` —
    institution code → composite rank (the sector rank, ``rank_composite``) in the previous
    period's latest *published* snapshot (``None`` or an empty mapping when there is none; an
    institution absent from it, or not ranked now, gets no movement). Pure: no I/O, no clock; the
    same input gives the same result, whatever the order of ``figures``.

    A ranked institution has no composite (nor grade, composite rank or movement) only if it has a
    value for none of the positively weighted metrics — impossible with the default weights, as
    ``disclosure_score`` always has a value.
    """
    if config is None:
        config = LeagueConfig()
    previous = _check_previous(previous_ranks)
    by_code: dict[str, InstitutionFigures] = {}
    for fig in figures:
        if fig.code in by_code:
            raise ValueError(f"duplicate institution code {fig.code}")
        by_code[fig.code] = fig

    values = {code: compute_metrics(fig) for code, fig in by_code.items()}
    status: dict[str, Eligibility] = {code: eligibility(fig, config) for code, fig in by_code.items()}
    sectors = sorted({fig.sector for fig in by_code.values()}, key=sector_sort_key)
    ranked_by_sector: dict[str, list[str]] = {sector: [] for sector in sectors}
    for code, fig in by_code.items():
        if status[code].status is Status.RANKED:
            ranked_by_sector[fig.sector].append(code)
    all_ranked = [code for members in ranked_by_sector.values() for code in members]

    ranks_all = _metric_ranks(values, all_ranked)
    ranks_sector: dict[str, _Ranks] = {
        sector: _metric_ranks(values, members) for sector, members in ranked_by_sector.items()
    }

    # Composite: metric score from the sector rank; n = ranked institutions of the sector with a value.
    scores: dict[str, dict[str, Fraction]] = defaultdict(dict)
    composite_exact: dict[str, Fraction | None] = {}
    for sector, members in ranked_by_sector.items():
        for metric, weight in config.composite_weights.items():
            if weight <= 0:
                continue
            sector_ranks = ranks_sector[sector][metric]
            for code, rank in sector_ranks.items():
                scores[code][metric] = metric_score(rank, len(sector_ranks))
        for code in members:
            composite_exact[code] = composite_score(scores[code], config.composite_weights)
    rounded = {code: round_composite(exact) for code, exact in composite_exact.items()}
    composite_rank: dict[str, int] = {}
    for members in ranked_by_sector.values():
        # Ranked on the rounded composite: equal displayed composites share a rank.
        composite_rank.update(competition_ranks({c: rounded[c] for c in members}, Better.HIGHER))

    notice: dict[str, tuple[str, ...]] = {}
    notice_lines: dict[str, NoticeLine] = {}
    for sector in sectors:
        lines = notice_order(
            NoticeEntry(code, fig.received, values[code]["per_100m_volume"])
            for code, fig in by_code.items()
            if fig.sector == sector and fig.accepted_cmp
        )
        notice[sector] = tuple(line.code for line in lines)
        notice_lines.update((line.code, line) for line in lines)

    rows: list[LeagueRow] = []
    for code, fig in by_code.items():
        sector_ranks = ranks_sector[fig.sector]
        metrics = {
            metric: MetricResult(
                value=values[code][metric],
                rank_sector=sector_ranks[metric].get(code),
                rank_all=ranks_all[metric].get(code),
                score=scores.get(code, {}).get(metric),
            )
            for metric in METRIC_CODES
        }
        rank = composite_rank.get(code)
        prev = previous.get(code)
        line = notice_lines.get(code)
        rows.append(
            LeagueRow(
                code=code,
                name=fig.name,
                sector=fig.sector,
                status=status[code].status,
                reason_code=status[code].reason_code,
                reason=status[code].reason,
                metrics=MappingProxyType(metrics),
                composite_exact=composite_exact.get(code),
                composite=rounded.get(code),
                grade=grade_for(rounded.get(code), config.grade_thresholds, config.fallback_grade),
                rank_composite=rank,
                previous_rank=prev,
                movement=prev - rank if prev is not None and rank is not None else None,
                notice_rank=line.notice_rank if line else None,
                share=line.share if line else None,
            )
        )
    rows.sort(key=_row_sort_key)
    medians = sector_medians(values, ranked_by_sector, METRIC_CODES)
    return LeagueResult(
        rows=tuple(rows),
        medians=MappingProxyType({s: MappingProxyType(m) for s, m in medians.items()}),
        notice=MappingProxyType(notice),
        config=config,
    )


_STATUS_ORDER = {Status.RANKED: 0, Status.NOT_RANKED: 1, Status.NOT_FILED: 2}


def _row_sort_key(row: LeagueRow) -> tuple[tuple[int, str], int, bool, int, str]:
    """Rows by sector, then ranked (by composite rank, none last), unranked, unfiled; then code."""
    rank = row.rank_composite
    return (sector_sort_key(row.sector), _STATUS_ORDER[row.status], rank is None, rank or 0, row.code)
