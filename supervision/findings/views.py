"""Findings pages: list with filters and bulk actions, detail with evidence and history, the
workflow, institution answers, referrals, the rule catalogue and the period dashboard."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
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
from supervision.findings.forms import AnswerForm, EmptyForm, ReferForm, ReferralReplyForm, StatusForm
from supervision.findings.models import Finding, FindingEvent
from supervision.orgs.models import Agency
from supervision.periods.models import Period
from supervision.rules import catalog
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


@bp.get("/")
@roles_required(*DATA_ROLES)
def index():
    """Findings in scope, filterable by period, rule, level, status, sector, institution, agency."""
    args = {k: request.args.get(k) or None for k in queries.FILTERS}
    findings = db.session.scalars(queries.filtered(current_user, args).limit(2000)).all()
    periods = db.session.scalars(select(Period).order_by(Period.code.desc())).all()
    rules = [r for r in catalog.all_rules() if r.severity == Severity.FINDING]

    agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    return render_template("findings/list.html", findings=findings, args=args, periods=periods, rules=rules,
                           agencies=agencies, bulk_form=EmptyForm())


@bp.post("/bulk")
@regulator_required
def bulk():
    """Bulk actions for regulators: open to the institutions, or close with a note."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    action = request.form.get("action")
    note = (request.form.get("note") or "").strip()
    done = 0
    answer_errors_with(redirect_to=request.referrer or url_for("findings.index"))
    for fid in ids:
        f = queries.visible_finding(current_user, fid)
        if f is None:
            continue
        if action == "open":
            services.open_to_institution(current_user, f)
        elif action == "close" and f.status != FindingStatus.CLOSED:
            services.transition(current_user, f, FindingStatus.CLOSED, note=note)
        else:
            continue
        done += 1
    db.session.commit()
    flash(_("%(n)s findings updated.", n=done), "success")
    return redirect(request.referrer or url_for("findings.index"))


@bp.get("/<int:finding_id>")
@roles_required(*DATA_ROLES)
def detail(finding_id: int):
    """Evidence, cited versions, links to the rows behind it, history, referrals and actions."""
    f = _finding_or_404(finding_id)
    refer = ReferForm()
    refer.agency.choices = [SelectChoice(a.code, f"{a.code} · {a.name}") for a in db.session.scalars(
        select(Agency).where(Agency.id != (current_user.agency_id or 0)).order_by(Agency.code))]
    events = [e for e in f.events if current_user.role != Role.FILER or e.visible_to_institution]
    from supervision.findings.evidence import row_links

    return render_template("findings/detail.html", f=f, rule=catalog.get(f.rule), events=events,
                           status_form=StatusForm(), answer_form=AnswerForm(), refer_form=refer,
                           reply_form=ReferralReplyForm(), empty=EmptyForm(), links=row_links(f))


@bp.post("/<int:finding_id>/status")
@regulator_required
def status(finding_id: int):
    """A regulator's workflow decision."""
    f = _finding_or_404(finding_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Give a valid decision."), "danger")
        return redirect(url_for("findings.detail", finding_id=f.id))
    _refusals_back_to(f.id)
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
        services.open_to_institution(current_user, f)
        db.session.commit()
        flash(_("The institution can now see and answer this finding."), "success")
    return redirect(url_for("findings.detail", finding_id=f.id))


@bp.post("/<int:finding_id>/answer")
@roles_required(Role.FILER)
def answer(finding_id: int):
    """The institution answers with text and an optional attachment."""
    f = _finding_or_404(finding_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(_("An answer needs text."), "danger")
        return redirect(url_for("findings.detail", finding_id=f.id))
    fh = form.attachment.data
    _refusals_back_to(f.id)
    services.answer_by_institution(current_user, f, form.text.data, stream=fh.stream if fh else None,
                                   filename=fh.filename if fh else None)
    db.session.commit()
    flash(_("Your answer has been sent to the regulator."), "success")
    return redirect(url_for("findings.detail", finding_id=f.id))


@bp.post("/<int:finding_id>/refer")
@regulator_required
def refer(finding_id: int):
    """Refer (转办) the finding to another agency."""
    f = _finding_or_404(finding_id)
    form = ReferForm()
    form.agency.choices = [SelectChoice(a.code, a.code) for a in db.session.scalars(select(Agency))]
    if not form.validate_on_submit():
        flash(_("A referral needs an agency and a note."), "danger")
        return redirect(url_for("findings.detail", finding_id=f.id))
    agency = db.session.scalar(select(Agency).where(Agency.code == form.agency.data))
    _refusals_back_to(f.id)
    services.refer(current_user, f, agency, form.note.data)
    db.session.commit()
    flash(_("Finding referred to %(a)s.", a=agency.code), "success")
    return redirect(url_for("findings.detail", finding_id=f.id))


@bp.post("/referrals/<int:referral_id>/<action>")
@regulator_required
def referral(referral_id: int, action: str):
    """The receiving agency accepts, answers or declines a referral."""
    ref = queries.visible_referral(current_user, referral_id)
    if ref is None:
        abort(404)
    form = ReferralReplyForm()
    if not form.validate_on_submit():
        abort(400)
    _refusals_back_to(ref.finding_id)
    if action == "accept":
        services.referral_accept(current_user, ref)
    elif action == "answer":
        services.referral_answer(current_user, ref, form.text.data)
    elif action == "decline":
        services.referral_decline(current_user, ref, form.text.data)
    else:
        abort(404)
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
    return send_file(Path(current_app.config["UPLOAD_FOLDER"]) / ev.attachment_path, as_attachment=True,
                     download_name=ev.attachment_name)


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
    code = request.args.get("period") or periods[min(1, len(periods) - 1)].code
    period = next((p for p in periods if p.code == code), periods[0])
    return render_template("findings/dashboard.html", period=period, periods=periods,
                           data=queries.dashboard(current_user, period), empty=EmptyForm())


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
    counts = queries.open_counts_by_rule(current_user) if current_user.role != Role.ADMIN else {}
    return render_template("findings/rules.html", rules=catalog.all_rules(), counts=counts,
                           version=catalog.RULESET_VERSION)
