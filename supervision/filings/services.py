"""Filing actions (spec §7a): submit an upload, accept, return, supersede, fail and re-run.

Every function takes the acting user (None = an operator at the console), flushes and never
commits; the request, the CLI command or the job commits once.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from supervision.audit.services import record
from supervision.domain.calendar import today_local
from supervision.domain.enums import DECISION_STATES, VERSION_TRANSITIONS, FilingKind, Role, VersionStatus
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.filings.counting import counting_version
from supervision.filings.models import Filing, FilingVersion
from supervision.filings.storage import StoredFile, store_stream
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.timeutil import as_utc, utcnow


class FilingError(ServiceError):
    """A refused filing action (bilingual message, HTTP status)."""


@dataclass(frozen=True)
class Submission:
    """Outcome of :func:`submit`: the version and whether it is a new one (False = identical file)."""

    version: FilingVersion
    created: bool


def upload_root() -> Path:
    """Folder of stored originals (``SUPERVISION_UPLOAD_FOLDER``)."""
    return Path(current_app.config["UPLOAD_FOLDER"])


def version_path(version: FilingVersion) -> Path:
    """Absolute path of a version's original bytes."""
    return upload_root() / version.storage_path


def check_can_file(actor, institution: Institution) -> None:
    """Filers file for their own institution; supervisors and console operators may file for any."""
    if actor is None or actor.role == Role.SUPERVISOR:
        return
    if actor.role == Role.FILER and actor.institution_id == institution.id:
        return
    raise FilingError("无权为该机构报送 / you may not file for this institution", 403)


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
        return store_stream(upload_root(), stream, limit=limit, hard_limit=limit + 16 * 1024 * 1024)
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


def submit(actor, institution: Institution, period: Period, kind: str, stored: StoredFile,
           filename: str, *, historic: bool = False) -> Submission:
    """Register an upload as a new version of (institution, period, kind), or return the existing
    version when the identical file (same SHA-256) was uploaded before.

    Concurrent uploads of one filing are serialised: each gets the next version number (documented
    in docs/decisions.md), never two versions with one number.
    """
    if kind not in FilingKind.values():
        raise FilingError(f"报表类型无效 / unknown filing kind {kind!r}; one of {', '.join(FilingKind.values())}")
    check_can_file(actor, institution)
    if not (historic and actor is None):  # only the demo loader replays history into locked periods
        check_period_open(period)
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
        raise FilingError(f"状态不能从 {version.status} 变为 {status} / cannot move from {version.status} to {status}",
                          409)
    before = version.status
    version.status = status
    version.status_changed_at = utcnow()
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
        set_status(actor, version, VersionStatus.SUPERSEDED, note=f"v{current.number} already accepted")
        return
    set_status(actor, version, VersionStatus.ACCEPTED)
    older = db.session.scalars(select(FilingVersion).where(
        FilingVersion.filing_id == filing.id, FilingVersion.id != version.id,
        FilingVersion.number < version.number,
        FilingVersion.status.in_((VersionStatus.ACCEPTED, VersionStatus.VALIDATED)))).all()
    for old in older:
        set_status(actor, old, VersionStatus.SUPERSEDED, note=f"superseded by v{version.number}")


def return_version(actor, version: FilingVersion, note: str) -> None:
    """A supervisor sends a validated or accepted version back with a note (§7a)."""
    if actor is not None and actor.role != Role.SUPERVISOR:
        raise FilingError("只有审核员可以退回报送 / only supervisors return filings", 403)
    if not (note or "").strip():
        raise FilingError("退回须填写说明 / a note is required to return a filing")
    set_status(actor, version, VersionStatus.RETURNED, note=note.strip())


def accept_by(actor, version: FilingVersion) -> None:
    """A supervisor (or console operator) accepts a VALIDATED version."""
    if actor is not None and actor.role != Role.SUPERVISOR:
        raise FilingError("只有审核员可以采纳报送 / only supervisors accept filings", 403)
    if version.status != VersionStatus.VALIDATED:
        raise FilingError(f"只有校验通过的版本可以采纳 / only VALIDATED versions can be accepted (is {version.status})",
                          409)
    accept(actor, version)

