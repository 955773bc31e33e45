"""Filing pages: list, upload (with dry run), version report with live progress, downloads,
and the supervisor's accept/return. Thin: parse the request, call services, render."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from supervision.audit.services import record_download
from supervision.authz import roles_required
from supervision.domain.calendar import today_local
from supervision.domain.enums import DATA_ROLES, FilingKind, Role, VersionStatus
from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.filings import queries, services
from supervision.filings.forms import NoteForm, UploadForm
from supervision.filings.models import Filing
from supervision.main.limits import accepts_upload
from supervision.main.paging import list_state, paginate
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import can_see_institution, visible_filings
from supervision.tasks import enqueue
from supervision.transactions import begin_write

bp = Blueprint("filings", __name__, url_prefix="/filings")


def safe_download_name(v) -> str:
    """The original file name fit for a ``Content-Disposition`` header: control characters (CR, LF,
    NUL …) and path separators replaced, so a hostile ``filename*`` cannot break the download."""
    return services.clean_filename(v.original_filename)


def _version_or_404(version_id: int):
    v = queries.visible_version(current_user, version_id)
    if v is None:
        abort(404)
    return v


@bp.get("/")
@roles_required(*DATA_ROLES)
def index():
    """Filings visible to the acting user, filtered by period, kind and institution, sorted and
    paged on the server (the URL keeps the state)."""
    args = {k: (request.args.get(k) or "").strip()[:100] or None for k in queries.FILING_FILTERS}
    state = list_state(request.args, queries.FILING_SORTS, "period", "desc")
    paged = paginate(queries.filtered_filings(current_user, args), state, queries.FILING_SORTS,
                     tiebreak=(Institution.name, Filing.kind, Filing.id))
    filings = paged.items
    periods = db.session.scalars(select(Period).order_by(Period.code.desc())).all()
    return render_template("filings/list.html", filings=filings, paged=paged, periods=periods, args=args,
                           period=args["period"], states={f.id: queries.filing_state(f) for f in filings})


@bp.get("/<int:filing_id>")
@roles_required(*DATA_ROLES)
def detail(filing_id: int):
    """One filing with its versions (404 outside the user's scope)."""
    filing = db.session.scalar(visible_filings(current_user).where(Filing.id == filing_id))
    if filing is None:
        abort(404)
    return render_template("filings/detail.html", filing=filing)


def _upload_form() -> UploadForm:
    form = UploadForm()
    today = today_local()
    periods = db.session.scalars(select(Period).order_by(Period.code.desc())).all()
    form.period.choices = [(p.code, p.code + (" 🔒" if p.is_locked(today) else "")) for p in periods]
    return form


@bp.route("/upload", methods=["GET", "POST"])
@roles_required(Role.FILER)
@accepts_upload
def upload():
    """Upload a workbook for the filer's institution; processing continues in the background."""
    form = _upload_form()
    if not form.validate_on_submit():  # errors are shown beside their fields, the choices kept
        return render_template("filings/upload.html", form=form), 400 if request.method == "POST" else 200
    inst = current_user.institution
    period = db.session.scalar(select(Period).where(Period.code == form.period.data)) or abort(404)
    fh = form.file.data
    if form.dry_run.data:
        return _dry_run(form, inst, period, fh)
    answer_errors_with(render=lambda: render_template("filings/upload.html", form=form))
    services.check_can_submit(current_user, inst, period, form.kind.data)  # before storing: a refusal leaves no file
    stored = services.store_original(fh.stream)
    sub = services.submit(current_user, inst, period, form.kind.data, stored, fh.filename or "upload.xlsx")
    db.session.commit()
    if sub.created:
        enqueue("supervision.filings.runner.run_version", sub.version.id)
        flash(_("Received. Validation runs now; this page shows its progress."), "info")
    else:
        from supervision.filings.recovery import recover_stalled

        if recover_stalled(version_id=sub.version.id, by="upload"):  # its process died: FAILED, re-runnable
            db.session.commit()
        if sub.version.status == VersionStatus.FAILED:
            flash(_("This exact file was uploaded before and its processing failed: re-run it with the button "
                    "below."), "warning")
        else:
            flash(_("This exact file was uploaded before (same SHA-256): showing that version."), "warning")
    return redirect(url_for("filings.version", version_id=sub.version.id))


def _dry_run(form, inst, period, fh):
    """Queue a dry run (background work, like an upload) and show its progress page."""
    from supervision.filings import dryrun

    answer_errors_with(render=lambda: render_template("filings/upload.html", form=form))
    dryrun.purge_expired()
    run = dryrun.create(current_user, inst, period, form.kind.data, fh.stream, fh.filename or "upload.xlsx")
    db.session.commit()
    enqueue("supervision.filings.dryrun.run_dry_run", run.id)
    return redirect(url_for("filings.dry_run", run_id=run.id))


@bp.get("/dry-runs/<int:run_id>")
@roles_required(Role.FILER)
def dry_run(run_id: int):
    """A dry run of the acting filer: its progress while it runs, then its report, shown once (the
    run and its file are deleted when the report is read)."""
    from supervision.filings import dryrun
    from supervision.filings.models import DryRun

    run = db.session.get(DryRun, run_id)
    if run is None or run.user_id != current_user.id:
        abort(404)
    if run.status != "done":
        return render_template("filings/dry_run_wait.html", run=run, period=run.period, kind=run.kind)
    begin_write(db.session)  # a GET that deletes the run it shows (SQLite: supervision.transactions)
    period, kind = run.period, run.kind
    report = dryrun.consume(run)
    db.session.commit()
    return render_template("filings/dry_run.html", report=report, period=period, kind=kind)


@bp.get("/template/<kind>")
@roles_required(*DATA_ROLES)
def template(kind: str):
    """Download the official template, the cover prefilled for the filer's institution and period."""
    from supervision.ingest.template_writer import write_template

    if kind not in FilingKind.values():
        abort(404)
    period = request.args.get("period", "").strip()
    if period and db.session.scalar(select(Period.id).where(Period.code == period.upper())) is None:
        raise services.FilingError(f"没有报告期“{period[:20]}”：请选择平台上的报告期（如 2024Q1），"
                                   f"或不带报告期下载空白模板 / "
                                   f"there is no period “{period[:20]}”: choose one of the platform's periods "
                                   f"(such as 2024Q1), or download the blank template without one", 400)
    period = period.upper()
    inst = current_user.institution if current_user.role == Role.FILER else None
    buf = io.BytesIO()
    write_template(buf, kind, institution_code=inst.code if inst else "", institution_name=inst.name if inst else "",
                   period=period)
    buf.seek(0)
    name = f"{kind}-1_{inst.code if inst else 'template'}_{period or 'period'}.xlsx"
    return send_file(buf, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _version_page(v) -> str:
    """The version report (returning and withdrawing go through their confirmation pages)."""
    rule = request.args.get("rule") or None
    severity = request.args.get("severity") or None
    issues = queries.issues_of(v, rule=rule, severity=severity, limit=100)
    return render_template("filings/version.html", v=v, filing=v.filing, groups=queries.issue_groups(v),
                           issues=issues, rule=rule, severity=severity, note_form=NoteForm(formdata=None),
                           annotatable=not queries.refused_before_parsing(v), stages=queries.PROGRESS_STAGES,
                           today=today_local(), filing_visible=_filing_visible(v))


def _filing_visible(v) -> bool:
    """Whether the reader may open the version's filing page: a reader who reached the version
    through a live referral (§1.4) sees the cited version only, so its breadcrumb is not a link."""
    return can_see_institution(current_user, v.filing.institution_id)


@bp.get("/versions/<int:version_id>")
@roles_required(*DATA_ROLES)
def version(version_id: int):
    """The version report: state, live progress, issues grouped by rule, downloads, decisions; a
    version stalled past its processing lease is shown FAILED (and re-runnable) at once."""
    from supervision.filings.recovery import recover_stalled

    v = _version_or_404(version_id)
    if v.status == VersionStatus.VALIDATING and recover_stalled(version_id=v.id, by="page"):
        db.session.commit()
    return _version_page(v)


@bp.get("/versions/<int:version_id>/rows")
@roles_required(*DATA_ROLES)
def rows(version_id: int):
    """The complaint rows of a stored version, filterable (the drill-down target of figures and
    findings): ``?business_category=B14&cause=C13&status=CLOSED&carried_over=1&on_time=0&ids=A,B``."""
    v = _version_or_404(version_id)
    page = request.args.get("page", "")
    found = queries.complaint_rows(v, request.args, page=int(page) if page.isdigit() and len(page) < 9 else 1)
    return render_template("filings/rows.html", v=v, filing=v.filing, found=found, rows=found.rows,
                           total=found.total, applied=found.applied, filter_labels=queries.ROW_FILTER_LABELS,
                           filing_visible=_filing_visible(v))


@bp.get("/versions/<int:version_id>/progress")
@roles_required(*DATA_ROLES)
def progress(version_id: int):
    """JSON progress for the live bar: status, stage, rows read, and counts when done."""
    v = _version_or_404(version_id)
    return {"status": v.status, "progress": v.progress or {}, "row_counts": v.row_counts or {},
            "blocking": v.blocking_count, "warnings": v.warning_count, "failure": v.failure}


def _issue_rows(v):
    return [queries.issue_dict(i) for i in queries.issues_of(v)]


@bp.get("/versions/<int:version_id>/issues.json")
@roles_required(*DATA_ROLES)
def issues_json(version_id: int):
    """Every listed issue as JSON with the exact totals per rule."""
    v = _version_or_404(version_id)
    record_download("issues.json", object_type="filing_version", object_id=v.id)
    body = {"filing_id": v.filing_id, "version": v.number, "status": v.status, "sha256": v.sha256,
            "rows": v.row_counts or {}, "totals": v.rule_totals or {}, "errors": _issue_rows(v)}
    return Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=issues-{v.id}.json"})


@bp.get("/versions/<int:version_id>/issues.csv")
@roles_required(*DATA_ROLES)
def issues_csv(version_id: int):
    """Every listed issue as CSV (UTF-8 with BOM for Excel; formula-like text neutralised)."""
    v = _version_or_404(version_id)
    record_download("issues.csv", object_type="filing_version", object_id=v.id)
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(["rule", "severity", "sheet", "row", "column", "field", "value", "message_zh", "message_en"])
    for d in _issue_rows(v):
        w.writerow([_csv_safe(d[k]) for k in ("rule", "severity", "sheet", "row", "column", "field", "value",
                                              "message_zh", "message_en")])
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=issues-{v.id}.csv"})


def _csv_safe(value):
    """One formula guard for every CSV the platform writes (``reports.workbook.safe.csv_text``)."""
    from reports.workbook.safe import csv_text

    return csv_text(value) if isinstance(value, str) else value


@bp.get("/versions/<int:version_id>/annotated.xlsx")
@roles_required(*DATA_ROLES)
def annotated(version_id: int):
    """The institution's own workbook with every offending cell marked, plus a 校验结果 sheet."""
    v = _version_or_404(version_id)
    if queries.refused_before_parsing(v):
        flash(_("This file was refused before it could be read, so it cannot be annotated; see the list of errors."),
              "warning")
        return redirect(url_for("filings.version", version_id=v.id))
    data = services.annotated_workbook(v)
    record_download("annotated", object_type="filing_version", object_id=v.id)
    stem = Path(safe_download_name(v)).stem
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{stem}_校验结果_v{v.number}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/versions/<int:version_id>/original")
@roles_required(*DATA_ROLES)
def original(version_id: int):
    """The original bytes exactly as uploaded."""
    v = _version_or_404(version_id)
    from supervision.storage.service import send_object

    response = send_object("uploads", v.storage_path, v.sha256, download_name=safe_download_name(v),
                           mimetype="application/octet-stream")  # verified before it is recorded
    record_download("original", object_type="filing_version", object_id=v.id, detail={"sha256": v.sha256})
    return response


@bp.post("/versions/<int:version_id>/accept")
@roles_required(Role.SUPERVISOR)
def accept(version_id: int):
    """A supervisor accepts a VALIDATED version (§7a)."""
    v = _version_or_404(version_id)
    answer_errors_with(redirect_to=url_for("filings.version", version_id=v.id))
    services.accept_by(current_user, v)
    db.session.commit()
    if v.status == VersionStatus.ACCEPTED:
        enqueue("supervision.checks.engine.run_after_accept", v.id)
    flash(_("Version accepted."), "success")
    return redirect(url_for("filings.version", version_id=v.id))


def _confirm_page(v, to_status: VersionStatus, form: NoteForm, status: int = 200):
    """The confirmation step of a return or withdrawal: what will count afterwards, shown before
    the click (decision 2), with the note form (the user's input kept on errors)."""
    return render_template("filings/confirm.html", v=v, filing=v.filing, form=form,
                           c=services.consequence(v, to_status), to_status=to_status), status


def _after_leaving(v, back) -> None:
    """Commit, re-run the filing's checks in the background, say what counts now."""
    db.session.commit()
    enqueue("supervision.checks.engine.run_after_change", v.filing.institution_id, v.filing.period_id,
            f"user:{v.status.lower()}")
    if back is not None:
        flash(_("Version %(n)s counts again (reinstated).", n=back.number), "info")
    elif services.counting_version(v.filing.institution_id, v.filing.period_id, v.filing.kind) is None:
        flash(_("No version of this filing counts now: the institution is not filed for it."), "warning")


@bp.route("/versions/<int:version_id>/return", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def return_(version_id: int):
    """A supervisor returns a version to the institution with a note (§7a); the GET is the
    confirmation step that shows which version will count instead."""
    v = _version_or_404(version_id)
    form = NoteForm(formdata=None) if request.method == "GET" else NoteForm()
    if request.method == "GET":
        return _confirm_page(v, VersionStatus.RETURNED, form)
    if not form.validate_on_submit():
        return _confirm_page(v, VersionStatus.RETURNED, form, 400)
    answer_errors_with(render=lambda: _confirm_page(v, VersionStatus.RETURNED, form)[0])
    back = services.return_version(current_user, v, form.note.data)
    flash(_("Version returned to the institution."), "success")
    _after_leaving(v, back)
    return redirect(url_for("filings.version", version_id=v.id))


@bp.route("/versions/<int:version_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.FILER)
def withdraw(version_id: int):
    """A filer withdraws a version of their institution with a note (§1.3); the GET is the
    confirmation step that shows the consequence."""
    v = _version_or_404(version_id)
    form = NoteForm(formdata=None) if request.method == "GET" else NoteForm()
    if request.method == "GET":
        return _confirm_page(v, VersionStatus.WITHDRAWN, form)
    if not form.validate_on_submit():  # the error beside the note, what was typed kept
        return _confirm_page(v, VersionStatus.WITHDRAWN, form, 400)
    answer_errors_with(render=lambda: _confirm_page(v, VersionStatus.WITHDRAWN, form)[0])
    back = services.withdraw(current_user, v, form.note.data)
    flash(_("Version withdrawn."), "success")
    _after_leaving(v, back)
    return redirect(url_for("filings.version", version_id=v.id))


@bp.post("/versions/<int:version_id>/rerun")
@roles_required(Role.FILER, Role.SUPERVISOR)
def rerun(version_id: int):
    """Re-run a FAILED version (the original is still stored)."""
    from supervision.filings.recovery import recover_stalled

    v = _version_or_404(version_id)
    if recover_stalled(version_id=v.id, by="rerun"):  # stalled past its lease: FAILED first
        db.session.commit()
    if v.status != VersionStatus.FAILED:
        flash(_("Only a failed version can be re-run."), "warning")
    else:
        from supervision.audit.services import record

        record("filing_rerun", actor=current_user, object_type="filing_version", object_id=v.id)
        db.session.commit()
        enqueue("supervision.filings.runner.run_version", v.id)
        flash(_("Processing restarted."), "info")
    return redirect(url_for("filings.version", version_id=v.id))


@bp.app_template_global()
def sheet_counts(version) -> list[tuple[str, int]]:
    """Rows per sheet by the sheet's name (version page)."""
    return queries.sheet_counts(version)


@bp.app_template_global()
def named_sheet_counts(kind: str, row_counts) -> list[tuple[str, int]]:
    """Rows per sheet by the sheet's name (a dry run's report)."""
    return queries.named_sheet_counts(kind, row_counts)


@bp.app_template_global()
def upload_limit_mb() -> int:
    """Upload limit shown on the form (spec §3)."""
    return int(current_app.config["MAX_UPLOAD_BYTES"]) // (1024 * 1024)
