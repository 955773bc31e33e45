"""Links from a finding to the rows behind it (the drill-down of §6 evidence)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select

from supervision.domain.enums import FilingKind
from supervision.extensions import db
from supervision.filings.models import Filing, FilingVersion


def _complaint_ids(evidence) -> list[str]:
    """Every complaint id mentioned in the evidence (lists of ids or of records with complaint_id)."""
    found: list[str] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "complaint_id" and isinstance(v, str):
                    found.append(v)
                else:
                    walk(v, k)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, str) and ("complaint" in key or key in ("ids", "missing", "extra")):
                    found.append(item)
                else:
                    walk(item, key)

    walk(evidence or {})
    seen, out = set(), []
    for i in found:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def row_links(finding) -> list[dict]:
    """Labelled links to complaint rows of the CMP versions a finding cites."""
    if not finding.versions:
        return []
    from supervision.periods.models import Period

    versions = db.session.execute(
        select(FilingVersion.id, FilingVersion.number, Filing.kind, Period.code).select_from(FilingVersion)
        .join(Filing, Filing.id == FilingVersion.filing_id)
        .join(Period, Period.id == Filing.period_id)
        .where(FilingVersion.id.in_(finding.versions)).order_by(Period.code)).all()
    links = []
    ids = _complaint_ids(finding.evidence)
    for vid, n, kind, period_code in versions:
        if kind != FilingKind.CMP:
            continue
        number = f"{period_code} v{n}"
        if finding.rule == "D07" and finding.subject:
            links.append({"label": f"{number}: " + _("rows with cause C13 citing product %(p)s", p=finding.subject),
                          "url": url_for("filings.rows", version_id=vid, cause="C13", product_code=finding.subject)})
        elif finding.rule == "D06" and finding.subject:
            links.append({"label": f"{number}: " + _("rows citing product %(p)s", p=finding.subject),
                          "url": url_for("filings.rows", version_id=vid, product_code=finding.subject)})
        elif ids:
            links.append({"label": f"{number}: " + _("%(n)s complaints cited", n=len(ids)),
                          "url": url_for("filings.rows", version_id=vid, ids=",".join(ids[:500]))})
        elif finding.rule in ("X02",):
            links.append({"label": f"{number}: " + _("regulator-transferred rows"),
                          "url": url_for("filings.rows", version_id=vid, source="REGULATOR")})
        elif finding.rule == "P01":
            links.append({"label": f"{number}: " + _("carried-over rows"),
                          "url": url_for("filings.rows", version_id=vid, carried_over="1")})
        else:
            links.append({"label": f"{number}", "url": url_for("filings.version", version_id=vid)})
    return links


# ------------------------------------------------------------------------- readable evidence
#: labels of the evidence keys the checks write (spec §6); an unknown key shows as itself
EVIDENCE_LABELS = {
    "sheet": _l("Sheet"), "detail_sheet": _l("Sheet"), "column": _l("Column"), "row": _l("Row"),
    "rows": _l("Rows"), "previous_row": _l("Row in the previous period"),
    "period": _l("Period"), "previous_period": _l("Previous period"),
    "previous_version_id": _l("Previous period's filing"), "dsc_version_id": _l("Disclosure filing"),
    "previous_open_count": _l("Open at the end of the previous period"),
    "carried_over_count": _l("Carried over into this period"),
    "missing_count": _l("Missing"), "extra_count": _l("Not open before"),
    "missing": _l("Missing"), "extra": _l("Carried over but not open before"),
    "count": _l("Number"), "complaint_id": _l("Complaint ID"), "complaint_ids": _l("Complaint IDs"),
    "complaints": _l("Complaints"), "received_date": lazy_pgettext("complaint column", "Received"),
    "previous_date": _l("Received (earlier filing)"),
    "received": _l("Complaints received"), "previous_received": _l("Received in the previous period"),
    "active_customers": _l("Active customers"), "previous_active_customers": _l("Active customers (previous period)"),
    "received_change_pct": _l("Change in complaints received (%)"),
    "active_customers_change_pct": _l("Change in active customers (%)"),
    "received_drop_threshold_pct": _l("Drop threshold for complaints (%)"),
    "customer_drop_threshold_pct": _l("Drop threshold for customers (%)"),
    "product_code": _l("Product code"), "product_name": _l("Product name"), "product_type": _l("Product type"),
    "apr_max": _l("Highest annualised rate (%)"), "cap": _l("Cap (%)"),
    "auto_deduction": _l("Automatic deduction"), "deduction_notice": _l("Deduction notice"),
    "cause": _l("Cause"), "partner_name": _l("Partner"), "partner_code": _l("Partner code"),
    "partner_type": _l("Partner type"), "published": _l("Published"),
    "reasons": _l("Reasons"), "channel_count": _l("Channels listed"), "channels": _l("Complaint channels"),
    "channel_type": _l("Channel type"), "accessible": _l("Accessible"), "dsc_missing": _l("No disclosure filing"),
    "metric": _l("Metric"), "value": _l("Value"), "n": _l("Institutions compared"), "median": _l("Sector median"),
    "mad": _l("Median absolute deviation"), "z": _l("Modified z-score"), "threshold": _l("Threshold"),
    "institution_code": _l("USCC"), "kind": _l("Filing kind"), "due_at": _l("Due"), "due_date": _l("Due date"),
    "status": _l("State"), "received_at": _l("Received at"), "delay_seconds": _l("Delay (seconds)"),
    "delay_days": _l("Days late"), "transfer_ref": _l("Transfer reference"),
    "transferred_date": _l("Transferred date"), "hotline": _l("Hotline"), "business_category": _l("Business category"),
    "previous_status": _l("State in the previous period"), "note": _l("Note"),
    # §10.3 G01, G02, K01
    "customer_group": _l("Customer group"), "closed": lazy_pgettext("count", "Closed"), "on_time": _l("Closed on time"),
    "favourable": _l("Closed favourably"), "on_time_rate": _l("On-time rate (%)"),
    "favourable_rate": _l("Resolution rate (%)"), "none_closed": _l("Closed (other customers)"),
    "none_on_time": _l("Closed on time (other customers)"),
    "none_favourable": _l("Closed favourably (other customers)"),
    "none_on_time_rate": _l("On-time rate of other customers (%)"),
    "none_favourable_rate": _l("Resolution rate of other customers (%)"),
    "on_time_gap_points": _l("On-time gap (points)"), "favourable_gap_points": _l("Resolution gap (points)"),
    "min_closed": _l("Minimum closed complaints"), "on_time_gap_threshold": _l("On-time gap threshold (points)"),
    "favourable_gap_threshold": _l("Resolution gap threshold (points)"), "topic_name": _l("Topic"),
    "previous": _l("Previous period"), "rise_pct": _l("Rise (%)"), "min_rows": _l("Minimum complaints"),
    "rise_pct_threshold": _l("Rise threshold (%)"), "previous_floor": _l("Previous-period floor"),
}
#: keys whose value is a code of a spec code list (shown by its name)
CODE_KEYS = {"cause": "cause", "business_category": "business_category", "hotline": "hotline",
             "product_type": "product_type", "partner_type": "partner_type", "channel_type": "complaint_channel_type",
             "previous_status": "status", "customer_group": "customer_group"}
REASONS = {"no_accessible": _l("no accessible complaint channel"), "no_hotline": _l("no complaint hotline")}
TIMELINESS = {"late": _l("filed late"), "missing": _l("not filed by the due date")}
#: keys not shown as facts (they are the table, or said by another fact)
HIDDEN_KEYS = {"delay_seconds", "due_at"}
#: keys that are a template field: labelled with the field's own label (one name per field, item 12)
FIELD_KEYS = {"apr_max", "apr_min", "product_code", "product_name", "product_type", "auto_deduction",
              "deduction_notice", "partner_name", "partner_type", "channel_type", "accessible", "published",
              "transfer_ref", "transferred_date", "complaint_id", "received_date", "business_category", "hotline",
              "cause", "customer_group"}
#: an exact decimal string of the evidence (``dec()``): shown rounded half-up to 2 decimals (§8 Display)
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def label_of(key: str) -> str:
    """The label of an evidence key in the reader's language: a template field's own label for the
    keys that are fields, else the evidence label, else the key itself."""
    if key in FIELD_KEYS:
        label = _field_label(key)
        if label != key:
            return label
    return str(EVIDENCE_LABELS.get(key, key))


def shown_number(value: str) -> str:
    """An exact decimal string rounded half-up to 2 decimals (integers and other text unchanged)."""
    if isinstance(value, str) and _DECIMAL.match(value):
        from reports.numbers import display

        return display(Decimal(value), 2) or value
    return value


@dataclass
class Cell:
    """One shown value, optionally a link."""

    text: str
    url: str | None = None


@dataclass
class EvidenceTable:
    """A list of records of the evidence as a table (e.g. the complaints a rule cites)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    total: int | None = None


