"""What the explorer shows, as one table model used by the page, its CSV and its XLSX download (so
a download is exactly what is shown), plus labels of dimensions, values and measures.

Every code shown goes through a label (no raw codes on pages): dimension names and measures through
:func:`supervision.domain.labels.lazy_pgettext`, code-list values through their Chinese names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from reports.numbers import display
from supervision.analytics.dims import DIMENSIONS, HANDLING_BUCKETS
from supervision.analytics.measures import INTEGER_MEASURES, MEASURES
from supervision.analytics.queries import MEASURE_ROWS, Result
from supervision.domain.code_labels import code_label
from supervision.domain.codes import CODE_LISTS
from supervision.domain.labels import lazy_pgettext

DIM_LABELS = {
    "sector": lazy_pgettext("analytics dimension", "Sector"),
    "institution": lazy_pgettext("analytics dimension", "Institution"),
    "period": lazy_pgettext("analytics dimension", "Period"),
    "business_category": lazy_pgettext("analytics dimension", "Business category"),
    "cause": lazy_pgettext("analytics dimension", "Cause"),
    "channel": lazy_pgettext("analytics dimension", "Channel"),
    "province": lazy_pgettext("analytics dimension", "Province"),
    "customer_group": lazy_pgettext("analytics dimension", "Customer group"),
    "source": lazy_pgettext("analytics dimension", "Source"),
    "complaint_type": lazy_pgettext("analytics dimension", "Complaint type"),
    "outcome": lazy_pgettext("analytics dimension", "Outcome"),
    "extension": lazy_pgettext("analytics dimension", "Extension"),
    "handling": lazy_pgettext("analytics dimension", "Handling time"),
}
MEASURE_LABELS = {
    "received": lazy_pgettext("analytics measure", "Received"),
    "share": lazy_pgettext("analytics measure", "Share of total (%)"),
    "per_10k_customers": lazy_pgettext("analytics measure", "Per 10k customers"),
    "closed": lazy_pgettext("analytics measure", "Closed"),
    "on_time": lazy_pgettext("analytics measure", "Closed on time"),
    "favourable": lazy_pgettext("analytics measure", "Closed favourably"),
    "escalated": lazy_pgettext("analytics measure", "Escalated"),
    "on_time_rate": lazy_pgettext("analytics measure", "On-time rate (%)"),
    "favourable_rate": lazy_pgettext("analytics measure", "Favourable rate (%)"),
    "escalation_rate": lazy_pgettext("analytics measure", "Escalation rate (%)"),
    "extension_rate": lazy_pgettext("analytics measure", "Extension rate (%)"),
    "median_days": lazy_pgettext("analytics measure", "Median days to close"),
    "p90_days": lazy_pgettext("analytics measure", "90th percentile days"),
    "amount_sum": lazy_pgettext("analytics measure", "Amount involved (yuan)"),
    "redress_sum": lazy_pgettext("analytics measure", "Redress paid (yuan)"),
    "qoq": lazy_pgettext("analytics measure", "Change vs previous quarter"),
    "qoq_pct": lazy_pgettext("analytics measure", "Change vs previous quarter (%)"),
    "yoy": lazy_pgettext("analytics measure", "Change vs a year before"),
    "yoy_pct": lazy_pgettext("analytics measure", "Change vs a year before (%)"),
}
HANDLING_LABELS = {
    "D0_1": lazy_pgettext("handling bucket", "0–1 day"),
    "D2_3": lazy_pgettext("handling bucket", "2–3 days"),
    "D4_7": lazy_pgettext("handling bucket", "4–7 days"),
    "D8_15": lazy_pgettext("handling bucket", "8–15 days"),
    "D16_30": lazy_pgettext("handling bucket", "16–30 days"),
    "D31_60": lazy_pgettext("handling bucket", "31–60 days"),
    "D61P": lazy_pgettext("handling bucket", "More than 60 days"),
}
NOT_GIVEN = lazy_pgettext("analytics value", "(not given)")
TOTAL = lazy_pgettext("analytics value", "Total")
#: measures a view may show (§10.1 plus the changes of ``received``)
SHOWN_MEASURES: tuple[str, ...] = (*MEASURES, "qoq", "qoq_pct", "yoy", "yoy_pct")
#: the measures of the list view (rows without columns)
LIST_MEASURES: tuple[str, ...] = ("received", "share", "per_10k_customers", "qoq", "qoq_pct", "yoy", "yoy_pct",
                                  "closed", "on_time_rate", "favourable_rate", "escalation_rate", "extension_rate",
                                  "median_days", "p90_days", "amount_sum", "redress_sum")
assert set(DIM_LABELS) == set(DIMENSIONS)
assert set(HANDLING_LABELS) == {b[0] for b in HANDLING_BUCKETS}


def value_label(dim: str | None, code: str | None, names: dict[str, str] | None = None) -> str:
    """The label of a dimension value: an institution's name, a sector's name, a period code, a
    code list's Chinese name, a handling bucket; ``(not given)`` for an empty value."""
    if dim is None or code is None:
        return str(TOTAL)
    if code == "":
        return str(NOT_GIVEN)
    if dim == "institution":
        return (names or {}).get(code, code)
    if dim == "period":
        return code
    if dim == "handling":
        return str(HANDLING_LABELS.get(code, code))
    return code_label(dim, code) if dim in CODE_LISTS else code


