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


def _sort_key(entry: NoticeEntry) -> tuple[int, int, Fraction, str]:
    """Key ordering received desc, then per_100m_volume desc with empty last, then code asc."""
    volume = entry.per_100m_volume
    return (
        -entry.received,
        1 if volume is None else 0,
        Fraction(0) if volume is None else -volume,
        entry.code,
    )


def notice_order(entries: Iterable[NoticeEntry]) -> tuple[NoticeLine, ...]:
    """Order one sector's filers for the 通报 and give each its notice rank and share (%)."""
    ordered = sorted(entries, key=_sort_key)
    total = sum(entry.received for entry in ordered)
    return tuple(
        NoticeLine(
            code=entry.code,
            notice_rank=position,
            share=Fraction(entry.received * 100, total) if total else None,
        )
        for position, entry in enumerate(ordered, start=1)
    )