@dataclass
class EvidenceView:
    """A finding's evidence as people read it: labelled facts and tables, no raw codes or JSON."""

    facts: list[tuple[str, list[Cell]]] = field(default_factory=list)
    tables: list[EvidenceTable] = field(default_factory=list)


def _field_label(code: str) -> str:
    from flask_babel import get_locale

    from supervision.ingest.templates import TEMPLATES

    zh = str(get_locale() or "zh").startswith("zh")
    for template in TEMPLATES.values():
        for sheet in template.sheets:
            for f in sheet.fields:
                if f.code == code:
                    return f.label_zh if zh else f.label_en
    return code


def _sheet_label(name: str) -> str:
    from flask_babel import get_locale

    from supervision.ingest.templates import TEMPLATES

    zh = str(get_locale() or "zh").startswith("zh")
    for template in TEMPLATES.values():
        for sheet in template.sheets:
            if name in (sheet.name, sheet.code):
                return sheet.name if zh else sheet.name_en
    return name


class _Links:
    """Where a cited complaint, version, transfer or product opens."""

    def __init__(self, finding):
        self.finding = finding
        self._cmp: int | bool | None = False

    def cmp_version(self) -> int | None:
        if self._cmp is False:
            self._cmp = db.session.scalar(
                select(FilingVersion.id).join(Filing, Filing.id == FilingVersion.filing_id)
                .where(FilingVersion.id.in_(self.finding.versions or []), Filing.kind == FilingKind.CMP)
                .order_by(FilingVersion.id.desc()).limit(1)) if self.finding.versions else None
        return self._cmp

    def complaint(self, complaint_id: str, version_id: int | None = None) -> str | None:
        vid = version_id or self.cmp_version()
        return url_for("filings.rows", version_id=vid, ids=complaint_id) if vid else None

    @staticmethod
    def version(version_id) -> str | None:
        return url_for("filings.version", version_id=version_id) if isinstance(version_id, int) else None

    def transfer(self, ref: str) -> str | None:
        """The register entry (regulators only: institutions do not see the register)."""
        from flask_login import current_user

        return url_for("register.index", q=ref) if getattr(current_user, "is_regulator", False) else None


