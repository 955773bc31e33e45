"""Admin pages (role ``admin``): thin views that call the org/account services and commit once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from supervision.accounts import services as accounts
from supervision.accounts.models import User
from supervision.admin.forms import (
    AgencyForm,
    AliasForm,
    EmptyForm,
    InstitutionForm,
    SharingForm,
    UserForm,
    UserStateForm,
)
from supervision.audit.models import AuditEvent
from supervision.authz import admin_required
from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.orgs import services as orgs
from supervision.orgs.models import Agency, Institution, SharingAgreement

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _agency_choices(blank: bool = False):
    rows = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    choices = [SelectChoice(a.code, f"{a.code} · {a.label}") for a in rows]
    return ([SelectChoice("", "—")] if blank else []) + choices


def _refusals_shown_on(page) -> None:
    """A refused change re-renders the form page with the user's input and the reason (status 200,
    as for the form's own validation errors)."""
    answer_errors_with(render=page, status=200)


def _flash_form_errors(form) -> None:
    for field, errs in form.errors.items():
        label = getattr(getattr(form, field, None), "label", None)
        for e in errs:
            flash(f"{label.text if label else field}: {e}", "danger")


@bp.get("/")
@admin_required
def index():
    """Admin overview."""
    return render_template("admin/index.html")


@bp.route("/agencies", methods=["GET", "POST"])
@admin_required
def agencies():
    """List agencies as a tree and create new ones."""
    form = AgencyForm()
    form.parent.choices = _agency_choices(blank=True)
    if form.validate_on_submit():
        _refusals_shown_on(lambda: _agencies_page(form))
        orgs.create_agency(current_user, code=form.code.data, name=form.name.data, name_en=form.name_en.data,
                           parent_code=form.parent.data or None)
        db.session.commit()
        flash(_("Agency saved."), "success")
        return redirect(url_for("admin.agencies"))
    if request.method == "POST":
        _flash_form_errors(form)
    return _agencies_page(form)


def _agencies_page(form: AgencyForm) -> str:
    roots = db.session.scalars(select(Agency).where(Agency.parent_id.is_(None)).order_by(Agency.code)).all()
    return render_template("admin/agencies.html", roots=roots, form=form)


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@admin_required
def agency_edit(agency_id: int):
    """Edit an agency's names and parent."""
    agency = db.session.get(Agency, agency_id) or abort(404)
    form = AgencyForm(obj=None if request.method == "POST" else agency)
    form.parent.choices = [c for c in _agency_choices(blank=True) if c.value != agency.code]
    if request.method == "GET":
        form.parent.data = agency.parent.code if agency.parent else ""
    def page() -> str:
        return render_template("admin/agency_edit.html", agency=agency, form=form)

    if form.validate_on_submit():
        _refusals_shown_on(page)
        orgs.update_agency(current_user, agency, name=form.name.data, name_en=form.name_en.data,
                           parent_code=form.parent.data or None)
        db.session.commit()
        flash(_("Agency saved."), "success")
        return redirect(url_for("admin.agencies"))
    if request.method == "POST":
        _flash_form_errors(form)
    return page()


