"""Every status, role, kind, sector, level and severity of the platform, defined once.

Each is a :class:`~enum.StrEnum` whose values are the strings stored in the database (so a member
compares equal to, and hashes like, the stored text) and whose members carry a bilingual display
label with a *message context* (``member.label``), translated when shown. Database CHECK
constraints (:meth:`LabelledEnum.check`) and lifecycle transition tables are derived from here;
templates reach the enums through the Jinja global ``enums`` (``enums.VersionStatus.ACCEPTED``).

Pure: no Flask, no database (labels are :class:`supervision.domain.labels.LazyLabel`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from supervision.domain.labels import LazyLabel, lazy_pgettext


class LabelledEnum(StrEnum):
    """A string enum whose members carry a translated display label (``member.label``)."""

    label: LazyLabel

    def __new__(cls, value: str, label: LazyLabel):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    # a member hashes like its stored text, so ``"filer" in {Role.FILER}`` and dict look-ups by the
    # plain string read from the database work (Enum hashes the member *name* by default)
    __hash__ = str.__hash__

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The stored strings, in definition order."""
        return tuple(m.value for m in cls)

    @classmethod
    def check(cls, column: str, members: Iterable[LabelledEnum] | None = None) -> str:
        """SQL of a CHECK constraint: ``column IN ('A','B',…)`` (all members, or ``members``)."""
        chosen = cls if members is None else members
        return f"{column} IN (" + ",".join(f"'{m.value}'" for m in chosen) + ")"

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """Translated label of a stored value (the value itself when it is not a member; ``—`` for None)."""
        if value is None:
            return "—"
        try:
            return str(cls(value).label)
        except ValueError:
            return value


    @classmethod
    def zh_en(cls, value: str | None) -> tuple[str, str]:
        """(Chinese, English) label of a stored value, for bilingual messages ``"中文 / English"``
        (the value itself when it is not a member)."""
        try:
            label = cls(value).label
        except ValueError:
            return str(value), str(value)
        return label.in_locale("zh"), label.in_locale("en")


# ------------------------------------------------------------------------------ filings (§2, §7a)
class FilingKind(LabelledEnum):
    """Filing kinds of spec §2."""

    CMP = "CMP", lazy_pgettext("filing kind", "CMP complaint data")
    DSC = "DSC", lazy_pgettext("filing kind", "DSC disclosure")


class VersionStatus(LabelledEnum):
    """§7a lifecycle of a filing version. FAILED = processing crashed (re-runnable, nothing stored);
    WITHDRAWN = withdrawn by its filer (§1.3)."""

    RECEIVED = "RECEIVED", lazy_pgettext("filing version status", "Received")
    VALIDATING = "VALIDATING", lazy_pgettext("filing version status", "Validating")
    REJECTED = "REJECTED", lazy_pgettext("filing version status", "Rejected")
    VALIDATED = "VALIDATED", lazy_pgettext("filing version status", "Validated")
    ACCEPTED = "ACCEPTED", lazy_pgettext("filing version status", "Accepted")
    RETURNED = "RETURNED", lazy_pgettext("filing version status", "Returned")
    SUPERSEDED = "SUPERSEDED", lazy_pgettext("filing version status", "Superseded")
    FAILED = "FAILED", lazy_pgettext("filing version status", "Failed")
    WITHDRAWN = "WITHDRAWN", lazy_pgettext("filing version status", "Withdrawn")


_V = VersionStatus
#: allowed §7a transitions (SUPERSEDED when a newer version is accepted). A filer withdraws a version
#: once it is processed (VALIDATED, ACCEPTED, REJECTED, FAILED; §1.3, docs/decisions.md); a
#: SUPERSEDED version that had been accepted is reinstated (→ ACCEPTED) when the version that counts
#: is returned or withdrawn (lead's decision 2). RETURNED and WITHDRAWN are final.
VERSION_TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    _V.RECEIVED: frozenset({_V.VALIDATING, _V.FAILED}),
    _V.VALIDATING: frozenset({_V.REJECTED, _V.VALIDATED, _V.FAILED}),
    _V.FAILED: frozenset({_V.VALIDATING, _V.WITHDRAWN}),
    _V.VALIDATED: frozenset({_V.ACCEPTED, _V.RETURNED, _V.SUPERSEDED, _V.WITHDRAWN}),
    _V.ACCEPTED: frozenset({_V.SUPERSEDED, _V.RETURNED, _V.WITHDRAWN}),
    _V.REJECTED: frozenset({_V.WITHDRAWN}),
    _V.RETURNED: frozenset(),
    _V.SUPERSEDED: frozenset({_V.ACCEPTED}),
    _V.WITHDRAWN: frozenset(),
}
#: states a filer may withdraw a version from (§1.3; never while it is being processed)
WITHDRAWABLE_STATES: frozenset[VersionStatus] = frozenset({_V.VALIDATED, _V.ACCEPTED, _V.REJECTED, _V.FAILED})
#: states a version is (re)processed from
PROCESSABLE_STATES: frozenset[VersionStatus] = frozenset({_V.RECEIVED, _V.FAILED, _V.VALIDATING})
#: states that record a supervisor's (or auto-accept's) decision on the version
DECISION_STATES: frozenset[VersionStatus] = frozenset({_V.ACCEPTED, _V.RETURNED})