def _scalar(key: str, value, finding, links: _Links) -> list[Cell]:
    """One evidence value as cells (a list of ids becomes several links)."""
    from supervision.domain.enums import FilingKind as Kind
    from supervision.main.helpers import code_name, fmt_dt, list_sep

    if value is None:
        return [Cell("—")]
    if isinstance(value, bool):
        return [Cell(str(_l("Yes")) if value else str(_l("No")))]
    if key in ("sheet", "detail_sheet"):
        return [Cell(_sheet_label(str(value)))]
    if key == "column":
        return [Cell(_field_label(str(value)))]
    if key in CODE_KEYS:
        return [Cell(f"{value} {code_name(CODE_KEYS[key], value)}" if key in ("cause", "business_category")
                     else code_name(CODE_KEYS[key], value))]
    if key == "metric":
        from supervision.league.present import metric_label

        return [Cell(str(metric_label(value)))]
    if key == "kind":
        return [Cell(Kind.label_of(value))]
    if key == "status" and value in TIMELINESS:
        return [Cell(str(TIMELINESS[value]))]
    if key == "reasons" and isinstance(value, list):
        return [Cell("；".join(str(REASONS.get(r, r)) for r in value))]
    if key in ("previous_version_id", "dsc_version_id"):
        url = links.version(value)
        return [Cell(str(_l("open the filing")), url)] if url else [Cell(str(value))]
    if key == "complaint_ids" and isinstance(value, list):
        return [Cell(str(cid), links.complaint(str(cid))) for cid in value]
    if key == "complaint_id":
        return [Cell(str(value), links.complaint(str(value)))]
    if key == "transfer_ref":
        return [Cell(str(value), links.transfer(str(value)))]
    if key == "received_at" and isinstance(value, str):
        from datetime import datetime

        try:
            return [Cell(fmt_dt(datetime.fromisoformat(value)))]
        except ValueError:
            return [Cell(value)]
    if isinstance(value, float):
        return [Cell(shown_number(format(Decimal(str(value)), "f")))]
    if isinstance(value, list):
        return [Cell(list_sep().join(shown_number(v) if isinstance(v, str) else str(v) for v in value))]
    return [Cell(shown_number(value) if isinstance(value, str) else str(value))]


def evidence_view(finding) -> EvidenceView:
    """The finding's evidence as labelled facts and, for each list of records (complaints,
    transfers, channels, partner rows), a table with translated headers, code names, and links
    to the complaint rows, versions and register entries behind them."""
    view = EvidenceView()
    links = _Links(finding)
    evidence = finding.evidence or {}
    for key, value in evidence.items():
        if key in HIDDEN_KEYS:
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for record in value for k in record))
            version_id = evidence.get("previous_version_id") if (finding.rule == "P01" and key == "missing") else None
            rows = []
            for record in value:
                row = []
                for col in columns:
                    v = record.get(col)
                    if col == "complaint_id" and v is not None:
                        row.append([Cell(str(v), links.complaint(str(v), version_id))])
                    else:
                        row.append(_scalar(col, v, finding, links))
                rows.append(row)
            total = evidence.get(f"{key}_count", evidence.get("count"))
            view.tables.append(EvidenceTable(key, label_of(key), [label_of(c) for c in columns], rows,
                                             total if isinstance(total, int) else None))
            continue
        view.facts.append((label_of(key), _scalar(key, value, finding, links)))
    return view
