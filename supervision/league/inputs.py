"""League inputs from stored figures (spec §8): never a GROUP BY over complaint rows.

For every institution *expected* in a period (``active_from ≤ P ≤ active_until``, decision 5:
:mod:`supervision.filings.reporting`): the whole-filing :class:`DerivedFigures` row
(``business_category IS NULL``, derived once at ingest) and the :class:`CoverFigures` of the ``CMP``
version that counts (:mod:`supervision.filings.counting`); whether a ``CMP`` counts (with none the
institution is 未报送, the one definition of reported of decision 4 — a rejected, returned or
withdrawn upload is not a filing); whether a ``DSC`` counts; and the open ``D`` findings by level
(rule ``D…``, status not ``CLOSED``, still holding). Six small set-based queries whatever the
number of institutions, the same on SQLite and PostgreSQL (counts are integers,
``business_volume`` a ``Decimal``), with plans that do not depend
on fresh planner statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from reports.league import InstitutionFigures, LeagueConfig
from supervision.domain.enums import FilingKind, FindingLevel, FindingStatus
from supervision.extensions import db
from supervision.filings.content_models import CoverFigures, DerivedFigures
from supervision.filings.counting import counting_version_ids
from supervision.filings.reporting import expected_condition
from supervision.findings.models import Finding
from supervision.orgs.models import Institution
from supervision.periods.models import Period

CHUNK = 1000  # ids per IN list (well below SQLite's bound-parameter limit)
COUNTS = ("opening", "received", "closed", "open_end", "on_time", "favourable", "escalated", "regulator",
          "txn_received", "txn_involved")


@dataclass(frozen=True)
class LeagueInputs:
    """What one period's table is computed from.

    ``figures`` — one :class:`InstitutionFigures` per active institution (code order);
    ``institution_ids`` — code → institution id; ``versions`` — code → ``{"CMP": id, "DSC": id}``
    of the accepted versions used (a kind is absent when none is accepted).
    """

    period_code: str
    figures: list[InstitutionFigures]
    institution_ids: dict[str, int] = field(default_factory=dict)
    versions: dict[str, dict[str, int]] = field(default_factory=dict)


def _pairs(raw: object, name: str) -> list[tuple[str, Decimal]]:
    """``"a:1,b:2"`` (or a mapping / list of pairs) → ``[("a", Decimal(1)), …]``."""
    if isinstance(raw, Mapping):
        items = [(str(k), str(v)) for k, v in raw.items()]
    elif isinstance(raw, str):
        items = []
        for part in raw.split(","):
            if part.strip():
                key, sep, value = part.partition(":")
                if not sep:
                    raise ValueError(f"{name}: expected code:value, got {part!r}")
                items.append((key.strip(), value.strip()))
    else:
        items = [(str(k), str(v)) for k, v in raw]  # type: ignore[union-attr]
    try:
        return [(key, Decimal(value)) for key, value in items]
    except ArithmeticError as exc:
        raise ValueError(f"{name}: not a number in {raw!r}") from exc


def league_config(config: Mapping | None = None) -> LeagueConfig:
    """The §8 *(config)* values ``MIN_ACTIVE_CUSTOMERS``, ``COMPOSITE_WEIGHTS`` (``code:weight,…``)
    and ``GRADE_THRESHOLDS`` (``A:80,B:60,C:40``) from ``config``, or — when None — their effective
    values (an administrator's, else the environment's: :mod:`supervision.parameters.services`)."""
    if config is None:
        from supervision.parameters.services import effective

        config = effective()
    cfg = config
    return LeagueConfig(
        min_active_customers=int(cfg["MIN_ACTIVE_CUSTOMERS"]),
        composite_weights=dict(_pairs(cfg["COMPOSITE_WEIGHTS"], "COMPOSITE_WEIGHTS")),
        grade_thresholds=tuple(_pairs(cfg["GRADE_THRESHOLDS"], "GRADE_THRESHOLDS")),
    )


def config_json(config: LeagueConfig) -> dict:
    """A configuration as JSON (recorded with each snapshot)."""
    return {"min_active_customers": config.min_active_customers,
            "composite_weights": {k: str(v) for k, v in config.composite_weights.items()},
            "grade_thresholds": [[g, str(m)] for g, m in config.grade_thresholds],
            "fallback_grade": config.fallback_grade}


def _derived(period_id: int, version_ids: set[int]) -> dict[int, dict[str, int]]:
    """version id → §4.4 whole-filing counts (the ``business_category IS NULL`` row) of the given
    versions. One scan of the period's whole-filing rows, filtered here: a plan that does not
    depend on fresh planner statistics (a correlated ``IN (subquery)`` took seconds on PostgreSQL
    right after a bulk load)."""
    cols = [getattr(DerivedFigures, c) for c in COUNTS]
    q = select(DerivedFigures.version_id, *cols).where(DerivedFigures.period_id == period_id,
                                                       DerivedFigures.business_category.is_(None))
    return {row[0]: {c: int(v or 0) for c, v in zip(COUNTS, row[1:], strict=True)}
            for row in db.session.execute(q) if row[0] in version_ids}


def _covers(version_ids: set[int]) -> dict[int, tuple]:
    """version id → (active_customers, business_volume, transactions) of its cover."""
    ids, out = sorted(version_ids), {}
    for start in range(0, len(ids), CHUNK):
        q = select(CoverFigures.version_id, CoverFigures.active_customers, CoverFigures.business_volume,
                   CoverFigures.transactions).where(CoverFigures.version_id.in_(ids[start:start + CHUNK]))
        out.update((row[0], tuple(row[1:])) for row in db.session.execute(q))
    return out


def _open_d_findings(period_id: int) -> dict[int, dict[str, int]]:
    """institution id → level → number of open, holding ``D`` findings of the period."""
    q = (select(Finding.institution_id, Finding.level, func.count())
         .where(Finding.period_id == period_id, Finding.rule.like("D%"), Finding.status != FindingStatus.CLOSED,
                Finding.holds.is_(True))
         .group_by(Finding.institution_id, Finding.level))
    out: dict[int, dict[str, int]] = {}
    for inst_id, level, n in db.session.execute(q):
        out.setdefault(inst_id, {})[level] = int(n)
    return out


def _volume(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def gather_inputs(period: Period) -> LeagueInputs:
    """Everything the §8 computation needs for ``period``, read from stored figures."""
    institutions = db.session.execute(
        select(Institution.id, Institution.code, Institution.name, Institution.sector)
        .where(expected_condition(period.code)).order_by(Institution.code)).all()
    accepted = counting_version_ids(period.id)
    cmp_ids = {vid for (_, kind), vid in accepted.items() if kind == FilingKind.CMP}
    derived = _derived(period.id, cmp_ids)
    covers = _covers(cmp_ids)
    findings = _open_d_findings(period.id)
    figures, ids, versions = [], {}, {}
    for inst_id, code, name, sector in institutions:
        ids[code] = inst_id
        cmp_id, dsc_id = accepted.get((inst_id, FilingKind.CMP)), accepted.get((inst_id, FilingKind.DSC))
        versions[code] = {k: v for k, v in ((FilingKind.CMP, cmp_id), (FilingKind.DSC, dsc_id)) if v is not None}
        counts = derived.get(cmp_id, {}) if cmp_id else {}
        customers, volume, transactions = covers.get(cmp_id, (None, None, None)) if cmp_id else (None, None, None)
        levels = findings.get(inst_id, {})
        figures.append(InstitutionFigures(
            code=code, name=name, sector=sector,
            filed_cmp=cmp_id is not None, accepted_cmp=cmp_id is not None,
            **{c: counts.get(c, 0) for c in COUNTS},
            active_customers=None if customers is None else int(customers),
            business_volume=_volume(volume),
            transactions=None if transactions is None else int(transactions),
            has_accepted_dsc=dsc_id is not None,
            open_d_high=levels.get(FindingLevel.HIGH, 0), open_d_medium=levels.get(FindingLevel.MEDIUM, 0),
            open_d_low=levels.get(FindingLevel.LOW, 0)))
    return LeagueInputs(period.code, figures, ids, versions)


def league_inputs(period: Period) -> list[InstitutionFigures]:
    """One :class:`reports.league.InstitutionFigures` per active institution of ``period``."""
    return gather_inputs(period).figures