class ReportingStatus(LabelledEnum):
    """Whether an expected filing (institution × period × kind) was reported, and on time — one
    definition for the dashboard, ``T01``, the 报送情况 sheet, the league's 未报送 and the API
    (:mod:`supervision.filings.reporting`, lead's decision 4)."""

    ON_TIME = "on_time", lazy_pgettext("reporting status", "Filed on time")
    LATE = "late", lazy_pgettext("reporting status", "Filed late")
    MISSING = "missing", lazy_pgettext("reporting status", "Not filed")


class RegisterUploadStatus(LabelledEnum):
    """Outcome of an upload of the regulator register (§7): imported whole, or refused whole."""

    RECEIVED = "RECEIVED", lazy_pgettext("register upload status", "Being imported")
    IMPORTED = "IMPORTED", lazy_pgettext("register upload status", "Imported")
    REJECTED = "REJECTED", lazy_pgettext("register upload status", "Refused")


# ------------------------------------------------------------------------------- findings (§6, §1.4)
class Severity(LabelledEnum):
    """Severity of a rule (§6)."""

    BLOCKING = "blocking", lazy_pgettext("severity", "Blocking")
    WARNING = "warning", lazy_pgettext("severity", "Warning")
    FINDING = "finding", lazy_pgettext("severity", "Finding")


class FindingLevel(LabelledEnum):
    """Level of a finding (§6)."""

    HIGH = "high", lazy_pgettext("finding level", "High")
    MEDIUM = "medium", lazy_pgettext("finding level", "Medium")
    LOW = "low", lazy_pgettext("finding level", "Low")


class FindingStatus(LabelledEnum):
    """Workflow state of a finding (§6)."""

    OPEN = "OPEN", lazy_pgettext("finding status", "Open")
    EXPLAINED = "EXPLAINED", lazy_pgettext("finding status", "Explained")
    CLOSED = "CLOSED", lazy_pgettext("finding status", "Closed")
    REMEDIATION = "REMEDIATION", lazy_pgettext("finding status", "Remediation")
    REFERRED = "REFERRED", lazy_pgettext("finding status", "Referred")


_F = FindingStatus
#: workflow moves a regulator may make (REFERRED is entered through a referral)
FINDING_REGULATOR_MOVES: dict[FindingStatus, frozenset[FindingStatus]] = {
    _F.OPEN: frozenset({_F.CLOSED, _F.REMEDIATION}),
    _F.EXPLAINED: frozenset({_F.CLOSED, _F.REMEDIATION, _F.OPEN}),
    _F.REMEDIATION: frozenset({_F.CLOSED, _F.OPEN}),
    _F.REFERRED: frozenset({_F.CLOSED, _F.OPEN, _F.REMEDIATION}),
    _F.CLOSED: frozenset({_F.OPEN}),
}
#: states in which the institution may answer a finding opened to it
ANSWERABLE_STATES: tuple[FindingStatus, ...] = (_F.OPEN, _F.REMEDIATION, _F.EXPLAINED)
#: the order the findings filter lists the states in
FINDING_STATUS_ORDER: tuple[FindingStatus, ...] = (_F.OPEN, _F.EXPLAINED, _F.REMEDIATION, _F.REFERRED, _F.CLOSED)


class ReferralStatus(LabelledEnum):
    """A referral (转办) between agencies: SENT → ACCEPTED → ANSWERED, or DECLINED (§1.4)."""

    SENT = "SENT", lazy_pgettext("referral status", "Awaiting acceptance")
    ACCEPTED = "ACCEPTED", lazy_pgettext("referral status", "Accepted")
    ANSWERED = "ANSWERED", lazy_pgettext("referral status", "Answered")
    DECLINED = "DECLINED", lazy_pgettext("referral status", "Declined")


#: referrals still with the receiving agency
PENDING_REFERRAL_STATES: tuple[ReferralStatus, ...] = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


# ----------------------------------------------------------------------------------- jobs
class JobRunStatus(LabelledEnum):
    """Outcome of a scheduled job's run."""

    RUNNING = "running", lazy_pgettext("job run status", "Running")
    RETRYING = "retrying", lazy_pgettext("job run status", "Retrying")
    SUCCESS = "success", lazy_pgettext("job run status", "Succeeded")
    FAILED = "failed", lazy_pgettext("job run status", "Run failed")
    SKIPPED = "skipped", lazy_pgettext("job run status", "Skipped")


