"""The administrators' page of the §6/§8 *(config)* parameters (decision 7): current value, where
it comes from (set here, or the environment's default), edit, reset; every change audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from supervision.audit.models import AuditEvent
from supervision.authz import admin_required
from supervision.extensions import db
from supervision.parameters import services
from supervision.parameters.forms import ParametersForm

bp = Blueprint("parameters", __name__, url_prefix="/admin/parameters")


def _page(form: ParametersForm):
    history = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("parameter_set", "parameter_reset")))
                                 .order_by(AuditEvent.id.desc()).limit(50)).all()
    rows = [(p, getattr(form, p.key.lower()), services.stored(p.key), services.default_text(p.key))
            for p in services.PARAMETERS]
    return render_template("parameters/index.html", form=form, rows=rows, history=history)


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    """Show and change the parameters; ``reset=KEY`` goes back to the environment's value."""
    form = ParametersForm()
    if request.method == "GET":
        for key, text in services.effective().items():
            getattr(form, key.lower()).data = text
        return _page(form)
    reset = request.form.get("reset")
    if reset in services.BY_KEY:
        if not FlaskForm().validate_on_submit():  # the CSRF token only
            abort(400)
        if services.reset(current_user, reset):
            db.session.commit()
            flash(_("%(name)s is back to its default.", name=services.BY_KEY[reset].label), "success")
        return redirect(url_for("parameters.index"))
    if not form.validate_on_submit():
        return _page(form)
    changed = [p for p in services.PARAMETERS if services.set_value(current_user, p.key,
                                                                      getattr(form, p.key.lower()).data)]
    db.session.commit()
    if changed:
        flash(_("Saved: %(names)s. League table drafts and checks use the new values from now on.",
                names=", ".join(str(p.label) for p in changed)), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("parameters.index"))
