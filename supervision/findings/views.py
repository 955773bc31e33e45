"""Findings pages: list with filters and bulk actions, detail with evidence and history, the
workflow, institution answers, referrals, the rule catalogue and the period dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from supervision.authz import regulator_required, roles_required
from supervision.domain.calendar import today_local
from supervision.domain.enums import DATA_ROLES, FindingStatus, Role, Severity
from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.findings import queries, services
from supervision.findings.forms import AnswerForm, EmptyForm, ReferForm, ReferralReplyForm, StatusForm, moves_from
from supervision.findings.models import Finding, FindingEvent
from supervision.main.limits import accepts_upload
from supervision.main.paging import list_state, paginate
from supervision.orgs.models import Agency, Institution
from supervision.periods.models import Period
from supervision.rules import catalog
from supervision.scope import visible_institution_ids
from supervision.tasks import enqueue

bp = Blueprint("findings", __name__, url_prefix="/findings")


def _finding_or_404(finding_id: int) -> Finding:
    f = queries.visible_finding(current_user, finding_id)
    if f is None:
        abort(404)
    return f


def _refusals_back_to(finding_id: int) -> None:
    """A refused action flashes its reason on the finding's page."""
    answer_errors_with(redirect_to=url_for("findings.detail", finding_id=finding_id))


def _list_page(bulk_note: str = "", selected: frozenset[int] = frozenset()) -> str:
    """The findings list of the request's filters, sort and page (``bulk_note`` and ``selected``
    keep a refused bulk action's input)."""
    args = {k: (request.args.get(k) or "").strip() or None for k in queries.FILTERS}
    state = list_state(request.args, queries.SORTS, "period", "desc")
    paged = paginate(queries.filtered(current_user, args), state, queries.SORTS,
                     tiebreak=(Finding.rule, Institution.code, Finding.id))
    periods = db.session.scalars(select(Period).order_by(Period.code.desc())).all()
    rules = [r for r in catalog.all_rules() if r.severity == Severity.FINDING]
    agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    ids = {f.institution_id for f in paged.items}
    in_scope = set(db.session.scalars(select(Institution.id).where(
        Institution.id.in_(ids), Institution.id.in_(visible_institution_ids(current_user))))) if ids else set()
    return render_template("findings/list.html", paged=paged, findings=paged.items, args=args, periods=periods,
                           rules=rules, agencies=agencies, bulk_note=bulk_note, selected=selected,
                           institution_pages=in_scope if current_user.is_regulator else set())


@bp.get("/")
@roles_required(*DATA_ROLES)
def index():
    """Findings in scope, filterable by period, rule, level, status, sector, institution, agency
    and text, sorted and paged on the server (the URL keeps the state)."""
    return _list_page()


@bp.post("/")
@regulator_required
def bulk():
    """Bulk actions for regulators on the selected findings: open to the institutions, or close
    with a note. Nothing selected, or no note for closing, re-renders the list with the input."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    ids = frozenset(int(i) for i in request.form.getlist("ids") if i.isdigit() and len(i) < 10)
    action = request.form.get("action")
    note = (request.form.get("note") or "").strip()
    if action not in ("open", "close"):
        abort(400)
    if not ids:
        flash(_("Select at least one finding first: nothing was changed."), "warning")
        return _list_page(note, ids), 400
    if action == "close" and not note:
        flash(_("Closing needs a note: nothing was changed."), "danger")
        return _list_page(note, ids), 400
    answer_errors_with(render=lambda: _list_page(note, ids))
    done = skipped = 0
    for fid in sorted(ids):
        f = queries.visible_finding(current_user, fid)
        if f is None:
            skipped += 1
        elif action == "open" and not f.visible_to_institution:
            services.open_to_institution(current_user, f)
            done += 1
        elif action == "close" and f.status != FindingStatus.CLOSED:
            services.transition(current_user, f, FindingStatus.CLOSED, note=note)
            done += 1
        else:
            skipped += 1
    db.session.commit()
    if done:
        flash(_("%(n)s findings updated.", n=done), "success")
    if skipped:
        flash(_("%(n)s selected findings needed no change and were left as they were.", n=skipped), "info")
    return redirect(url_for("findings.index", **request.args))


def _refer_form(bind: bool = True) -> ReferForm:
    """The referral form, offering every agency but the user's own (by name, in the reader's language); ``bind`` reads
    the request's form data (the POST that refers), else an empty form."""
    form = ReferForm() if bind else ReferForm(formdata=None)
    from supervision.main.helpers import agency_name

    form.agency.choices = [SelectChoice(a.code, agency_name(a)) for a in db.session.scalars(
        select(Agency).where(Agency.id != (current_user.agency_id or 0)).order_by(Agency.code))]
    return form


