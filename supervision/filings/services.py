"""Filing actions (spec §7a): submit an upload, accept, return, withdraw, supersede, reinstate.

Every function takes the acting user (None = an operator at the console), flushes and never
commits; the request, the CLI command or the job commits once — and then re-runs the checks of
the filing when :func:`return_version` or :func:`withdraw` changed which version counts
(:func:`supervision.checks.engine.run_after_change`).

Returning or withdrawing the version that counts reinstates the most recent earlier version that
had been accepted (``accepted_at``) and was later superseded; with none, no version counts and
the institution is 未报送 (lead's decision 2). :func:`consequence` tells a page what an action will
do *before* it is done, from the same plan the action follows (:func:`_plan`).
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from supervision.audit.services import record
from supervision.domain.calendar import today_local
from supervision.domain.enums import (
    DECISION_STATES,
    VERSION_TRANSITIONS,
    WITHDRAWABLE_STATES,
    FilingKind,
    ReportingStatus,
    Role,
    VersionStatus,
)
from supervision.domain.reporting import reporting_status
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.filings.counting import counting_version, first_without_blocking_errors, version_that_counts
from supervision.filings.models import Filing, FilingVersion
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.storage.service import StoredFile, store_upload
from supervision.timeutil import as_utc, utcnow


class FilingError(ServiceError):
    """A refused filing action (bilingual message, HTTP status)."""


@dataclass(frozen=True)
class Submission:
    """Outcome of :func:`submit`: the version and whether it is a new one (False = identical file)."""

    version: FilingVersion
    created: bool


def upload_root() -> Path:
    """Folder of stored originals (``SUPERVISION_UPLOAD_FOLDER``) of the local store."""
    return Path(current_app.config["UPLOAD_FOLDER"])


def version_path(version: FilingVersion) -> Path:
    """Path of a version's original bytes in the local store (object storage: use
    :func:`original_file`)."""
    return upload_root() / version.storage_path


def original_file(version: FilingVersion, *, verify: bool = False):
    """Context giving a local path of the version's original (the stored file, or a private copy
    streamed from object storage and checked against its SHA-256)."""
    from supervision.storage.service import materialise

    return materialise("uploads", version.storage_path, version.sha256, verify=verify)


def annotated_workbook(version: FilingVersion) -> bytes:
    """The version's own workbook with every offending cell marked and a 校验结果 sheet (the pages'
    and the API's download): the original is read from the store and checked against its SHA-256
    (a missing or damaged one raises :class:`~supervision.storage.StorageError`); the workbook is
    written in this node's scratch folder (swept if a process dies) and removed at once."""
    import tempfile

    from supervision.filings import queries
    from supervision.ingest.annotate import annotate
    from supervision.storage.service import scratch_dir

    handle, name = tempfile.mkstemp(prefix=".export-annotated-", suffix=".xlsx", dir=scratch_dir())
    os.close(handle)
    target = Path(name)
    try:
        with original_file(version, verify=True) as source:
            annotate(source, [queries.as_issue(i) for i in queries.issues_of(version)], target,
                     totals=version.rule_totals or {})
        return target.read_bytes()
    finally:
        target.unlink(missing_ok=True)


def check_can_file(actor, institution: Institution) -> None:
    """Filers file for their own institution; supervisors and console operators may file for any."""
    if actor is None or actor.role == Role.SUPERVISOR:
        return
    if actor.role == Role.FILER and actor.institution_id == institution.id:
        return
    raise FilingError("无权为该机构报送 / you may not file for this institution", 403)


