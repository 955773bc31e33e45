"""Read-side queries of filings, always through :mod:`supervision.scope`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from supervision.domain.enums import ReportingStatus, Severity
from supervision.domain.reporting import reporting_status
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow, ValidationIssue
from supervision.filings.models import Filing, FilingVersion
from supervision.ingest.issues import Issue
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import version_condition, visible_filings
from supervision.timeutil import as_utc

#: code-valued columns of 投诉明细 the complaint-row list filters on by equality (``?cause=C13``)
ROW_FILTERS = ("business_category", "cause", "status", "source", "product_code", "complaint_type", "channel",
               "outcome", "extension", "province", "customer_group")
#: yes/no columns it filters on (``?on_time=1``)
ROW_FLAGS = ("carried_over", "on_time", "escalated")
ROW_LIMIT = 100
#: the stages of processing an upload, in order, as the version page names them (``progress.stage``)
PROGRESS_STAGES = (("queued", _l("Waiting to start")), ("guards", _l("Checking the file")),
                   ("reading", _l("Reading the sheets")), ("validating", _l("Validating")),
                   ("storing", _l("Storing the rows")), ("checks", _l("Cross-checks")), ("done", _l("Finished")))
#: the guards (§3) that refuse a file before it is read: such a file cannot be annotated
GUARD_RULES = ("F01", "F02", "F03", "F04", "F05", "F06", "F07")
#: how the complaint-row filters read on the page (field label; code values shown by their names)
ROW_FILTER_LABELS = {
    "business_category": _l("Business category"), "cause": _l("Cause"), "status": _l("Complaint status"),
    "source": _l("Source"), "product_code": _l("Product"), "complaint_type": _l("Complaint type"),
    "channel": _l("Channel"), "outcome": _l("Outcome"), "extension": _l("Extension"),
    "province": lazy_pgettext("complaint column", "Province"),
    "customer_group": _l("Customer group"), "carried_over": _l("Carried over"), "on_time": _l("Closed on time"),
    "escalated": _l("Escalated after closure"), "ids": _l("Complaint IDs"),
}
#: the code list of each code-valued filter (for the value's name)
ROW_FILTER_CODES = {"business_category": "business_category", "cause": "cause", "status": "status",
                    "source": "source", "complaint_type": "complaint_type", "channel": "channel",
                    "outcome": "outcome", "extension": "extension", "province": "province",
                    "customer_group": "customer_group"}
#: filters of the filings list (``?period=2024Q1&kind=CMP&q=招联``)
FILING_FILTERS = ("period", "kind", "q")
#: sortable columns of the filings list
FILING_SORTS = {"institution": Institution.name, "period": Period.code, "kind": Filing.kind}


@dataclass(frozen=True)
class ComplaintRows:
    """One page of a version's complaint rows: the rows (row order), the exact total, the sum of
    transactions involved over *all* matching rows (the drill-down figure ``txn_involved`` is that
    sum), the page and the filters applied (field → the values, for the page's summary line)."""

    rows: list[ComplaintRow]
    total: int
    transactions: int
    page: int
    per_page: int
    applied: dict[str, list[str]]

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def limit(self) -> int:
        """Rows per page (kept for templates written against the single-page version)."""
        return self.per_page


def _values(raw: str | None) -> list[str]:
    """``A,B`` or ``A`` → the distinct non-empty values (a code filter may name several codes)."""
    return list(dict.fromkeys(v.strip() for v in (raw or "").split(",") if v.strip()))[:50]


def complaint_rows(version: FilingVersion, args: Mapping[str, str], page: int = 1,
                   per_page: int = ROW_LIMIT) -> ComplaintRows:
    """The complaint rows of a stored version filtered by ``args`` (:data:`ROW_FILTERS`, each one
    code or a comma list of codes — ``outcome=UPHELD,PARTIAL,SETTLED`` are the favourable rows —,
    :data:`ROW_FLAGS` as ``0``/``1``, ``ids`` as a comma list of complaint ids, at most 1,000) —
    the drill-down target of figures and findings. Paged (at most :data:`ROW_LIMIT` rows)."""
    q = select(ComplaintRow).where(ComplaintRow.version_id == version.id)
    applied: dict[str, list[str]] = {}
    for key in ROW_FILTERS:
        vals = _values(args.get(key))
        if vals:
            col = getattr(ComplaintRow, key)
            q = q.where(col == vals[0] if len(vals) == 1 else col.in_(vals))
            applied[key] = vals
    for key in ROW_FLAGS:
        val = args.get(key)
        if val in ("0", "1"):
            q = q.where(getattr(ComplaintRow, key).is_(val == "1"))
            applied[key] = [val]
    if args.get("ids"):
        ids = [i for i in args["ids"].split(",") if i][:1000]
        # through the index (institution_id, complaint_id): the ids are the institution's own
        q = q.where(ComplaintRow.institution_id == version.filing.institution_id, ComplaintRow.complaint_id.in_(ids))
        applied["ids"] = ids[:5] + (["…"] if len(ids) > 5 else [])
    sub = q.subquery()
    total, transactions = db.session.execute(
        select(func.count(), func.coalesce(func.sum(sub.c.transactions_involved), 0)).select_from(sub)).one()
    per_page = max(1, min(per_page, ROW_LIMIT))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(db.session.scalars(q.order_by(ComplaintRow.row_no).offset((page - 1) * per_page).limit(per_page)))
    return ComplaintRows(rows, total, int(transactions), page, per_page, applied)


def filtered_filings(user, args: Mapping[str, str | None]):
    """Filings ``user`` may see, filtered by period code, kind and institution (name, short name or
    USCC), with the institution and period joined for sorting."""
    q = visible_filings(user).join(Institution, Institution.id == Filing.institution_id) \
        .join(Period, Period.id == Filing.period_id) \
        .options(selectinload(Filing.versions), contains_eager(Filing.institution), contains_eager(Filing.period))
    if args.get("period"):
        q = q.where(Period.code == args["period"])
    if args.get("kind"):
        q = q.where(Filing.kind == args["kind"])
    if args.get("q"):
        text = args["q"]
        q = q.where(or_(Institution.name.contains(text, autoescape=True), Institution.code == text,
                        Institution.short_name.contains(text, autoescape=True)))
    return q


def sheet_counts(version: FilingVersion) -> list[tuple[str, int]]:
    """Rows read per sheet, named as the template names the sheet (投诉明细, not ``detail``)."""
    return named_sheet_counts(version.filing.kind, version.row_counts)


def named_sheet_counts(kind: str, row_counts: Mapping[str, int] | None) -> list[tuple[str, int]]:
    """``row_counts`` (sheet code → rows) of a filing of ``kind``, each sheet by its name in the
    reader's language (a version, or a dry run's report)."""
    from flask_babel import get_locale

    from supervision.ingest.templates import TEMPLATES

    zh = str(get_locale() or "zh").startswith("zh")
    names = {}
    for template in TEMPLATES.values():
        if template.kind == kind:
            names.update({s.code: (s.name if zh else s.name_en) for s in template.sheets})
    return [(names.get(code, code), n) for code, n in (row_counts or {}).items()]


def refused_before_parsing(version: FilingVersion) -> bool:
    """True when a guard (F01–F07) refused the file before it was read (no annotated workbook)."""
    return any(rule in (version.rule_totals or {}) for rule in GUARD_RULES)


@dataclass(frozen=True)
class FilingState:
    """A filing as the list shows it (issue 10 item 2): the effective state first — the version
    that counts, or none — then the last attempt, the due date and the reporting status (on time,
    late, not filed: :mod:`supervision.domain.reporting`)."""

    counting: FilingVersion | None
    latest: FilingVersion | None
    status: ReportingStatus
    due_date: object


def filing_state(filing: Filing) -> FilingState:
    """The effective state of one filing (its versions loaded)."""
    counting = filing.version_that_counts
    first = filing.first_without_blocking_errors
    status = reporting_status(counting is not None, as_utc(first.uploaded_at) if first else None,
                              filing.period.due_at)
    return FilingState(counting, filing.versions[-1] if filing.versions else None, status, filing.period.due_date)


def visible_version(user, version_id: int) -> FilingVersion | None:
    """The version if the user may see its filing, else None (views answer 404)."""
    return db.session.scalar(select(FilingVersion).where(FilingVersion.id == version_id, version_condition(user)))


def issues_of(version: FilingVersion, rule: str | None = None, severity: str | None = None,
              limit: int | None = None) -> list[ValidationIssue]:
    """Listed issues of a version in sheet/row order, optionally filtered."""
    q = select(ValidationIssue).where(ValidationIssue.version_id == version.id)
    if rule:
        q = q.where(ValidationIssue.rule == rule)
    if severity:
        q = q.where(ValidationIssue.severity == severity)
    q = q.order_by(ValidationIssue.id)
    if limit:
        q = q.limit(limit)
    return list(db.session.scalars(q))


def issue_groups(version: FilingVersion) -> list[dict]:
    """Issues grouped by rule: exact total, listed count, severity and the first cells."""
    from supervision.rules import catalog

    listed = dict(db.session.execute(select(ValidationIssue.rule, func.count()).where(
        ValidationIssue.version_id == version.id).group_by(ValidationIssue.rule)).all())
    groups = []
    for rule, total in sorted((version.rule_totals or {}).items(),
                              key=lambda kv: (catalog.get(kv[0]).severity != Severity.BLOCKING, kv[0])):
        r = catalog.get(rule)
        first = db.session.scalars(select(ValidationIssue).where(ValidationIssue.version_id == version.id,
                                                                 ValidationIssue.rule == rule)
                                   .order_by(ValidationIssue.id).limit(5)).all()
        groups.append({"rule": rule, "severity": r.severity, "title_zh": r.title_zh, "title_en": r.title_en,
                       "total": total, "listed": listed.get(rule, 0), "first": first})
    return groups


def as_issue(row: ValidationIssue) -> Issue:
    """A stored issue as the pure :class:`Issue` (for the annotated workbook)."""
    return Issue(row.rule, row.severity, row.sheet, row.row, row.column, row.field, row.value, row.message_zh,
                 row.message_en)


def issue_dict(row: ValidationIssue) -> dict:
    """JSON shape of an issue: ``{rule, severity, sheet, row, column, value, message}``."""
    return {"rule": row.rule, "severity": row.severity, "sheet": row.sheet, "row": row.row, "column": row.column,
            "field": row.field, "value": row.value, "message": f"{row.message_zh} / {row.message_en}",
            "message_zh": row.message_zh, "message_en": row.message_en}
