"""The administrator-configurable parameters of spec §6/§8 *(config)* (lead's decision 7).

Each parameter has a configuration key (``APR_CAP``, ``MIN_ACTIVE_CUSTOMERS``,
``COMPOSITE_WEIGHTS``, ``GRADE_THRESHOLDS``); its *effective* value is the one an administrator
stored (table ``parameter``), else the environment variable ``SUPERVISION_<KEY>`` (or the built-in
default) — read at each use, so a change applies to drafts and checks at once, without a restart.
Values are validated before they are stored and kept in their canonical text form; every change
is audited with the value before and after. Published snapshots record the values they used.

§10 thresholds join :data:`PARAMETERS` when those rules exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reports.league import LeagueConfig
from supervision.audit.services import record
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.parameters.models import Parameter
from supervision.timeutil import utcnow


class ParameterError(ServiceError):
    """A refused parameter value (bilingual message, HTTP status)."""

    def __init__(self, key: str, message: str):
        super().__init__(message, 400)
        self.key = key


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def _parse_apr(text: str) -> str:
    try:
        value = Decimal(text.strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise ValueError(f"应为百分数，如 24 / must be a percentage such as 24: {text!r}") from None
    if not value.is_finite() or value <= 0 or value > 100:
        raise ValueError(f"应在 0 到 100 之间（不含 0）/ must be above 0 and at most 100: {text!r}")
    return _decimal_text(value)


def _parse_min_customers(text: str) -> str:
    raw = text.strip().replace(",", "").replace("_", "")
    if not raw.isdigit():
        raise ValueError(f"应为非负整数 / must be a whole number ≥ 0: {text!r}")
    return str(int(raw))


def _pairs(text: str, name: str) -> list[tuple[str, Decimal]]:
    from supervision.league.inputs import _pairs as parse_pairs

    try:
        pairs = parse_pairs(text, name)
    except ValueError as exc:
        raise ValueError(f"格式应为 代码:数值,… / must be code:value,…: {exc}") from None
    if not pairs:
        raise ValueError("至少需要一项 / at least one entry is needed")
    codes = [c for c, _ in pairs]
    if len(set(codes)) != len(codes):
        raise ValueError("代码重复 / a code is listed twice")
    return pairs


def _parse_weights(text: str) -> str:
    from reports.league import METRIC_CODES

    pairs = _pairs(text, "COMPOSITE_WEIGHTS")
    unknown = [c for c, _ in pairs if c not in METRIC_CODES]
    if unknown:
        raise ValueError(f"未知指标 {', '.join(unknown)}；可用：{', '.join(METRIC_CODES)} / unknown metric "
                         f"{', '.join(unknown)}; one of {', '.join(METRIC_CODES)}")
    if any(w < 0 for _, w in pairs):
        raise ValueError("权重不能为负数 / a weight cannot be negative")
    if not any(w > 0 for _, w in pairs):
        raise ValueError("至少一项权重须大于 0 / at least one weight must be above 0")
    LeagueConfig(composite_weights=dict(pairs))  # the core accepts what passed the checks above
    return ",".join(f"{c}:{_decimal_text(w)}" for c, w in pairs)


def _parse_grades(text: str) -> str:
    pairs = _pairs(text, "GRADE_THRESHOLDS")
    if any(not g.strip() or len(g) > 4 for g, _ in pairs):
        raise ValueError("评级代码应为 1 至 4 个字符 / a grade is 1 to 4 characters")
    if any(not (0 <= m <= 100) for _, m in pairs):
        raise ValueError("评级门槛应在 0 到 100 之间 / grade minima must lie between 0 and 100")
    if any(not a > b for (_, a), (_, b) in pairwise(pairs)):
        raise ValueError("评级门槛须从高到低严格递减，如 A:80,B:60,C:40 / grade minima must strictly decrease, "
                         "e.g. A:80,B:60,C:40")
    LeagueConfig(grade_thresholds=tuple(pairs))
    return ",".join(f"{g}:{_decimal_text(m)}" for g, m in pairs)


def _threshold_parser(key: str, names: tuple[str, ...], whole: tuple[str, ...]):
    """A parser of ``name:value,…`` thresholds with exactly ``names`` (``whole`` ones integers ≥ 0)."""

    def parse(text: str) -> str:
        pairs = dict(_pairs(text, key))
        if set(pairs) != set(names):
            raise ValueError(f"应恰好包含 {', '.join(names)} / must give exactly {', '.join(names)}")
        for name, value in pairs.items():
            if value < 0 or (name in whole and value != value.to_integral_value()):
                raise ValueError(f"{name} 应为非负{'整' if name in whole else ''}数 / {name} must be a "
                                 f"{'whole ' if name in whole else ''}number ≥ 0")
        return ",".join(f"{n}:{_decimal_text(pairs[n])}" for n in names)

    return parse


def thresholds(key: str) -> dict[str, Decimal]:
    """The effective ``name:value`` thresholds of ``key`` (``G01_THRESHOLDS``, ``K01_THRESHOLDS``)."""
    return dict(_pairs(value_text(key), key))


@dataclass(frozen=True)
class ParamDef:
    """One configurable parameter: configuration key, spec reference, label, help and the parser
    that validates a text and returns its canonical form (raising ``ValueError`` with a bilingual
    message)."""

    key: str
    spec: str
    label: object
    help: object
    parse: Callable[[str], str]


PARAMETERS: tuple[ParamDef, ...] = (
    ParamDef("APR_CAP", "§6 D02", _l("Comprehensive financing cost cap (%)"),
             _l("D02 flags a product whose apr_max exceeds this percentage."), _parse_apr),
    ParamDef("MIN_ACTIVE_CUSTOMERS", "§8", _l("Eligibility threshold (active customers)"),
             _l("An institution is ranked only with at least this many active customers."), _parse_min_customers),
    ParamDef("COMPOSITE_WEIGHTS", "§8", _l("Composite score weights"),
             _l("metric:weight pairs, e.g. per_10k_customers:30,on_time_rate:25"), _parse_weights),
    ParamDef("GRADE_THRESHOLDS", "§8", _l("Grade thresholds"),
             _l("grade:minimum pairs with strictly decreasing minima, e.g. A:80,B:60,C:40 (else D)"), _parse_grades),
    ParamDef("GROWTH_MIN_RECEIVED", "§10.1", _l("Fastest growing: minimum complaints this quarter"),
             _l("An entry is listed as fastest growing only with at least this many complaints received."),
             _parse_min_customers),
    ParamDef("GROWTH_MIN_PREVIOUS", "§10.1", _l("Fastest growing: minimum complaints the quarter before"),
             _l("An entry is listed as fastest growing only with at least this many complaints the quarter before."),
             _parse_min_customers),
    ParamDef("G01_THRESHOLDS", "§10.3 G01", _l("Customer-group gap thresholds"),
             _l("min_closed:20,on_time_gap:10,favourable_gap:15 — closed rows of the group, gaps in points"),
             _threshold_parser("G01_THRESHOLDS", ("min_closed", "on_time_gap", "favourable_gap"), ("min_closed",))),
    ParamDef("K01_THRESHOLDS", "§10.3 K01", _l("Surging topic thresholds"),
             _l("min_rows:20,rise_pct:100 — rows mentioning the topic, rise in percent"),
             _threshold_parser("K01_THRESHOLDS", ("min_rows", "rise_pct"), ("min_rows",))),
)
BY_KEY: dict[str, ParamDef] = {p.key: p for p in PARAMETERS}


def default_text(key: str) -> str:
    """The value from the environment (``SUPERVISION_<KEY>``) or the built-in default."""
    return str(current_app.config[key])


def stored(key: str) -> Parameter | None:
    """The administrator's stored value of ``key``, if any."""
    return db.session.get(Parameter, key)