def check_expected(institution: Institution, period: Period) -> None:
    """Refuse a filing for a quarter the institution is not expected in (decision 5): before its
    ``active_from`` or after its ``active_until``; an administrator back-fills by setting an
    earlier ``active_from``."""
    if institution.expected_in(period.code):
        return
    start, until = institution.active_from, institution.active_until
    zh = f"{start} 至 {until}" if until else f"{start} 起"
    en = f"{start} to {until}" if until else f"from {start}"
    command = f"supervision institutions set-active {institution.code} --from {period.code}"
    raise FilingError(
        f"{institution.name} 的应报季度为 {zh}，不含 {period.code}；补录更早的期间须由管理员先调整起始季度"
        f"（管理后台，或 {command}） / {institution.code} is expected to file {en}, not for {period.code}; to "
        f"back-fill an earlier period an administrator first sets an earlier first quarter (admin page, or "
        f"`{command}`)", 409)


def check_period_open(period: Period) -> None:
    """Refuse new versions for a locked period (§2) unless a supervisor unlocked it."""
    if period.is_locked(today_local()):
        raise FilingError(
            f"报送期 {period.code} 已于 {period.lock_date.isoformat()} 锁定，需审核员解锁后方可报送 / "
            f"period {period.code} locked on {period.lock_date.isoformat()}; a supervisor must unlock it (§2)", 409)


def store_original(stream: BinaryIO) -> StoredFile:
    """Keep the uploaded bytes exactly (SHA-256 named), whatever happens next."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    try:
        return store_upload(stream, limit=limit, hard_limit=limit + 16 * 1024 * 1024)
    except ValueError as exc:
        raise FilingError(f"文件超过平台上传上限 (F05) / the file is larger than the platform accepts (F05): {exc}",
                          413) from exc


def _get_or_create_filing(institution: Institution, period: Period, kind: str) -> Filing:
    filing = db.session.scalar(select(Filing).where(Filing.institution_id == institution.id,
                                                    Filing.period_id == period.id, Filing.kind == kind))
    if filing is not None:
        return filing
    try:
        with db.session.begin_nested():
            filing = Filing(institution_id=institution.id, period_id=period.id, kind=kind)
            db.session.add(filing)
    except IntegrityError:
        filing = db.session.scalar(select(Filing).where(Filing.institution_id == institution.id,
                                                        Filing.period_id == period.id, Filing.kind == kind))
    return filing


def _lock_filing(filing: Filing) -> None:
    """Serialise writers of one filing: a row lock on PostgreSQL; SQLite's write lock serialises
    whole transactions (the first write below takes it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Filing.id).where(Filing.id == filing.id).with_for_update())


def clean_filename(name: str) -> str:
    """A file name safe to store and to send back in ``Content-Disposition``: control characters
    (CR, LF, NUL, …) and path separators become ``_``; at most 255 characters; never empty."""
    cleaned = "".join("_" if (ord(ch) < 32 or ord(ch) == 127 or ch in "/\\") else ch for ch in (name or ""))
    return cleaned.strip()[:255] or "upload.xlsx"


def check_can_submit(actor, institution: Institution, period: Period, kind: str, *, historic: bool = False) -> None:
    """Every refusal of :func:`submit` that does not depend on the file, so a page can check them
    *before* storing the upload (a refused upload leaves no file behind)."""
    if kind not in FilingKind.values():
        raise FilingError(f"报表类型无效 / unknown filing kind {kind!r}; one of {', '.join(FilingKind.values())}")
    check_can_file(actor, institution)
    check_expected(institution, period)
    if not (historic and actor is None):  # only the demo loader replays history into locked periods
        check_period_open(period)


