"""The ingest pipeline of one version: guards → parse → validate → store, all or nothing.

Runs inside the child process started by :mod:`supervision.filings.runner` (never in a web
worker). Progress is committed on its own connection while nothing else is being written; the
content of the version, its issues and its new state are written in ONE transaction, so a crash
or a kill leaves no partial rows (the version is then marked FAILED by the parent and can be
re-run).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator

from flask import current_app
from sqlalchemy import insert, select, update

from supervision.audit.services import record
from supervision.domain.enums import PROCESSABLE_STATES, FilingKind, Severity, VersionStatus
from supervision.extensions import db
from supervision.filings import bulkload, pgcopy, services, spooltasks
from supervision.filings.bulkload import DETAIL_COLUMNS, FAVOURABLE  # noqa: F401 (re-exported)
from supervision.filings.content_models import ComplaintRow, ValidationIssue
from supervision.filings.models import FilingVersion
from supervision.filings.storing import TABLES, derive_figures, spool_sums_beside, store  # noqa: F401 (re-exported)
from supervision.ingest.guards import Limits, check_file
from supervision.ingest.issues import Issue
from supervision.ingest.reader import open_workbook
from supervision.ingest.validate import validate
from supervision.timeutil import utcnow
from supervision.topics.search import after_commit
from supervision.transactions import begin_write, write_connection

log = logging.getLogger(__name__)
PROGRESS_EVERY = 5000



def limits_from_config() -> Limits:
    """The §3 limits as configured."""
    c = current_app.config
    return Limits(max_upload_bytes=int(c["MAX_UPLOAD_BYTES"]), max_unpacked_bytes=int(c["MAX_UNPACKED_BYTES"]),
                  max_ratio=int(c["MAX_COMPRESSION_RATIO"]), max_rows=int(c["MAX_ROWS"]),
                  max_columns=int(c["MAX_COLUMNS"]))


def set_progress(version_id: int, **progress) -> None:
    """Commit progress on its own short transaction (visible at once to the filing page)."""
    progress["at"] = time.time()
    with write_connection(db.engine) as conn:  # read and written at once: begun as a writer
        current = conn.execute(select(FilingVersion.progress).where(FilingVersion.id == version_id)).scalar() or {}
        conn.execute(update(FilingVersion).where(FilingVersion.id == version_id)
                     .values(progress={**current, **progress}))


class CountingWorkbook:
    """Wraps an opened workbook to report rows read as progress while validation streams them."""

    def __init__(self, workbook, version_id: int):
        self._wb, self._version_id, self._rows = workbook, version_id, 0
        self._column_rows: dict[str, int] = {}
        self.sheet_names = workbook.sheet_names
        #: switched off before storing: the store transaction holds the version's row, so a
        #: progress write on another connection would wait for it (a self-deadlock)
        self.reporting = True

    def __getattr__(self, name: str):
        """Everything else (engine, extents, the column-wise reader's needs) is the wrapped workbook's."""
        return getattr(self._wb, name)

    def report_rows(self, rows: int, sheet_name: str) -> None:
        """Progress of a sheet read column-wise: ``rows`` data rows of ``sheet_name`` done so far."""
        self._column_rows[sheet_name] = rows
        if self.reporting:
            set_progress(self._version_id, stage="reading", rows_read=self.rows_read, sheet=sheet_name)

    def rows(self, sheet_name: str) -> Iterator:
        """The wrapped workbook's rows, counted."""
        for item in self._wb.rows(sheet_name):
            self._rows += 1
            if self.reporting and self._rows % PROGRESS_EVERY == 0:
                set_progress(self._version_id, stage="reading", rows_read=self._rows, sheet=sheet_name)
            yield item

    @property
    def rows_read(self) -> int:
        """Rows read so far (all sheets)."""
        return self._rows + sum(self._column_rows.values())


def _issue_rows(version_id: int, issues: Iterable[Issue]) -> list[dict]:
    return [{"version_id": version_id, "rule": i.rule, "severity": i.severity, "sheet": i.sheet, "row": i.row,
             "column": i.column, "field": i.field, "value": i.value, "message_zh": i.message_zh,
             "message_en": i.message_en} for i in issues]


def earlier_complaints(institution_id: int, period_code: str) -> Callable[[set[str]], set[str]]:
    """``C09``'s look-up: which of some complaint ids name a complaint in the versions that count of
    the institution's earlier periods (queried in chunks, only for the references a filing could
    not resolve itself)."""
    def lookup(refs: set[str]) -> set[str]:
        from supervision.filings.counting import counts_condition
        from supervision.periods.models import Period

        found: set[str] = set()
        ids = sorted(refs)
        with db.engine.connect() as conn:  # its own short read: the pipeline holds no transaction here
            for start in range(0, len(ids), 500):
                found.update(conn.execute(
                    select(ComplaintRow.complaint_id).join(FilingVersion, FilingVersion.id == ComplaintRow.version_id)
                    .join(Period, Period.id == ComplaintRow.period_id)
                    .where(ComplaintRow.institution_id == institution_id, Period.code < period_code,
                           ComplaintRow.complaint_id.in_(ids[start:start + 500]),
                           counts_condition(FilingVersion))).scalars())
        return found
    return lookup


def registered_names(inst) -> list[str]:
    """Names the cover's institution_name may carry without a W-NAME warning."""
    return [n for n in [inst.name, inst.short_name, *(a.alias for a in inst.aliases)] if n]


def process_version(version_id: int, early_guard=None, path: str | None = None) -> str:
    """Run the whole pipeline for one version; returns its final status.

    ``path``: a local copy of the version's original (the ingest child is given one by its parent);
    without it the original is read from the configured store (a private copy for object storage).
    """
    if path is None:
        version = db.session.get(FilingVersion, version_id)
        if version is None:
            raise LookupError(f"version {version_id} not found")
        if version.status not in PROCESSABLE_STATES:
            return version.status
        with services.original_file(version) as local:
            return _process_version(version_id, early_guard, str(local))
    return _process_version(version_id, early_guard, path)


def _process_version(version_id: int, early_guard, path: str) -> str:
    """:func:`process_version` on the local file ``path``.

    ``early_guard``: a callable giving ``(key, limits, GuardResult)`` computed beforehand (see
    :func:`supervision.filings.child.early_guard` and :func:`~supervision.filings.child.guard_source`);
    used only if it is about this version's file (``key``: the local path given, or ``sha256:`` and
    the version's SHA-256) with the configured limits, else the guards run here.

    No transaction is held while the file is guarded (progress is committed on its own connection
    throughout). None is held while it is validated either, except on PostgreSQL where
    ``INGEST_COPY_WHILE_READING`` wants it: there the version's transaction begins with the read of
    a CMP file, and the detail rows are copied into it as they are validated
    (:mod:`supervision.filings.pgcopy`; rolled back unless the version is valid). The
    content, issues and new state are written in that one transaction, after the version's status
    was read afresh.
    """
    begin_write(db.session)  # other ingests commit meanwhile (SQLite: see supervision.transactions)
    version = db.session.get(FilingVersion, version_id)
    if version is None:
        db.session.rollback()
        raise LookupError(f"version {version_id} not found")
    if version.status not in PROCESSABLE_STATES:
        status = version.status
        db.session.rollback()  # nothing to do: the write lock is not kept
        return status
    filing, inst, period = version.filing, version.filing.institution, version.filing.period
    job = {"kind": filing.kind, "code": inst.code, "inst_id": inst.id, "sector": inst.sector,
           "keys": {"version_id": version.id, "institution_id": inst.id, "period_id": period.id},
           "names": registered_names(inst),
           "period": period.code, "start": period.start_date, "end": period.end_date,
           "path": path, "sha256": version.sha256}
    started = time.monotonic()
    version.status = VersionStatus.VALIDATING
    version.processing_started_at = utcnow()
    version.failure = None
    version.progress = {"stage": "guards", "at": time.time()}
    db.session.commit()  # ends the transaction: none is held while reading the file
    with contextlib.ExitStack() as cleanup:
        return _guarded_version(version_id, early_guard, job, started, cleanup)


def _guarded_version(version_id: int, early_guard, job: dict, started: float, cleanup: contextlib.ExitStack) -> str:
    """The rest of :func:`_process_version` once the version is VALIDATING: guards, read and
    validation, then the store in one transaction and the checks after acceptance (``cleanup``:
    what must end with the version, whatever happens)."""
    cap = int(current_app.config["ERROR_CAP_PER_RULE"])
    limits = limits_from_config()
    if early_guard is not None:  # while the helper guards: load the readers (no file is opened) ...
        from supervision.ingest import coldetail, colread, spool  # noqa: F401

        colread.preload()
        if job["kind"] == FilingKind.CMP and db.engine.dialect.name == "sqlite":
            from supervision import sqlitestage

            sqlitestage.available()  # the staging driver (0.1 s of imports): before the read, not after
        # ... and what storing and the checks after acceptance import (off the critical path)
        from supervision.analytics import columnar  # noqa: F401
        from supervision.checks import engine  # noqa: F401
        from supervision.topics import beside, derive  # noqa: F401
    early = early_guard() if early_guard is not None else None
    if early is not None and early[0] in (str(job["path"]), f"sha256:{job['sha256']}") and early[1] == limits:
        guard = early[2]  # about this very file: its stored path, or bytes of its SHA-256 (the command's copy)
        guard.path = job["path"]
    else:
        guard = check_file(job["path"], limits)
    if not guard.ok:
        totals: dict[str, int] = {}
        for i in guard.issues:
            totals[i.rule] = totals.get(i.rule, 0) + 1
        return _finish_rejected(version_id, guard.issues, totals, {}, started, None)
    timings = {"guards": round(time.monotonic() - started, 3)}  # seconds per stage, kept in the progress
    topic_server = spooltasks.topic_server(job["kind"])  # builds its tokenizer on the core the read leaves idle
    if topic_server is not None:
        cleanup.callback(topic_server.cancel)  # unless its answer was taken: a rejected or failed version
    mark = time.monotonic()
    set_progress(version_id, stage="reading", rows_read=0)
    # the rows are stored while the sheet is read: staged (SQLite) or copied into the version's
    # transaction (PostgreSQL, where wanted: see supervision.filings.pgcopy)
    staged = bulkload.stager(job["keys"]) if job["kind"] == FilingKind.CMP else None
    if staged is not None:
        cleanup.callback(staged.close)
    running = None  # the cube's sums, added up as the windows are read
    from supervision.ingest.spool import Listeners  # polars: only in the process that parses

    if job["kind"] == FilingKind.CMP:
        from supervision.analytics.columnar import RunningSums

        running = RunningSums()
        cleanup.callback(running.close)
    with open_workbook(job["path"], guard=guard) as wb:
        counting = CountingWorkbook(wb, version_id)
        result = validate(counting, kind=job["kind"], institution_code=job["code"], period=job["period"],
                          period_start=job["start"], period_end=job["end"], sector=job["sector"],
                          registered_names=job["names"], cap_per_rule=cap,
                          earlier_complaints=earlier_complaints(job["inst_id"], job["period"]),
                          spool_listener=Listeners(staged, running))
        set_progress(version_id, stage="validating", rows_read=counting.rows_read)
        timings["read_validate"] = round(time.monotonic() - mark, 3)
        mark = time.monotonic()
        template_version = str(result.cover.get("template_version") or "") or None
        if not result.ok:
            pgcopy.settle(staged, keep=False)  # PostgreSQL: the rows copied while read are rolled back
            result.close()
            return _finish_rejected(version_id, result.issues.issues, result.issues.totals, result.row_counts,
                                    started, template_version)
        # what is taken from the spool starts now, beside the copy's end (PostgreSQL) and the store
        topics = spooltasks.send_topics(topic_server, result.spool)
        own = (spooltasks.own_facts_beside(result, cleanup, job["end"]) if spooltasks.checks_follow(job["kind"])
               else None)
        grouped = spool_sums_beside(result, cleanup, running)
        pgcopy.settle(staged, keep=True)  # PostgreSQL: kept in the version's transaction, or rolled back
        set_progress(version_id, stage="storing", rows_read=counting.rows_read,
                     rows_total=sum(result.row_counts.values()))
        counting.reporting = False
        version = _still_ours(version_id)  # the transaction of the whole content (begun by the copy, if any)
        if version.status != VersionStatus.VALIDATING:  # recovered as FAILED meanwhile: store nothing
            result.close()
            db.session.rollback()
            return version.status
        version.template_version = template_version
        counts = store(version, result, timings, staged, grouped)
        own_facts = spooltasks.own_facts(own)  # read from the spool: taken before the spool is removed
        result.close()
    if len(result.issues):
        db.session.execute(insert(ValidationIssue.__table__), _issue_rows(version.id, result.issues.issues))
    version.row_counts = dict(result.row_counts)
    version.rule_totals = dict(result.issues.totals)
    version.blocking_count = 0
    version.warning_count = result.issues.count(Severity.WARNING)
    version.on_time = services.is_on_time(version, version.filing.period)
    services.set_status(None, version, VersionStatus.VALIDATED, audit=False)
    record("filing_validated", actor_label="ingest", object_type="filing_version", object_id=version.id,
           detail={"rows": counts, "warnings": version.warning_count})
    if current_app.config["AUTO_ACCEPT"]:
        services.accept(None, version)
    seconds = round(time.monotonic() - started, 3)
    rows_read = sum(result.row_counts.values())
    status = version.status
    checks = status == VersionStatus.ACCEPTED and current_app.config.get("CHECKS_AFTER_ACCEPT", True)
    timings["store"] = round(time.monotonic() - mark, 3)  # the content, issues, state and audit (cube included)
    version.progress = {"stage": "checks" if checks else "done", "rows_read": rows_read, "seconds": seconds,
                        "timings": timings, "at": time.time()}
    if not checks:
        version.processing_finished_at = utcnow()
    mark = time.monotonic()
    db.session.commit()
    timings["commit"] = round(time.monotonic() - mark, 3)
    if job["kind"] == FilingKind.CMP:  # the search's copy of the summaries, off this path (PostgreSQL)
        after_commit(version_id, current_app.config.get("TASK_BACKEND", "thread"))
    if checks:
        outcome = _checks_after_accept(version_id, topics, own_facts)
        begin_write(db.session)
        finished = db.session.get(FilingVersion, version_id)
        finished.progress = {"stage": "done", "rows_read": rows_read, "seconds": seconds,
                             "checks_seconds": round(time.monotonic() - started - seconds, 3), "checks": outcome,
                             "timings": timings, "at": time.time()}
        finished.processing_finished_at = utcnow()
        db.session.commit()
    return status


def _still_ours(version_id: int) -> FilingVersion:
    """The version, read afresh (locked on PostgreSQL) before the result is written: if recovery
    marked it FAILED meanwhile (issue 11, defect 3), the caller stores nothing. The transaction
    that writes the result begins here, as a writer."""
    begin_write(db.session)
    q = select(FilingVersion).where(FilingVersion.id == version_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return db.session.scalar(q)


def _checks_after_accept(version_id: int, topics=None, own_facts=None) -> str:
    """§6: P*, X*, D* run once a version is accepted; a failing check never undoes the ingest but is
    recorded visibly (progress, audit) so a regulator can re-run the period's checks. ``topics``:
    the topic tally made beside the store (:func:`~supervision.filings.spooltasks.topic_server`), if
    any; ``own_facts``: the version's own facts of the checks taken from its spool
    (:func:`~supervision.filings.spooltasks.own_facts_beside`), if any."""
    from supervision.checks.engine import run_after_accept

    try:
        begin_write(db.session)  # the checks read, then write their findings
        run_after_accept(version_id, topics, own_facts)
    except Exception as exc:
        db.session.rollback()
        begin_write(db.session)
        log.exception("checks after accepting version %s failed", version_id)
        record("checks_failed", actor_label="ingest", object_type="filing_version", object_id=version_id,
               result="error", detail={"error": type(exc).__name__})
        db.session.commit()
        return f"failed: {type(exc).__name__}"
    return "ok"


def _finish_rejected(version_id: int, issues: list[Issue], totals: dict[str, int], rows: dict[str, int],
                     started: float, template_version: str | None) -> str:
    version = _still_ours(version_id)
    if version.status != VersionStatus.VALIDATING:  # recovered as FAILED meanwhile: store nothing
        db.session.rollback()
        return version.status
    version.template_version = template_version
    if issues:
        db.session.execute(insert(ValidationIssue.__table__), _issue_rows(version.id, issues))
    version.rule_totals = dict(totals)
    version.row_counts = dict(rows)
    version.blocking_count = sum(n for r, n in totals.items() if _severity(r) == Severity.BLOCKING)
    version.warning_count = sum(n for r, n in totals.items() if _severity(r) == Severity.WARNING)
    version.on_time = False
    services.set_status(None, version, VersionStatus.REJECTED, audit=False)
    record("filing_rejected", actor_label="ingest", object_type="filing_version", object_id=version.id,
           detail={"rules": totals})
    from supervision.notifications.events import notify_filing_rejected

    notify_filing_rejected(version)
    version.processing_finished_at = utcnow()
    version.progress = {"stage": "done", "seconds": round(time.monotonic() - started, 3), "at": time.time()}
    db.session.commit()
    return version.status


def _severity(rule: str) -> str:
    from supervision.rules import catalog

    return catalog.get(rule).severity


def issue_json(issue: Issue) -> dict:
    """JSON shape of one failure: ``{rule, severity, sheet, row, column, value, message}``."""
    return {"rule": issue.rule, "severity": issue.severity, "sheet": issue.sheet, "row": issue.row,
            "column": issue.column, "field": issue.field, "value": issue.value,
            "message": f"{issue.message_zh} / {issue.message_en}"}


def dry_run(path: str, institution_code: str, period_code: str, kind: str) -> dict:
    """Validate a file as (institution, period, kind) and report, storing nothing."""
    from supervision.orgs.services import get_institution
    from supervision.periods.services import get_period

    inst, period = get_institution(institution_code), get_period(period_code)
    guard = check_file(path, limits_from_config())
    if not guard.ok:
        totals: dict[str, int] = {}
        for i in guard.issues:
            totals[i.rule] = totals.get(i.rule, 0) + 1
        return {"status": VersionStatus.REJECTED, "rows": {}, "errors": [issue_json(i) for i in guard.issues],
                "totals": totals}
    with open_workbook(path, guard=guard) as wb:
        result = validate(wb, kind=kind, institution_code=inst.code, period=period.code,
                          period_start=period.start_date, period_end=period.end_date, sector=inst.sector,
                          registered_names=registered_names(inst),
                          cap_per_rule=int(current_app.config["ERROR_CAP_PER_RULE"]),
                          earlier_complaints=earlier_complaints(inst.id, period.code))
        result.close()
    return {"status": VersionStatus.VALIDATED if result.ok else VersionStatus.REJECTED,
            "rows": dict(result.row_counts),
            "errors": [issue_json(i) for i in result.issues.issues], "totals": dict(result.issues.totals)}