def _detail_page(f: Finding, *, status_form: StatusForm | None = None, answer_form: AnswerForm | None = None,
                 refer_form: ReferForm | None = None, reply_form: ReferralReplyForm | None = None,
                 reply_for: int | None = None) -> str:
    """The finding's page; a refused form is passed back in with the user's input and its errors."""
    from supervision.findings.evidence import evidence_view, row_links
    from supervision.findings.present import history

    events = [e for e in f.events if current_user.role != Role.FILER or e.visible_to_institution]
    status_form = status_form or StatusForm(formdata=None)
    status_form.to_status.choices = moves_from(f.status)
    return render_template("findings/detail.html", f=f, rule=catalog.get(f.rule),
                           history=history(events, f, current_user),
                           status_form=status_form,
                           answer_form=answer_form or AnswerForm(formdata=None),
                           refer_form=refer_form or _refer_form(bind=False),
                           reply_form=reply_form or ReferralReplyForm(formdata=None), reply_for=reply_for,
                           links=row_links(f), evidence=evidence_view(f))


@bp.get("/<int:finding_id>")
@roles_required(*DATA_ROLES)
def detail(finding_id: int):
    """Evidence, cited versions, links to the rows behind it, history, referrals and actions."""
    return _detail_page(_finding_or_404(finding_id))


