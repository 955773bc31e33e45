"""Spec §10.3 rules on customer groups and topics: ``G01``, ``G02``, ``K01`` (pure).

Facts in, :class:`~supervision.checks.rules_base.Draft` out; exact arithmetic (``Fraction``),
thresholds passed in (administrator parameters, :mod:`supervision.parameters`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from supervision.checks.rules_base import Draft, dec, shown
from supervision.rules.codes import CODE_LISTS

__all__ = ["G01Params", "GroupCounts", "K01Params", "TopicFacts", "check_g01", "check_g02", "check_k01", "rate"]

NONE = "NONE"


@dataclass(frozen=True)
class GroupCounts:
    """One customer group's rows in an institution's counting CMP."""

    group: str
    received: int
    closed: int
    on_time: int
    favourable: int


@dataclass(frozen=True)
class G01Params:
    """``G01`` thresholds (§10.3 *(config)*)."""

    min_closed: int = 20
    on_time_gap: Fraction = Fraction(10)
    favourable_gap: Fraction = Fraction(15)


@dataclass(frozen=True)
class K01Params:
    """``K01`` thresholds (§10.3: 20 rows *(config)*, rise 100 % *(config)*; the 5-row floor is fixed)."""

    min_rows: int = 20
    rise_pct: Fraction = Fraction(100)
    floor: int = 5


@dataclass(frozen=True)
class TopicFacts:
    """A lexicon topic at one institution: rows mentioning it now and in P−1 (None: no counting CMP),
    and the first complaint ids mentioning it (sheet order)."""

    code: str
    name_zh: str
    name_en: str
    count: int
    previous: int | None
    complaint_ids: tuple[str, ...] = ()


def rate(part: int, whole: int) -> Fraction | None:
    """``part`` ÷ ``whole`` × 100, None for a zero denominator (§10.1)."""
    return Fraction(part * 100, whole) if whole else None


def _text(value: Fraction | None) -> str | None:
    return None if value is None else dec(value)


#: English names of the customer groups (the English messages)
GROUP_EN = {"NONE": "other customers", "ELDERLY": "elderly", "MINOR": "minors", "DISABLED": "people with disabilities",
            "FOREIGN": "foreign nationals"}


def group_name(code: str) -> str:
    """The group's Chinese name (the subject label of G01/G02 findings)."""
    return CODE_LISTS.get("customer_group", {}).get(code, code)


def check_g01(groups: Sequence[GroupCounts], params: G01Params = G01Params()) -> list[Draft]:
    """``G01`` (medium, subject = group code): a group other than NONE with ≥ ``min_closed`` closed
    rows whose on-time rate is more than ``on_time_gap`` points below the NONE rows', or whose
    favourable rate is more than ``favourable_gap`` below. No NONE closed rows → nothing to compare."""
    by = {g.group: g for g in groups}
    base = by.get(NONE)
    if base is None or not base.closed:
        return []
    base_on, base_fav = rate(base.on_time, base.closed), rate(base.favourable, base.closed)
    out = []
    for g in sorted(groups, key=lambda x: x.group):
        if g.group == NONE or g.closed < params.min_closed:
            continue
        on, fav = rate(g.on_time, g.closed), rate(g.favourable, g.closed)
        on_gap, fav_gap = base_on - on, base_fav - fav
        if not (on_gap > params.on_time_gap or fav_gap > params.favourable_gap):
            continue
        evidence = {
            "customer_group": g.group,
            "closed": g.closed, "on_time": g.on_time, "favourable": g.favourable,
            "on_time_rate": _text(on), "favourable_rate": _text(fav),
            "none_closed": base.closed, "none_on_time": base.on_time, "none_favourable": base.favourable,
            "none_on_time_rate": _text(base_on), "none_favourable_rate": _text(base_fav),
            "on_time_gap_points": _text(-on_gap), "favourable_gap_points": _text(-fav_gap),  # negative: below
            "min_closed": params.min_closed, "on_time_gap_threshold": dec(params.on_time_gap),
            "favourable_gap_threshold": dec(params.favourable_gap),
        }
        msg = {"group": group_name(g.group), "group_en": GROUP_EN.get(g.group, g.group), "closed": g.closed,
               "on_time_rate": shown(on), "favourable_rate": shown(fav), "none_on_time_rate": shown(base_on),
               "none_favourable_rate": shown(base_fav)}
        out.append(Draft("G01", "medium", g.group, group_name(g.group), evidence, msg))
    return out


#: G02: the group and the channel flag that serves it
G02_GROUPS = (("ELDERLY", "elderly_friendly", "适老化", "elderly-friendly"),
              ("DISABLED", "accessible", "无障碍", "accessible"))


def check_g02(received: Mapping[str, int], channels: Sequence[Mapping[str, bool | None]] | None) -> list[Draft]:
    """``G02`` (low, subject = group code): ELDERLY/DISABLED rows received while the accepted DSC's
    channels have no ``elderly_friendly`` / ``accessible`` = yes. ``channels`` None (no accepted
    DSC): skipped."""
    if channels is None:
        return []
    out = []
    for group, flag, zh, en in G02_GROUPS:
        n = received.get(group, 0)
        if n <= 0 or any(ch.get(flag) is True for ch in channels):
            continue
        evidence = {"customer_group": group, "received": n, "channel_count": len(channels)}
        out.append(Draft("G02", "low", group, group_name(group), evidence,
                         {"group": group_name(group), "group_en": GROUP_EN[group], "received": n, "channel_kind": zh,
                          "channel_kind_en": en}))
    return out


def check_k01(facts: Sequence[TopicFacts], params: K01Params = K01Params()) -> list[Draft]:
    """``K01`` (medium, subject = topic code): ≥ ``min_rows`` rows now, and P−1 had fewer than
    ``floor`` (or no counting CMP), or at least ``floor`` and the count rose by ≥ ``rise_pct`` %."""
    out = []
    for t in facts:
        if t.count < params.min_rows:
            continue
        prev = t.previous
        if prev is not None and prev >= params.floor and Fraction((t.count - prev) * 100, prev) < params.rise_pct:
            continue
        rise = None if prev is None or prev == 0 else Fraction((t.count - prev) * 100, prev)
        evidence = {"topic_name": t.name_zh, "count": t.count, "previous": prev, "rise_pct": _text(rise),
                    "complaint_ids": list(t.complaint_ids[:20]), "min_rows": params.min_rows,
                    "rise_pct_threshold": dec(params.rise_pct), "previous_floor": params.floor}
        out.append(Draft("K01", "medium", t.code, t.name_zh, evidence,
                         {"topic_zh": t.name_zh, "topic_en": t.name_en, "count": t.count,
                          "previous": "—" if prev is None else prev}))
    return out