def submit(actor, institution: Institution, period: Period, kind: str, stored: StoredFile,
           filename: str, *, historic: bool = False) -> Submission:
    """Register an upload as a new version of (institution, period, kind), or return the existing
    version when the identical file (same SHA-256) was uploaded before.

    Concurrent uploads of one filing are serialised: each gets the next version number (documented
    in docs/decisions.md), never two versions with one number.
    """
    check_can_submit(actor, institution, period, kind, historic=historic)
    filename = clean_filename(filename or "upload.xlsx")
    for attempt in range(20):
        try:
            with db.session.begin_nested():
                filing = _get_or_create_filing(institution, period, kind)
                _lock_filing(filing)
                same = db.session.scalar(select(FilingVersion).where(FilingVersion.filing_id == filing.id,
                                                                     FilingVersion.sha256 == stored.sha256))
                if same is not None:
                    record("filing_upload_duplicate", actor=actor, object_type="filing_version",
                           object_id=same.id, detail={"sha256": stored.sha256, "filename": filename[:255]})
                    return Submission(same, False)
                number = (db.session.scalar(select(func.max(FilingVersion.number))
                                            .where(FilingVersion.filing_id == filing.id)) or 0) + 1
                version = FilingVersion(filing_id=filing.id, number=number, status=VersionStatus.RECEIVED,
                                        sha256=stored.sha256, size=stored.size,
                                        original_filename=(filename or "upload.xlsx")[:255],
                                        storage_path=stored.relative,
                                        uploaded_by_id=getattr(actor, "id", None), uploaded_at=utcnow(),
                                        progress={"stage": "queued"})
                db.session.add(version)
                db.session.flush()
            record("filing_upload", actor=actor, object_type="filing_version", object_id=version.id,
                   detail={"institution": institution.code, "period": period.code, "kind": kind,
                           "number": number, "sha256": stored.sha256, "size": stored.size})
            return Submission(version, True)
        except IntegrityError:
            continue  # another upload took this number: the savepoint is gone, try the next one
        except OperationalError:
            # SQLite: our snapshot went stale while another writer committed (or the write lock is
            # held); start afresh after a short, jittered pause.
            db.session.rollback()
            time.sleep(random.uniform(0.02, 0.08) * (attempt + 1))
            institution, period = db.session.merge(institution), db.session.merge(period)
            continue
    raise FilingError("并发上传冲突，请重试 / concurrent uploads collided, please retry", 409)


def set_status(actor, version: FilingVersion, status: VersionStatus, note: str | None = None,
               audit: bool = True) -> None:
    """Move a version along the §7a lifecycle (refusing transitions the lifecycle does not allow)."""
    if status not in VERSION_TRANSITIONS.get(version.status, frozenset()):
        (fz, fe), (tz, te) = VersionStatus.zh_en(version.status), VersionStatus.zh_en(status)
        raise FilingError(f"状态不能从“{fz}”变为“{tz}” / cannot move from “{fe}” to “{te}”", 409)
    before = version.status
    version.status = status
    version.status_changed_at = utcnow()
    if status == VersionStatus.ACCEPTED and version.accepted_at is None:
        version.accepted_at = version.status_changed_at
    if note is not None:
        version.note = note
    if status in DECISION_STATES:
        version.decided_by_id = getattr(actor, "id", None)
    if audit:
        record("filing_status", actor=actor, object_type="filing_version", object_id=version.id,
               detail={"from": before, "to": status, "note": note})


def is_on_time(version: FilingVersion, period: Period) -> bool:
    """§2 timely: received by the end of the due date (Asia/Shanghai)."""
    return as_utc(version.uploaded_at) < period.due_at


def accept(actor, version: FilingVersion) -> None:
    """Accept a validated version; older accepted/validated versions become SUPERSEDED. When a newer
    version already counts, this one is superseded instead (the latest accepted counts:
    :mod:`supervision.filings.counting`)."""
    filing = version.filing
    _lock_filing(filing)
    current = counting_version(filing.institution_id, filing.period_id, filing.kind)
    if current is not None and current.number > version.number:
        n = current.number  # notes stay as written: both languages, Chinese first
        set_status(actor, version, VersionStatus.SUPERSEDED, note=f"v{n} 已采纳 / v{n} already accepted")
        return
    set_status(actor, version, VersionStatus.ACCEPTED)
    older = db.session.scalars(select(FilingVersion).where(
        FilingVersion.filing_id == filing.id, FilingVersion.id != version.id,
        FilingVersion.number < version.number,
        FilingVersion.status.in_((VersionStatus.ACCEPTED, VersionStatus.VALIDATED)))).all()
    for old in older:
        n = version.number
        set_status(actor, old, VersionStatus.SUPERSEDED, note=f"已被 v{n} 取代 / superseded by v{n}")