@bp.route("/institutions/new", methods=["GET", "POST"])
@admin_required
def institution_new():
    """Create an institution (USCC check character enforced)."""
    form = InstitutionForm()
    form.agency.choices = _agency_choices(blank=True)
    def page() -> str:
        return render_template("admin/institution_form.html", form=form, inst=None)

    if form.validate_on_submit():
        _refusals_shown_on(page)
        inst = orgs.create_institution(current_user, code=form.code.data, name=form.name.data,
                                       sector=form.sector.data, short_name=form.short_name.data or None,
                                       agency_code=form.agency.data or None, province=form.province.data or None,
                                       licence_no=form.licence_no.data or None,
                                       active_from=form.active_from.data or None,
                                       active_until=form.active_until.data or None)
        db.session.commit()
        flash(_("Institution saved."), "success")
        return redirect(url_for("orgs.detail", institution_id=inst.id))
    if request.method == "POST":
        _flash_form_errors(form)
    return page()


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
@admin_required
def institution_edit(institution_id: int):
    """Edit an institution's master data (the USCC is immutable)."""
    inst = db.session.get(Institution, institution_id) or abort(404)
    form = InstitutionForm(obj=None if request.method == "POST" else inst)
    form.agency.choices = _agency_choices()
    if request.method == "GET":
        form.agency.data = inst.lead_agency.code
    form.code.data = inst.code
    def page() -> str:
        return render_template("admin/institution_form.html", form=form, inst=inst, alias_form=AliasForm())

    if form.validate_on_submit():
        _refusals_shown_on(page)
        orgs.update_institution(current_user, inst, name=form.name.data, short_name=form.short_name.data or None,
                                sector=form.sector.data, agency_code=form.agency.data,
                                province=form.province.data or None, licence_no=form.licence_no.data or None,
                                active=bool(form.active.data), active_from=form.active_from.data or None,
                                active_until=form.active_until.data or None)
        db.session.commit()
        flash(_("Institution saved."), "success")
        return redirect(url_for("orgs.detail", institution_id=inst.id))
    if request.method == "POST":
        _flash_form_errors(form)
    return page()


@bp.post("/institutions/<int:institution_id>/aliases")
@admin_required
def institution_alias(institution_id: int):
    """Add an alias (unique across institutions); a refused alias comes back on the institution's
    page with what was typed and the reason beside the field."""
    inst = db.session.get(Institution, institution_id) or abort(404)
    form = AliasForm()

    def page() -> str:
        main = InstitutionForm(formdata=None, obj=inst)
        main.agency.choices = _agency_choices()
        main.agency.data = inst.lead_agency.code
        return render_template("admin/institution_form.html", form=main, inst=inst, alias_form=form)

    if not form.validate_on_submit():
        return page(), 400
    answer_errors_with(render=page)
    orgs.add_alias(current_user, inst, form.alias.data)
    db.session.commit()
    flash(_("Alias added."), "success")
    return redirect(url_for("admin.institution_edit", institution_id=inst.id))


