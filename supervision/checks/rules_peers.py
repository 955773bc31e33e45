"""Sector-statistics and timeliness rules of spec §6: ``S01``–``S03`` and ``T01`` (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from fractions import Fraction

from reports.numbers import Exact, to_fraction
from supervision.checks.rules_base import Draft, PeerFacts, TimelinessFacts, dec, shown
from supervision.domain.calendar import TZ
from supervision.domain.enums import FilingKind, FindingLevel, ReportingStatus
from supervision.domain.reporting import reporting_status
from supervision.rules.defs_cross import T01_LEVELS

__all__ = ["MIN_PEERS", "Z_FACTOR", "Z_THRESHOLD", "check_peers", "check_timeliness", "modified_z_scores"]

#: The modified z-score constant 0.6745 (≈ Φ⁻¹(0.75)), exactly as the spec writes it.
Z_FACTOR = Fraction("0.6745")
#: |z| beyond this is an outlier (spec §6 S01–S03).
Z_THRESHOLD = Fraction("3.5")
#: Fewest institutions with a value for the metric before S rules apply.
MIN_PEERS = 5

_KIND_LABELS = {FilingKind.CMP: "投诉数据报表", FilingKind.DSC: "信息披露报表"}


def _median(ordered: list[Fraction]) -> Fraction:
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def modified_z_scores(values: Mapping[str, Exact]) -> tuple[Fraction, Fraction, dict[str, Fraction]]:
    """Exact ``(median, MAD, {code: z})`` of ``values`` (spec §6 S01).

    median: the middle value, or the mean of the two middle values when n is even; MAD: the median
    of ``|x − median|``; ``z = 0.6745·(x − median)/MAD`` as a ``Fraction``. When MAD is 0 (at least
    half the values equal the median) no z-score exists and the dict is empty. ``int``/``Decimal``
    values are converted exactly; ``float`` is refused (``TypeError``); no values → ``ValueError``.
    """
    if not values:
        raise ValueError("modified z-scores need at least one value")
    exact = {code: to_fraction(v) for code, v in values.items()}
    median = _median(sorted(exact.values()))
    mad = _median(sorted(abs(x - median) for x in exact.values()))
    if mad == 0:
        return median, mad, {}
    return median, mad, {code: Z_FACTOR * (x - median) / mad for code, x in exact.items()}


def check_peers(peers: Sequence[PeerFacts]) -> dict[str, list[Draft]]:
    """Rules ``S01``–``S03`` (spec §6) over the ranked institutions of ONE sector.

    Returns institution code → its drafts (every peer is a key; the list may be empty), in the
    order S01/S02, S03. Per metric, n counts the institutions having a value (``None`` = empty
    metric, §8); with n < 5 or MAD = 0 the metric yields nothing. Thresholds are strict:
    ``per_10k_customers`` z > 3.5 → ``S01`` (high), z < −3.5 → ``S02`` (medium, possible
    under-reporting); ``on_time_rate`` (percent) z < −3.5 → ``S03`` (medium); a high on-time rate
    is not a finding. Subject ``""`` (one per institution and period). Evidence: metric, value,
    n, median, MAD, z and the threshold as exact decimal strings (≥ 8 significant digits); the message
    shows them rounded half-up to 2 decimals. Raises ``ValueError`` on a repeated institution code.
    """
    result: dict[str, list[Draft]] = {}
    for p in peers:
        if p.institution_code in result:
            raise ValueError(f"institution {p.institution_code} listed twice")
        result[p.institution_code] = []
    metrics = (("per_10k_customers", (("S01", FindingLevel.HIGH, 1), ("S02", FindingLevel.MEDIUM, -1))),
               ("on_time_rate", (("S03", FindingLevel.MEDIUM, -1),)))
    for metric, rules in metrics:
        values = {p.institution_code: getattr(p, metric) for p in peers if getattr(p, metric) is not None}
        if len(values) < MIN_PEERS:
            continue
        median, mad, zs = modified_z_scores(values)
        for code, z in zs.items():
            for rule, level, sign in rules:
                if sign * z > Z_THRESHOLD:
                    value = to_fraction(values[code])
                    evidence = {"metric": metric, "value": dec(value), "n": len(values), "median": dec(median),
                                "mad": dec(mad), "z": dec(z), "threshold": dec(sign * Z_THRESHOLD)}
                    params = {"value": shown(value), "z": shown(z), "median": shown(median), "n": len(values)}
                    result[code].append(Draft(rule, level, "", None, evidence, params, institution_code=code))
    return result


def _local_text(moment: datetime) -> str:
    """Asia/Shanghai wall time; a midnight deadline is written as ``24:00`` of the day it ends."""
    local = moment.astimezone(TZ)
    if local.time() == datetime.min.time():
        return f"{(local - timedelta(days=1)).date().isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second or local.microsecond else "%Y-%m-%d %H:%M")


def check_timeliness(facts: Sequence[TimelinessFacts], now: datetime) -> list[Draft]:
    """Rule ``T01`` (spec §2, §6): late (low) or missing at the due date (medium); subject = kind.

    The status of each expected filing is the one definition of
    :func:`supervision.domain.reporting.reporting_status` (decision 4): missing when no version
    counts, else on time or late by the first version without blocking errors. The deadline
    ``due_at`` is the instant the due date ends (the next midnight, Asia/Shanghai), so it is
    exclusive: a version received at or after ``due_at`` is late ("received by the due date" means
    strictly before it), consistent with "missing" starting at ``now ≥ due_at``.

    * ``LATE`` → low ("late"): evidence has the delay in seconds and in calendar days after the due
      date (Asia/Shanghai).
    * ``MISSING`` and ``now ≥ due_at`` → medium (variant ``missing``); when a version without
      blocking errors had arrived but none counts now (returned or withdrawn), its time is in the
      evidence as ``first_received_at``.
    * ``ON_TIME``, or nothing counting while ``now < due_at`` → nothing.

    Drafts are ordered by institution code, then kind; ``institution_code`` is set on each.
    Naive datetimes raise ``ValueError``.
    """
    for moment in (now, *(f.due_at for f in facts), *(f.received_at for f in facts if f.received_at)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("timeliness needs timezone-aware datetimes")
    drafts: list[Draft] = []
    for f in sorted(facts, key=lambda f: (f.institution_code, f.kind)):
        due_day = (f.due_at.astimezone(TZ) - timedelta(microseconds=1)).date()
        base = {"institution_code": f.institution_code, "kind": f.kind, "period": f.period_code,
                "due_at": f.due_at.isoformat(), "due_date": due_day.isoformat()}
        label = _KIND_LABELS.get(f.kind)
        counts = f.received_at is not None if f.counts is None else f.counts
        status = reporting_status(counts, f.received_at, f.due_at)
        if status == ReportingStatus.LATE and f.received_at is not None:
            delay = f.received_at - f.due_at
            evidence = {**base, "status": "late", "received_at": f.received_at.isoformat(),
                        "delay_seconds": delay.days * 86400 + delay.seconds,
                        "delay_days": (f.received_at.astimezone(TZ).date() - due_day).days}
            params = {"kind": f.kind, "received_at": _local_text(f.received_at), "due": _local_text(f.due_at),
                      "period": f.period_code}
            drafts.append(Draft("T01", T01_LEVELS[None], f.kind, label, evidence, params,
                                institution_code=f.institution_code))
        elif status == ReportingStatus.MISSING and now >= f.due_at:
            evidence = {**base, "status": "missing", "received_at": None}
            if f.received_at is not None:
                evidence["first_received_at"] = f.received_at.isoformat()
            params = {"kind": f.kind, "due": _local_text(f.due_at), "period": f.period_code}
            drafts.append(Draft("T01", T01_LEVELS["missing"], f.kind, label, evidence, params, ("missing",),
                                institution_code=f.institution_code))
    return drafts