@dataclass(frozen=True)
class _Step:
    """A version as the plan sees it (number, state, upload and acceptance times)."""

    id: int
    number: int
    status: str
    uploaded_at: object
    accepted_at: object


def _plan(version: FilingVersion, to_status: VersionStatus) -> tuple[list[_Step], _Step | None, bool]:
    """What moving ``version`` to ``to_status`` does to its filing: the versions afterwards, the one
    reinstated (the most recent earlier version that had been accepted and is SUPERSEDED), and
    whether ``version`` counted before. The one plan behind :func:`consequence` and the actions."""
    steps = [_Step(v.id, v.number, v.status, v.uploaded_at, v.accepted_at) for v in version.filing.versions]
    counted = version_that_counts(steps)
    was_counting = counted is not None and counted.id == version.id
    after = [replace(s, status=to_status) if s.id == version.id else s for s in steps]
    reinstated = None
    if was_counting:
        earlier = [s for s in after if s.number < version.number and s.status == VersionStatus.SUPERSEDED
                   and s.accepted_at is not None]
        if earlier:
            reinstated = max(earlier, key=lambda s: s.number)
            after = [replace(s, status=VersionStatus.ACCEPTED) if s.id == reinstated.id else s for s in after]
    return after, reinstated, was_counting


@dataclass(frozen=True)
class Consequence:
    """What returning or withdrawing a version will do, shown before the click (decision 2).

    ``counted`` — the version counts now; ``current`` — the version that counts now (None: none);
    ``reinstated`` — the version that will count instead
    (None: none); ``status_before``/``status_after`` — the filing's reporting status (on time, late,
    missing) now and afterwards; ``expected`` — the institution is expected in the period (it is in
    the league draft and the reporting rate); ``league`` — the filing feeds the league table (CMP)."""

    version: FilingVersion
    to_status: VersionStatus
    counted: bool
    current: FilingVersion | None
    reinstated: FilingVersion | None
    status_before: ReportingStatus
    status_after: ReportingStatus
    expected: bool
    league: bool

    @property
    def drops_out(self) -> bool:
        """True when no version will count afterwards (the institution becomes 未报送)."""
        return self.status_after == ReportingStatus.MISSING and self.status_before != ReportingStatus.MISSING


def _status(steps, due) -> ReportingStatus:
    first = first_without_blocking_errors(steps)
    return reporting_status(version_that_counts(steps) is not None, as_utc(first.uploaded_at) if first else None, due)


def consequence(version: FilingVersion, to_status: VersionStatus) -> Consequence:
    """What moving ``version`` to RETURNED or WITHDRAWN will do (nothing is changed)."""
    filing = version.filing
    before = [_Step(v.id, v.number, v.status, v.uploaded_at, v.accepted_at) for v in filing.versions]
    after, reinstated, counted = _plan(version, to_status)
    due = filing.period.due_at
    current = version_that_counts(filing.versions)
    return Consequence(version, to_status, counted, current,
                       db.session.get(FilingVersion, reinstated.id) if reinstated else None,
                       _status(before, due), _status(after, due), filing.institution.expected_in(filing.period.code),
                       filing.kind == FilingKind.CMP)


def _leave_counting(actor, version: FilingVersion, to_status: VersionStatus, note: str) -> FilingVersion | None:
    """Move ``version`` to ``to_status`` and, when it counted, reinstate the previous accepted
    version (audited as a reinstatement with the reason). Returns the reinstated version."""
    _lock_filing(version.filing)
    db.session.refresh(version.filing)
    _after, reinstated, _counted = _plan(version, to_status)
    set_status(actor, version, to_status, note=note)
    if reinstated is None:
        return None
    back = db.session.get(FilingVersion, reinstated.id)
    reason = f"v{version.number} {to_status.value}: {note}"
    set_status(actor, back, VersionStatus.ACCEPTED, note=f"reinstated: v{version.number} {to_status.value}",
               audit=False)
    record("filing_reinstated", actor=actor, object_type="filing_version", object_id=back.id,
           detail={"from": VersionStatus.SUPERSEDED, "to": VersionStatus.ACCEPTED, "instead_of": version.id,
                   "instead_of_number": version.number, "because": to_status.value, "reason": reason})
    return back