def places(measure: str) -> int:
    """Decimals shown (§8: counts whole, everything else 2)."""
    return 0 if measure in INTEGER_MEASURES or measure in ("qoq", "yoy") else 2


def shown_number(measure: str, value) -> Decimal | int | None:
    """The number as shown (half-up to its decimals), for XLSX cells."""
    if value is None:
        return None
    if isinstance(value, int) and places(measure) == 0:
        return value
    return Decimal(display(value if isinstance(value, int | Fraction | Decimal) else Decimal(value), places(measure)))


def shown_text(measure: str, value) -> str:
    """The text shown for a value (``—`` when empty)."""
    if value is None:
        return "—"
    return display(value, places(measure))


@dataclass
class Shown:
    """One number of the table: its measure, exact value, text, and the drill-down key."""

    measure: str
    value: object
    text: str
    row: str | None
    col: str | None
    row_set: str | None
    heat: int = 0


@dataclass
class ShownRow:
    """A row of the table: its code and label, and its numbers."""

    code: str | None
    label: str
    cells: list[Shown] = field(default_factory=list)
    total: bool = False


@dataclass
class Table:
    """The table of the view as shown (header labels, rows)."""

    header: list[str]
    rows: list[ShownRow]
    matrix: bool
    measure: str


def _shown(measure: str, d: dict | None, row, col) -> Shown:
    value = d.get(measure) if d else None
    rs = MEASURE_ROWS.get(measure, "received" if measure.startswith(("qoq", "yoy")) else None)
    return Shown(measure, value, shown_text(measure, value), row, col, rs if value is not None else None)


def table(result: Result, measure: str, names: dict[str, str]) -> Table:
    """The shown table: with columns, one measure per cell plus totals (a heat level 0–5 per
    cell); without, one row per value with every list measure."""
    view = result.view
    rows = []
    if view.cols:
        header = [str(DIM_LABELS[view.rows])] + [value_label(view.cols, c, names) for c in result.col_values] \
            + [str(TOTAL)]
        values = [result.cells[k].get(measure) for k in result.cells if result.cells[k].get(measure) is not None]
        top = max((abs(Fraction(v)) for v in values), default=0)
        for r in result.row_values:
            sr = ShownRow(r, value_label(view.rows, r, names))
            for c in result.col_values:
                s = _shown(measure, result.cells.get((r, c)), r, c)
                if s.value is not None and top:
                    s.heat = min(5, int(abs(Fraction(s.value)) * 5 / top + Fraction(1, 2)))
                sr.cells.append(s)
            sr.cells.append(_shown(measure, result.row_totals.get(r), r, None))
            rows.append(sr)
        tr = ShownRow(None, str(TOTAL), total=True)
        tr.cells = [_shown(measure, result.col_totals.get(c), None, c) for c in result.col_values]
        tr.cells.append(_shown(measure, result.total, None, None))
        rows.append(tr)
        return Table(header, rows, True, measure)
    header = [str(DIM_LABELS[view.rows])] + [str(MEASURE_LABELS[m]) for m in LIST_MEASURES]
    for r in result.row_values:
        d = result.row_totals.get(r)
        rows.append(ShownRow(r, value_label(view.rows, r, names), [_shown(m, d, r, None) for m in LIST_MEASURES]))
    rows.append(ShownRow(None, str(TOTAL), [_shown(m, result.total, None, None) for m in LIST_MEASURES], total=True))
    return Table(header, rows, False, measure)


def chart(result: Result, tbl: Table, names: dict[str, str]) -> dict:
    """The ECharts spec of the view (data only; static/js/analytics.js draws it): stacked bars of
    ``received`` (rows × columns), trend lines when one axis is the period, bars otherwise."""
    view = result.view
    if view.cols and "period" in (view.rows, view.cols):
        periods = result.row_values if view.rows == "period" else result.col_values
        other = result.col_values if view.rows == "period" else result.row_values
        other_dim = view.cols if view.rows == "period" else view.rows
        lines = []
        for o in other:
            key = (lambda p, o=o: (p, o)) if view.rows == "period" else (lambda p, o=o: (o, p))
            lines.append([(result.cells.get(key(p)) or {}).get("received", 0) for p in periods])
        return {"type": "lines", "periods": periods, "series": [value_label(other_dim, o, names) for o in other],
                "lines": lines, "label": str(MEASURE_LABELS["received"])}
    if view.rows == "period":
        return {"type": "lines", "periods": result.row_values, "series": [str(MEASURE_LABELS["received"])],
                "lines": [[result.row_totals[p]["received"] for p in result.row_values]],
                "label": str(MEASURE_LABELS["received"])}
    if view.cols:
        return {"type": "stacked", "categories": [value_label(view.rows, r, names) for r in result.row_values],
                "series": [{"name": value_label(view.cols, c, names),
                            "data": [(result.cells.get((r, c)) or {}).get("received", 0) for r in result.row_values]}
                           for c in result.col_values],
                "label": str(MEASURE_LABELS["received"])}
    return {"type": "bars", "categories": [value_label(view.rows, r, names) for r in result.row_values],
            "values": [result.row_totals[r]["received"] for r in result.row_values],
            "label": str(MEASURE_LABELS["received"])}
