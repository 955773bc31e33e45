"""Filing commands: ``ingest``, ``filings list|accept|return|withdraw|rerun`` and the RQ ``worker``."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from supervision.domain.enums import FilingKind, VersionStatus
from supervision.extensions import db

#: exit status 0: the version was validated (or accepted)
EXIT_OK = (VersionStatus.VALIDATED, VersionStatus.ACCEPTED)
#: ``app.extensions`` key of the guard helper started on ``supervision ingest``'s FILE: (path, pipe)
SOURCE_GUARD = "supervision_ingest_source_guard"
#: ``app.extensions`` key set when ``ingest`` runs as the console command (not inside a test's runner)
QUICK_EXIT = "supervision_ingest_quick_exit"


def _source_guard(path) -> int | None:
    """The pipe of the guard helper started on ``path`` by the command's start-up (see
    :func:`supervision.filings.child.guard_source`), or None (any other helper's pipe is closed)."""
    import os

    pending = current_app.extensions.pop(SOURCE_GUARD, None)
    if pending is None:
        return None
    if pending[0] == os.path.abspath(path):
        return pending[1]
    os.close(pending[1])
    return None



def _usage(message: str):
    click.echo(message, err=True)
    sys.exit(2)


def _report(version) -> dict:
    from supervision.filings import queries

    rows = [queries.issue_dict(i) for i in queries.issues_of(version)]
    for r in rows:
        for k in ("message_zh", "message_en", "field"):
            r.pop(k, None)
    totals = version.rule_totals or {}
    capped = {}
    for rule, total in totals.items():
        listed = sum(1 for r in rows if r["rule"] == rule)
        if total > listed:
            capped[rule] = total
    out = {"filing_id": version.filing_id, "version": version.number, "status": version.status,
           "sha256": version.sha256, "rows": version.row_counts or {}, "errors": rows}
    if capped:
        out["total"] = capped
    if version.failure:
        out["failure"] = version.failure
    return out


@click.command("ingest")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--institution", "institution_code", required=True, help="USCC of the filing institution.")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2024Q1.")
@click.option("--kind", type=click.Choice(FilingKind.values()), required=True)
@click.option("--dry-run", is_flag=True, help="Validate and report; store nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def ingest(file, institution_code, period_code, kind, dry_run, fmt):
    """Ingest FILE through the same service as the web upload and wait for the result.

    Exit status: 0 validated or accepted, 1 rejected (or failed), 2 usage error.
    """
    import os
    from pathlib import Path

    from supervision.filings import services
    from supervision.filings.runner import dry_run_in_child, run_version
    from supervision.orgs.services import get_institution
    from supervision.periods.services import get_period

    path = Path(file)
    if not path.is_file():
        _usage(f"文件不存在 / file not found: {file}")
    inst = get_institution(institution_code)
    if inst is None:
        _usage(f"机构不存在 / institution not found: {institution_code}")
    period = get_period(period_code)
    if period is None:
        _usage(f"报送期不存在 / period not found: {period_code} (supervision periods add {period_code})")
    guard_fd = _source_guard(path)
    if dry_run:
        report = dry_run_in_child(str(path), inst.code, period.code, kind)
        report = {"filing_id": None, "version": None, "sha256": None, **report}
        _emit(report, fmt)
        _exit_now(0 if report["status"] == VersionStatus.VALIDATED else 1)
    try:
        with path.open("rb") as fh:
            stored = services.store_original(fh)
        sub = services.submit(None, inst, period, kind, stored, path.name)
    except services.FilingError as exc:
        db.session.rollback()
        _usage(str(exc))
    db.session.commit()
    version_id = sub.version.id
    if sub.created or sub.version.status in (VersionStatus.RECEIVED, VersionStatus.FAILED):
        run_version(version_id, guard_fd=guard_fd)
    elif guard_fd is not None:
        os.close(guard_fd)
    from supervision.filings.models import FilingVersion

    db.session.expire_all()
    version = db.session.get(FilingVersion, version_id)
    report = _report(version)
    if not sub.created:
        report["duplicate"] = True
    _emit(report, fmt)
    _exit_now(0 if version.status in EXIT_OK else 1)


def _exit_now(code: int) -> None:
    """Exit with ``code``; the console command itself (see :func:`supervision.cli._create`) leaves at
    once once its output is flushed and its connections are closed — tearing the interpreter down
    costs ~0.3 s of CPU that nobody waits for."""
    if not current_app.extensions.get(QUICK_EXIT):
        sys.exit(code)
    import logging
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    db.session.remove()
    db.engine.dispose()
    logging.shutdown()
    os._exit(code)


def _emit(report: dict, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(f"status: {report['status']}  version: {report.get('version')}  sha256: {report.get('sha256')}")
    for sheet, n in (report.get("rows") or {}).items():
        click.echo(f"  rows {sheet}: {n}")
    for e in report.get("errors", [])[:200]:
        cell = f"{e['column']}{e['row']}" if e["column"] else e["row"]
        where = " ".join(str(x) for x in (e["sheet"], cell) if x)
        click.echo(f"  [{e['rule']}] {e['severity']:<8} {where}: {e['message']}")
    if report.get("failure"):
        click.echo(f"  failure: {report['failure']}")


@click.group("filings", cls=AppGroup)
def filings():
    """List filings and complete their lifecycle (§7a)."""


@filings.command("list")
@click.option("--period", "period_code", default=None)
@click.option("--institution", "institution_code", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def filings_list(period_code, institution_code, fmt):
    """List filings: the version that counts, the latest version and the reporting status."""
    from supervision.filings.models import Filing
    from supervision.orgs.models import Institution
    from supervision.periods.models import Period

    q = select(Filing).join(Institution).join(Period).order_by(Period.code, Institution.code, Filing.kind)
    if period_code:
        q = q.where(Period.code == period_code)
    if institution_code:
        q = q.where(Institution.code == institution_code)
    from supervision.filings.queries import filing_state

    data = []
    for f in db.session.scalars(q):
        state = filing_state(f)
        latest, counting = state.latest, state.counting
        data.append({"filing_id": f.id, "institution_code": f.institution.code, "period": f.period.code,
                     "kind": f.kind, "versions": len(f.versions), "reporting_status": state.status.value,
                     "counting": {"id": counting.id, "version": counting.number} if counting else None,
                     "latest": {"id": latest.id, "version": latest.number, "status": latest.status,
                                "sha256": latest.sha256, "on_time": latest.on_time} if latest else None})
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for d in data:
        lt, ct = d["latest"] or {}, d["counting"]
        counts = f"counts v{ct['version']} (version id {ct['id']})" if ct else "nothing counts"
        click.echo(f"{d['filing_id']:>6} {d['period']} {d['institution_code']} {d['kind']} {counts}; "
                   f"last v{lt.get('version')} {lt.get('status')} (version id {lt.get('id')}); "
                   f"{d['reporting_status']}")


def _version(version_id: int):
    from supervision.filings.models import FilingVersion

    v = db.session.get(FilingVersion, version_id)
    if v is None:
        _usage(f"版本不存在 / version not found: {version_id}")
    return v


@filings.command("accept")
@click.argument("version_id", type=int)
def filings_accept(version_id):
    """Accept a VALIDATED version (as a console operator)."""
    from supervision.filings import services

    v = _version(version_id)
    try:
        services.accept_by(None, v)
    except services.FilingError as exc:
        _usage(str(exc))
    db.session.commit()
    if v.status == VersionStatus.ACCEPTED:
        from supervision.checks.engine import run_after_accept

        run_after_accept(v.id)
    click.echo(f"version {v.id} (v{v.number}): {v.status}")


def _leave(action, version_id: int, note: str) -> None:
    """Return or withdraw, commit, say what counts now and re-run the filing's checks."""
    from supervision.checks.engine import run_after_change
    from supervision.filings import services

    v = _version(version_id)
    try:
        back = action(None, v, note)
    except services.FilingError as exc:
        db.session.rollback()
        _usage(str(exc))
    db.session.commit()
    click.echo(f"version {v.id} (v{v.number}): {v.status}")
    if back is not None:
        click.echo(f"reinstated: version {back.id} (v{back.number}) counts again")
    elif services.counting_version(v.filing.institution_id, v.filing.period_id, v.filing.kind) is None:
        click.echo("no version of this filing counts: the institution is 未报送 / not filed for it")
    counts = run_after_change(v.filing.institution_id, v.filing.period_id, trigger=f"console:{v.status.lower()}")
    click.echo(f"checks re-run: {json.dumps(counts, sort_keys=True)}")


@filings.command("return")
@click.argument("version_id", type=int)
@click.option("--note", required=True)
def filings_return(version_id, note):
    """Return a VALIDATED or ACCEPTED version with a note (the previous accepted version is reinstated
    when it was the version that counts)."""
    from supervision.filings import services

    _leave(services.return_version, version_id, note)


@filings.command("withdraw")
@click.argument("version_id", type=int)
@click.option("--note", required=True, help="Why the institution withdraws it (audited).")
def filings_withdraw(version_id, note):
    """Withdraw a version for its institution (§1.3; the console operator acts for the filer):
    VALIDATED, ACCEPTED, REJECTED or FAILED, while the period is open."""
    from supervision.filings import services

    _leave(services.withdraw, version_id, note)


@filings.command("rerun")
@click.argument("version_id", type=int)
def filings_rerun(version_id):
    """Re-run a FAILED version and wait for it."""
    from supervision.filings.recovery import recover_stalled
    from supervision.filings.runner import run_version

    v = _version(version_id)
    if recover_stalled(version_id=v.id, by="cli"):  # stalled past its lease: FAILED, then re-run
        db.session.commit()
    if v.status != VersionStatus.FAILED:
        _usage(f"只有处理失败的版本可以重跑 / only FAILED versions can be re-run (is {v.status})")
    status = run_version(v.id)
    click.echo(f"version {v.id}: {status}")
    sys.exit(0 if status in EXIT_OK else 1)



@filings.command("recover")
def filings_recover():
    """Mark versions stalled past their processing lease (their process died) FAILED, re-runnable;
    remove what killed processes left in this node's scratch folder a day ago or earlier; add the
    summaries of stored versions still without them to the search index (PostgreSQL)."""
    from supervision.filings.recovery import fill_missing_summaries, recover_stalled
    from supervision.storage.scratch import sweep_scratch

    ids = recover_stalled(by="cli")
    db.session.commit()
    click.echo(f"recovered {len(ids)} version(s): {', '.join(map(str, ids)) or '-'}")
    removed = sweep_scratch()
    click.echo(f"removed {len(removed)} stale scratch entr{'y' if len(removed) == 1 else 'ies'}: "
               f"{', '.join(removed) or '-'}")
    indexed: list[int] = []
    while (batch := fill_missing_summaries()) and not set(batch) & set(indexed):  # all left, a batch at a time
        indexed += batch
    click.echo(f"added the summaries of {len(indexed)} version(s) to the search index: "
               f"{', '.join(map(str, indexed)) or '-'}")


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """Run an RQ worker for background jobs (production: SUPERVISION_TASK_BACKEND=rq)."""
    from redis import Redis
    from rq import Queue, Worker

    url = current_app.config.get("REDIS_URL")
    if not url:
        _usage("SUPERVISION_REDIS_URL 未设置 / is not set")
    from supervision.filings.recovery import recover_stalled
    from supervision.storage.scratch import sweep_scratch

    recovered = recover_stalled(by="worker")  # versions left by a worker that died
    db.session.commit()
    if recovered:
        click.echo(f"recovered {len(recovered)} stalled version(s): {', '.join(map(str, recovered))}", err=True)
    sweep_scratch()  # and the scratch files its killed children left on this node (logged)
    from supervision.ops.metrics import serve_if_configured

    serve_if_configured(current_app.config)  # SUPERVISION_METRICS_PORT: ingest and job metrics of this worker
    conn = Redis.from_url(url)
    Worker([Queue(current_app.config["TASK_QUEUE"], connection=conn)], connection=conn).work(burst=burst)