def value_text(key: str) -> str:
    """The effective value of ``key`` as text (stored value, else the configuration)."""
    row = stored(key)
    return row.value if row is not None else default_text(key)


def effective() -> dict[str, str]:
    """Every parameter's effective value as text (one query)."""
    rows = {p.key: p.value for p in db.session.scalars(select(Parameter))}
    return {p.key: rows.get(p.key, default_text(p.key)) for p in PARAMETERS}


def apr_cap() -> Decimal:
    """§6 ``D02`` cap in percent (effective value)."""
    return Decimal(value_text("APR_CAP"))


def league_config() -> LeagueConfig:
    """The §8 configuration from the effective values."""
    from supervision.league.inputs import league_config as from_mapping

    return from_mapping(effective())


def growth_minimums() -> tuple[int, int]:
    """§10.1 fastest growing: (minimum received in P, minimum received in P−1), effective values."""
    return int(value_text("GROWTH_MIN_RECEIVED")), int(value_text("GROWTH_MIN_PREVIOUS"))


def recorded_values() -> dict[str, str]:
    """The values a published snapshot records beside its league configuration (decision 7)."""
    return {"apr_cap": value_text("APR_CAP")}


def set_value(actor, key: str, text: str) -> bool:
    """Store a new value for ``key`` after validating it; audited (before/after). Returns False when
    the canonical value equals the effective one (nothing stored or audited)."""
    definition = BY_KEY.get(key)
    if definition is None:
        raise ParameterError(key, f"未知参数 / unknown parameter {key!r}")
    try:
        canonical = definition.parse(text or "")
    except ValueError as exc:
        raise ParameterError(key, str(exc)) from None
    before = value_text(key)
    if canonical == before:
        return False
    row = stored(key)
    if row is None:
        row = Parameter(key=key, value=canonical)
        db.session.add(row)
    row.value, row.updated_at, row.updated_by_id = canonical, utcnow(), getattr(actor, "id", None)
    db.session.flush()
    record("parameter_set", actor=actor, object_type="parameter", object_id=key,
           detail={"key": key, "before": before, "after": canonical})
    return True


def reset(actor, key: str) -> bool:
    """Drop the administrator's value of ``key`` (the configuration applies again); audited."""
    row = stored(key)
    if row is None:
        return False
    before = row.value
    db.session.delete(row)
    db.session.flush()
    record("parameter_reset", actor=actor, object_type="parameter", object_id=key,
           detail={"key": key, "before": before, "after": default_text(key)})
    return True