@bp.get("/users")
@admin_required
def users():
    """All accounts with role, membership and state."""
    rows = db.session.scalars(select(User).options(selectinload(User.institution), selectinload(User.agency))
                              .order_by(User.role, User.email)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    """Create an account with a role and membership."""
    form = UserForm()
    form.agency.choices = _agency_choices(blank=True)
    form.institution.choices = [SelectChoice("", "—")] + [
        SelectChoice(i.code, f"{i.name} ({i.code})")
        for i in db.session.scalars(select(Institution).order_by(Institution.name))]
    if form.validate_on_submit():
        inst = orgs.get_institution(form.institution.data) if form.institution.data else None
        agency = orgs.get_agency(form.agency.data) if form.agency.data else None
        _refusals_shown_on(lambda: render_template("admin/user_form.html", form=form))
        accounts.create_user(current_user, email=form.email.data, role=form.role.data, password=form.password.data,
                             name=form.name.data or "", institution_id=inst.id if inst else None,
                             agency_id=agency.id if agency else None)
        db.session.commit()
        flash(_("User created."), "success")
        return redirect(url_for("admin.users"))
    if request.method == "POST":
        _flash_form_errors(form)
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_detail(user_id: int):
    """Show an account; deactivate/activate it or reset its password (ends its sessions)."""
    user = db.session.get(User, user_id) or abort(404)
    form = UserStateForm()
    if form.validate_on_submit():
        action = request.form.get("action")
        answer_errors_with(redirect_to=url_for("admin.user_detail", user_id=user.id))
        if action == "deactivate":
            accounts.set_active(current_user, user, False)
        elif action == "activate":
            accounts.set_active(current_user, user, True)
        elif action == "reset" and form.password.data:
            accounts.admin_reset_password(current_user, user, form.password.data)
        else:
            abort(400)
        db.session.commit()
        flash(_("User updated."), "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    elif request.method == "POST":
        _flash_form_errors(form)
    return render_template("admin/user_detail.html", user=user, form=form)


@bp.route("/sharing", methods=["GET", "POST"])
@admin_required
def sharing():
    """Sharing agreements between agencies (§1.4): list, create or update."""
    form = SharingForm()
    form.from_agency.choices = _agency_choices()
    form.to_agency.choices = _agency_choices()
    if form.validate_on_submit():
        _refusals_shown_on(lambda: _sharing_page(form))
        orgs.upsert_sharing(current_user, from_code=form.from_agency.data, to_code=form.to_agency.data,
                            sectors=form.sectors.data, kinds=form.kinds.data, note=form.note.data or None)
        db.session.commit()
        flash(_("Sharing agreement saved."), "success")
        return redirect(url_for("admin.sharing"))
    if request.method == "POST":
        _flash_form_errors(form)
    return _sharing_page(form)


def sharing_note(note: str | None) -> str:
    """An agreement's note as shown: the default agreement's stored note in the reader's language."""
    from supervision.reference.services import DEFAULT_SHARING_NOTE

    if note == DEFAULT_SHARING_NOTE:
        return _("Default sharing of spec §1.4 (NFRA coordinates)")
    return note or ""


def _sharing_page(form: SharingForm) -> str:
    from supervision.admin.forms import KIND_CHOICES

    rows = db.session.scalars(select(SharingAgreement).order_by(SharingAgreement.id)).all()
    return render_template("admin/sharing.html", agreements=rows, form=form, delete_form=EmptyForm(),
                           kind_names={c.value: str(c.label) for c in KIND_CHOICES}, sharing_note=sharing_note)


@bp.post("/sharing/<int:agreement_id>/delete")
@admin_required
def sharing_delete(agreement_id: int):
    """End a sharing agreement."""
    ag = db.session.get(SharingAgreement, agreement_id) or abort(404)
    if EmptyForm().validate_on_submit():
        orgs.delete_sharing(current_user, ag)
        db.session.commit()
        flash(_("Sharing agreement ended."), "success")
    return redirect(url_for("admin.sharing"))


AUDIT_SORTS = {"at": AuditEvent.id, "action": AuditEvent.action, "actor": AuditEvent.actor_label}


@bp.get("/audit")
@admin_required
def audit():
    """The audit log, newest first, paged on the server; filterable by action, actor, object type,
    result and day range (the URL keeps the filters)."""
    from datetime import date

    from supervision.audit import present
    from supervision.domain.calendar import end_of_day
    from supervision.main.paging import list_state, paginate

    args = {k: (request.args.get(k) or "").strip()[:100] or None
            for k in ("action", "actor", "object", "result", "from", "to")}
    q = select(AuditEvent)
    if args["action"]:
        q = q.where(AuditEvent.action == args["action"])
    if args["actor"]:
        q = q.where(AuditEvent.actor_label.contains(args["actor"], autoescape=True))
    if args["object"]:
        q = q.where(AuditEvent.object_type == args["object"])
    if args["result"]:
        q = q.where(AuditEvent.result == args["result"])
    for key, op in (("from", "ge"), ("to", "lt")):
        day = present.parse_day(args[key])
        if day is None:
            args[key] = None
        else:  # days of Asia/Shanghai; "to" includes its whole day
            bound = end_of_day(date.fromordinal(day.toordinal() - 1)) if op == "ge" else end_of_day(day)
            q = q.where(AuditEvent.at >= bound if op == "ge" else AuditEvent.at < bound)
    paged = paginate(q, list_state(request.args, AUDIT_SORTS, "at", "desc"), AUDIT_SORTS, tiebreak=(AuditEvent.id,))
    actions = sorted(db.session.scalars(select(AuditEvent.action).distinct()), key=present.action_label)
    objects = sorted(o for o in db.session.scalars(select(AuditEvent.object_type).distinct()) if o)
    return render_template("admin/audit.html", paged=paged, events=paged.items, args=args, actions=actions,
                           objects=objects, results=list(present.RESULT_LABELS), present=present)