def return_version(actor, version: FilingVersion, note: str) -> FilingVersion | None:
    """A supervisor sends a validated or accepted version back with a note (§7a). Returning the
    version that counts reinstates the previous accepted one (decision 2); returns it (or None)."""
    if actor is not None and actor.role != Role.SUPERVISOR:
        raise FilingError("只有审核员可以退回报送 / only supervisors return filings", 403)
    from supervision.scope import check_can_act

    check_can_act(actor, version.filing.institution_id)  # the lead agency's subtree, not a sharing partner
    if not (note or "").strip():
        raise FilingError("退回须填写说明 / a note is required to return a filing")
    if VersionStatus.RETURNED not in VERSION_TRANSITIONS.get(version.status, frozenset()):
        zh, en = VersionStatus.zh_en(version.status)
        raise FilingError(f"只有校验通过或已采纳的版本可以退回（该版本为“{zh}”） / only validated or accepted versions "
                          f"can be returned (this one is “{en}”)", 409)
    back = _leave_counting(actor, version, VersionStatus.RETURNED, note.strip())
    from supervision.notifications.events import notify_filing_returned

    notify_filing_returned(version, note.strip())
    return back


def check_can_withdraw(actor, version: FilingVersion) -> None:
    """Filers withdraw versions of their own institution; a console operator acts for an institution."""
    if actor is None:
        return
    if actor.role == Role.FILER and actor.institution_id == version.filing.institution_id:
        return
    raise FilingError("只有本机构报送人员可以撤回报送 / only the institution's filers withdraw its filings", 403)


def withdraw(actor, version: FilingVersion, note: str) -> FilingVersion | None:
    """A filer withdraws a processed version of their institution with a note (§1.3, decision 3):
    from VALIDATED, ACCEPTED, REJECTED or FAILED, only while the period is open. A withdrawn version
    never counts and is not a filing for timeliness; withdrawing the version that counts reinstates
    the previous accepted one (decision 2). Returns the reinstated version (or None)."""
    check_can_withdraw(actor, version)
    if not (note or "").strip():
        raise FilingError("撤回须填写说明 / a note is required to withdraw a filing")
    if version.status not in WITHDRAWABLE_STATES:
        zh, en = VersionStatus.zh_en(version.status)
        raise FilingError(f"该版本为“{zh}”，不能撤回（处理中的版本须等处理完成；"
                          f"已被替代、已退回或已撤回的版本不能撤回） / "
                          f"a version that is “{en}” cannot be withdrawn (one being processed must finish first; "
                          f"superseded, returned and withdrawn ones are final)", 409)
    check_period_open(version.filing.period)
    return _leave_counting(actor, version, VersionStatus.WITHDRAWN, note.strip())


def accept_by(actor, version: FilingVersion) -> None:
    """A supervisor (or console operator) accepts a VALIDATED version."""
    if actor is not None and actor.role != Role.SUPERVISOR:
        raise FilingError("只有审核员可以采纳报送 / only supervisors accept filings", 403)
    from supervision.scope import check_can_act

    check_can_act(actor, version.filing.institution_id)  # the lead agency's subtree, not a sharing partner
    if version.status != VersionStatus.VALIDATED:
        zh, en = VersionStatus.zh_en(version.status)
        raise FilingError(f"只有校验通过的版本可以采纳（该版本为“{zh}”） / only validated versions can be accepted "
                          f"(this one is “{en}”)", 409)
    accept(actor, version)