#: runs not finished yet
UNFINISHED_RUN_STATES: tuple[JobRunStatus, ...] = (JobRunStatus.RUNNING, JobRunStatus.RETRYING)


class JobTrigger(LabelledEnum):
    """What started a job run."""

    SCHEDULE = "schedule", lazy_pgettext("job trigger", "scheduled")
    CATCH_UP = "catch_up", lazy_pgettext("job trigger", "caught up")
    MANUAL = "manual", lazy_pgettext("job trigger", "run now")
    CLI = "cli", lazy_pgettext("job trigger", "console")


# ------------------------------------------------------------------------ notifications, exports
class NotificationKind(LabelledEnum):
    """What a notification is about: each asks its reader to act, and links to the object."""

    REMINDER = "reminder", lazy_pgettext("notification kind", "Filing reminder")
    FILING_RETURNED = "filing_returned", lazy_pgettext("notification kind", "Filing sent back")
    FILING_REJECTED = "filing_rejected", lazy_pgettext("notification kind", "Filing refused by validation")
    FINDING_OPENED = "finding_opened", lazy_pgettext("notification kind", "Finding to answer")
    FINDING_ANSWERED = "finding_answered", lazy_pgettext("notification kind", "Institution has answered")
    REFERRAL_RECEIVED = "referral_received", lazy_pgettext("notification kind", "Referral to handle")
    REFERRAL_ACCEPTED = "referral_accepted", lazy_pgettext("notification kind", "Referral taken on")
    REFERRAL_ANSWERED = "referral_answered", lazy_pgettext("notification kind", "Reply to your referral")
    REFERRAL_DECLINED = "referral_declined", lazy_pgettext("notification kind", "Referral turned down")
    REMEDIATION_DUE = "remediation_due", lazy_pgettext("notification kind", "Remediation due soon")
    REMEDIATION_OVERDUE = "remediation_overdue", lazy_pgettext("notification kind", "Remediation overdue")
    PERIOD_LOCKING = "period_locking", lazy_pgettext("notification kind", "Period about to lock")
    JOB_FAILED = "job_failed", lazy_pgettext("notification kind", "Scheduled job failed")


class ExportKind(LabelledEnum):
    """Files of the export archive (spec §9)."""

    SUMMARY = "summary", lazy_pgettext("export kind", "Summary workbook")
    FEEDBACK = "feedback", lazy_pgettext("export kind", "Institution feedback sheet")
    CSV = "csv", lazy_pgettext("export kind", "League table as CSV")
    JSON = "json", lazy_pgettext("export kind", "League table as JSON")
    NOTICE = "notice", lazy_pgettext("export kind", "Complaint notice (Word)")


# -------------------------------------------------------------------------- parties (§1)
class Role(LabelledEnum):
    """Roles of spec §1.3."""

    FILER = "filer", lazy_pgettext("role", "Filer")
    ANALYST = "analyst", lazy_pgettext("role", "Analyst")
    SUPERVISOR = "supervisor", lazy_pgettext("role", "Supervisor")
    ADMIN = "admin", lazy_pgettext("role", "Administrator")


#: regulator staff (members of an agency)
REGULATOR_ROLES: tuple[Role, ...] = (Role.ANALYST, Role.SUPERVISOR)
#: roles that read filing data: everyone but ``admin`` (platform administration is not supervision)
DATA_ROLES: tuple[Role, ...] = (Role.FILER, Role.ANALYST, Role.SUPERVISOR)


class Sector(LabelledEnum):
    """Sectors of spec §1.2 (the Chinese labels are the spec's code list names)."""

    PAY = "PAY", lazy_pgettext("sector", "Payment institutions")
    CF = "CF", lazy_pgettext("sector", "Consumer finance companies")
    BANK = "BANK", lazy_pgettext("sector", "Banks")
    INS = "INS", lazy_pgettext("sector", "Insurers")
    AUTO = "AUTO", lazy_pgettext("sector", "Auto finance companies")


#: every enum with labels (the translation tests walk these)
ALL_ENUMS: tuple[type[LabelledEnum], ...] = (FilingKind, VersionStatus, ReportingStatus, RegisterUploadStatus,
                                             Severity, FindingLevel, FindingStatus, ReferralStatus, JobRunStatus,
                                             JobTrigger, NotificationKind, ExportKind, Role, Sector)
#: enums whose labels are states shown side by side (no two may read the same in any language)
STATUS_ENUMS: tuple[type[LabelledEnum], ...] = (VersionStatus, ReportingStatus, RegisterUploadStatus, FindingStatus,
                                                ReferralStatus, JobRunStatus)
