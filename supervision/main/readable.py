"""Structured data (a job run's output, an audit event's detail) as people read it: labelled
items, stored codes shown by their translated labels, nested lists as nested items — never JSON
on a page (issue 10, "No raw codes or JSON in the UI")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from supervision.domain.enums import (
    ExportKind,
    FilingKind,
    FindingStatus,
    JobRunStatus,
    JobTrigger,
    LabelledEnum,
    NotificationKind,
    ReferralStatus,
    RegisterUploadStatus,
    Role,
    VersionStatus,
)
from supervision.main.helpers import list_sep

#: labels of the keys job outputs and audit details use (an unknown key shows as itself)
KEY_LABELS = {
    "today": _l("Day"), "locked": _l("Periods locked"), "periods": _l("Periods"), "period": _l("Period"),
    "days_left": _l("Days left"), "institutions": _l("Institutions"), "notifications": _l("Notifications sent"),
    "exports": _l("Exports"), "kind": _l("Kind"), "scope": _l("Scope"), "sha256": "SHA-256", "id": _l("Number"),
    "locking": _l("Periods about to lock"), "checks": _l("Checks"), "league": _l("League table draft"),
    "rows": _l("Rows"), "created": _l("New"), "updated": _l("Updated"), "unchanged": _l("Unchanged"),
    "reopened": _l("Holding again"), "closed": lazy_pgettext("finding status", "Closed"), "findings": _l("Findings"),
    "rules": _l("Rules"),
    "from": _l("Before"), "to": _l("After"), "note": _l("Note"), "code": _l("Code"), "number": _l("Number"),
    "changes": _l("Changes"), "email": _l("E-mail"), "role": _l("Role"), "name": _l("Name"),
    "snapshot": _l("Snapshot"), "sector": _l("Sector"), "sectors": _l("Sectors"), "kinds": _l("Data kinds"),
    "filename": _l("File"), "size": _l("Size (bytes)"), "version": _l("Version"), "reason": _l("Reason"),
    "error": _l("Error"), "warnings": _l("Warnings"), "until": _l("Until"), "lock_date": _l("Lock date"),
    "filters": _l("Filters"), "job": _l("Job"), "paused": _l("Paused"), "attempts": _l("Attempts"),
    "institution_id": _l("Institution"), "agency_id": _l("Agency"), "rule": _l("Rule"), "ruleset_version":
    _l("Rule set version"), "movement_basis": _l("Movement compared with"), "status": _l("State"),
    "institution": _l("Institution"), "hotline": _l("Hotline"), "category": _l("Business category"),
    "q": _l("Search"), "producer": _l("Produced by"), "applied": _l("Applied"), "trigger": _l("Trigger"),
    "finding": _l("Finding"), "scheduled_for": _l("Scheduled for"), "duration_ms": _l("Duration (ms)"),
    "detail": _l("Details"),
    # job outputs: supervision.jobs.functions and ingest_recovery (supervision.filings.recovery)
    "draft": _l("League table draft"), "ranked": _l("Ranked"), "reminded": _l("Reminders sent"),
    "overdue": _l("Marked overdue"), "recovered": _l("Interrupted versions marked failed"),
    "dry_runs_deleted": _l("Expired dry runs deleted"), "scratch_removed": _l("Stale scratch files removed"),
    "summaries_indexed": _l("Versions added to the summary search index"),
}
#: which enum a stored code belongs to, by the object it is about (audit) or its key
ENUM_BY_OBJECT: dict[str, type[LabelledEnum]] = {
    "filing_version": VersionStatus, "finding": FindingStatus, "referral": ReferralStatus,
    "register_upload": RegisterUploadStatus, "job_run": JobRunStatus,
}
ENUM_BY_KEY: dict[str, type[LabelledEnum]] = {"role": Role, "kind": FilingKind, "status": JobRunStatus,
                                              "trigger": JobTrigger}
_YES, _NO, _NONE = _l("yes"), _l("no"), "—"


@dataclass
class Item:
    """One labelled value (``text``) or a group of items (``children``)."""

    label: str | None
    text: str | None = None
    children: list[Item] = field(default_factory=list)


def _scalar(value, key: str | None, enum: type[LabelledEnum] | None) -> str:
    if value is None:
        return _NONE
    if isinstance(value, bool):
        return str(_YES if value else _NO)
    if isinstance(value, str):
        for candidate in (ENUM_BY_KEY.get(key or ""), enum, ExportKind, NotificationKind):
            if candidate is not None and value in candidate.values() and (candidate is not ExportKind
                                                                             or key == "kind"):
                return candidate.label_of(value)
        if len(value) >= 19 and value[4:5] == "-" and "T" in value[10:11]:
            try:
                from supervision.main.helpers import fmt_dt

                return fmt_dt(datetime.fromisoformat(value))
            except ValueError:
                return value
    return str(value)


def items(value, enum: type[LabelledEnum] | None = None, key: str | None = None) -> list[Item]:
    """``value`` (dicts, lists, scalars) as :class:`Item` trees; ``enum`` names which enum stored
    codes belong to (e.g. :class:`VersionStatus` for a filing version's ``from``/``to``)."""
    if isinstance(value, Mapping):
        out = []
        for k, v in value.items():
            label = str(KEY_LABELS.get(k, k))
            if isinstance(v, Mapping | list) and v and not all(not isinstance(x, Mapping | list) for x in
                                                             (v.values() if isinstance(v, Mapping) else v)):
                out.append(Item(label, children=items(v, enum, k)))
            elif isinstance(v, Mapping):
                out.append(Item(label, children=items(v, enum, k)) if v else Item(label, _NONE))
            elif isinstance(v, list):
                out.append(Item(label, list_sep().join(_scalar(x, k, enum) for x in v) if v else _NONE))
            else:
                out.append(Item(label, _scalar(v, k, enum)))
        return out
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value, start=1):
            out.append(Item(f"{i}", children=items(v, enum, key)) if isinstance(v, Mapping | list)
                       else Item(None, _scalar(v, key, enum)))
        return out
    return [Item(None, _scalar(value, key, enum))]