@bp.post("/<int:finding_id>/status")
@regulator_required
def status(finding_id: int):
    """A regulator's workflow decision (re-rendered with the input and the error beside the field)."""
    f = _finding_or_404(finding_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _detail_page(f, status_form=form), 400
    answer_errors_with(render=lambda: _detail_page(f, status_form=form))
    services.transition(current_user, f, form.to_status.data, note=form.note.data,
                        remediation_due=form.remediation_due.data)
    db.session.commit()
    flash(_("Finding updated."), "success")
    return redirect(url_for("findings.detail", finding_id=f.id))


@bp.post("/<int:finding_id>/open")
@regulator_required
def open_(finding_id: int):
    """Open the finding to its institution."""
    f = _finding_or_404(finding_id)
    if EmptyForm().validate_on_submit():
        _refusals_back_to(f.id)
        services.open_to_institution(current_user, f)
        db.session.commit()
        flash(_("The institution can now see and answer this finding."), "success")
    return redirect(url_for("findings.detail", finding_id=f.id))


@bp.post("/<int:finding_id>/answer")
@accepts_upload
@roles_required(Role.FILER)
def answer(finding_id: int):
    """The institution answers with text and an optional attachment."""
    f = _finding_or_404(finding_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _detail_page(f, answer_form=form), 400
    fh = form.attachment.data
    answer_errors_with(render=lambda: _detail_page(f, answer_form=form))
    services.answer_by_institution(current_user, f, form.text.data, stream=fh.stream if fh else None,
                                   filename=fh.filename if fh else None)
    db.session.commit()
    flash(_("Your answer has been sent to the regulator."), "success")
    return redirect(url_for("findings.detail", finding_id=f.id))


@bp.post("/<int:finding_id>/refer")
@regulator_required
def refer(finding_id: int):
    """Refer (转办) the finding to another agency; a refused referral keeps the chosen agency and
    the note on the re-rendered page."""
    f = _finding_or_404(finding_id)
    form = _refer_form()
    if not form.validate_on_submit():
        return _detail_page(f, refer_form=form), 400
    agency = db.session.scalar(select(Agency).where(Agency.code == form.agency.data))
    answer_errors_with(render=lambda: _detail_page(f, refer_form=form))
    services.refer(current_user, f, agency, form.note.data)
    db.session.commit()
    flash(_("Finding referred to %(a)s.", a=agency.label), "success")
    return redirect(url_for("findings.detail", finding_id=f.id))


@bp.post("/referrals/<int:referral_id>/<action>")
@regulator_required
def referral(referral_id: int, action: str):
    """The receiving agency accepts, answers or declines a referral."""
    ref = queries.visible_referral(current_user, referral_id)
    if ref is None:
        abort(404)
    if action not in ("accept", "answer", "decline"):
        abort(404)
    form = ReferralReplyForm()
    if not form.validate_on_submit():
        abort(400)
    f = ref.finding
    answer_errors_with(render=lambda: _detail_page(f, reply_form=form, reply_for=ref.id))
    if action == "accept":
        services.referral_accept(current_user, ref)
    elif action == "answer":
        services.referral_answer(current_user, ref, form.text.data)
    else:
        services.referral_decline(current_user, ref, form.text.data)
    db.session.commit()
    flash(_("Referral updated."), "success")
    return redirect(url_for("findings.detail", finding_id=ref.finding_id))


@bp.get("/events/<int:event_id>/attachment")
@roles_required(*DATA_ROLES)
def attachment(event_id: int):
    """Download an answer's attachment (the finding must be visible, and the event to filers)."""
    ev = db.session.get(FindingEvent, event_id)
    if ev is None or not ev.attachment_path or queries.visible_finding(current_user, ev.finding_id) is None:
        abort(404)
    if current_user.role == Role.FILER and not ev.visible_to_institution:
        abort(404)
    from supervision.audit.services import record_download
    from supervision.filings.services import clean_filename
    from supervision.storage.service import send_object

    response = send_object("uploads", ev.attachment_path, ev.attachment_sha256,
                           download_name=clean_filename(ev.attachment_name or "attachment"))
    record_download("attachment", object_type="finding_event", object_id=ev.id,
                    detail={"finding_id": ev.finding_id, "sha256": ev.attachment_sha256})
    return response


@bp.route("/check", methods=["POST"])
@regulator_required
def check():
    """Run every check of a period now (in the background)."""
    form = EmptyForm()
    period = db.session.scalar(select(Period).where(Period.code == request.form.get("period", "")))
    if not form.validate_on_submit() or period is None:
        abort(400)
    from supervision.audit.services import record

    record("checks_requested", actor=current_user, object_type="period", object_id=period.id)
    db.session.commit()
    enqueue("supervision.checks.engine.run_period_job", period.id, current_user.id)
    flash(_("Checks for %(p)s are running; refresh in a moment.", p=period.code), "info")
    return redirect(url_for("findings.dashboard", period=period.code))


@bp.get("/dashboard")
@regulator_required
def dashboard():
    """Per period: reporting and on-time rates, late and missing filers, open findings by rule and
    level, the institutions with the most high-level findings."""
    periods = db.session.scalars(select(Period).order_by(Period.code.desc())).all()
    if not periods:
        return render_template("findings/dashboard.html", period=None, periods=[], data=None, empty=EmptyForm())
    code = request.args.get("period") or queries.latest_period_with_data(current_user, periods).code
    period = next((p for p in periods if p.code == code), None)
    if period is None:
        abort(404)
    from supervision.analytics.dashboard import charts  # issue 14: charts linking into the explorer

    return render_template("findings/dashboard.html", period=period, periods=periods,
                           data=queries.dashboard(current_user, period), empty=EmptyForm(),
                           charts=charts(current_user, period))


@bp.get("/remediations/overdue")
@regulator_required
def overdue():
    """Remediations in the user's scope whose due date has passed (marked daily), most overdue first."""
    period = db.session.scalar(select(Period).where(Period.code == (request.args.get("period") or "")))
    return render_template("findings/overdue.html", findings=queries.overdue_remediations(current_user, period),
                           period=period, today=today_local())


rules_bp = Blueprint("rules", __name__, url_prefix="/rules")


@rules_bp.get("/")
@login_required
def catalogue():
    """Every rule with its description, severity, version and open findings in the user's scope."""
    reads_findings = current_user.role in DATA_ROLES
    counts = queries.open_counts_by_rule(current_user) if reads_findings else {}
    return render_template("findings/rules.html", rules=catalog.all_rules(), counts=counts,
                           version=catalog.RULESET_VERSION, reads_findings=reads_findings)
