"""The 通报 view (spec §8 "通报 view"): per-sector ordering by complaints received.

Reading of "every filer": every institution of the sector with an accepted ``CMP`` for the period,
ranked *or not* (an institution below the customer threshold still received complaints that belong
in the regulator's 消费投诉情况通报 and in the sector total). Institutions that did not file, or whose
filings were not accepted, have no accepted figures and are not in the view.

Ordering, per sector: ``received`` descending (notice rank 1 = most complaints); ties by higher
``per_100m_volume`` first, an empty ``per_100m_volume`` after every value; then institution code
ascending. The ordering is total, so notice ranks are 1..n without ties.
Share = ``received`` ÷ the sector's total ``received`` over those filers × 100 (exact; empty when the
total is 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from reports.league.ranking import exact_sort_keys

__all__ = ["NoticeEntry", "NoticeLine", "notice_order"]


@dataclass(frozen=True)
class NoticeEntry:
    """One filer of a sector as the 通报 needs it: ``code``, ``received``, ``per_100m_volume``."""

    code: str
    received: int
    per_100m_volume: Fraction | None


@dataclass(frozen=True)
class NoticeLine:
    """One line of a sector's 通报: ``code``, ``notice_rank`` (1..n) and exact ``share`` (%)."""

    code: str
    notice_rank: int
    share: Fraction | None


def notice_order(entries: Iterable[NoticeEntry]) -> tuple[NoticeLine, ...]:
    """Order one sector's filers for the 通报 and give each its notice rank and share (%).

    Order: ``received`` descending, then ``per_100m_volume`` descending with an empty one last, then
    the institution code ascending (volumes compared by exact integer keys, see
    :func:`reports.league.ranking.exact_sort_keys`).
    """
    items = list(entries)
    volumes = [e.per_100m_volume for e in items if e.per_100m_volume is not None]
    keys = iter(exact_sort_keys(volumes))
    volume_key = [None if e.per_100m_volume is None else next(keys) for e in items]
    ordered = [entry for _key, entry in sorted(
        (((-entry.received, 1 if vk is None else 0, 0 if vk is None else -vk, entry.code), entry)
         for entry, vk in zip(items, volume_key, strict=True)), key=lambda pair: pair[0])]
    total = sum(entry.received for entry in ordered)
    return tuple(
        NoticeLine(
            code=entry.code,
            notice_rank=position,
            share=Fraction(entry.received * 100, total) if total else None,
        )
        for position, entry in enumerate(ordered, start=1)
    )
