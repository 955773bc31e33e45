"""Periods page (everyone logged in) and period management (supervisors)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from supervision.authz import supervisor_required
from supervision.domain.calendar import today_local
from supervision.domain.enums import Role
from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.periods import services
from supervision.periods.forms import LockForm, PeriodForm, UnlockForm
from supervision.periods.models import Period

bp = Blueprint("periods", __name__, url_prefix="/periods")


def _page(form: PeriodForm | None = None, unlock_form: UnlockForm | None = None, unlock_for: int | None = None,
          lock_form: LockForm | None = None, lock_for: int | None = None):
    """The periods page; a refused form comes back with the user's input and the error beside it."""
    periods = db.session.scalars(select(Period).order_by(Period.code.desc())).all()
    return render_template("periods/list.html", periods=periods, today=today_local(),
                           form=form or PeriodForm(formdata=None), unlock_form=unlock_form or UnlockForm(formdata=None),
                           unlock_for=unlock_for, lock_form=lock_form or LockForm(formdata=None), lock_for=lock_for,
                           can_manage=current_user.role == Role.SUPERVISOR)


@bp.get("/")
@login_required
def index():
    """List periods with due dates, lock dates and state."""
    return _page()


@bp.post("/")
@supervisor_required
def create():
    """Add a period (supervisor)."""
    form = PeriodForm()
    if not form.validate_on_submit():
        return _page(form=form), 400
    answer_errors_with(render=lambda: _page(form=form))
    p = services.add_period(current_user, form.code.data.strip().upper())
    db.session.commit()
    flash(_("Period %(code)s added.", code=p.code), "success")
    return redirect(url_for("periods.index"))


@bp.post("/<int:period_id>/unlock")
@supervisor_required
def unlock(period_id: int):
    """Unlock a locked period until a date, with a reason (supervisor; audited)."""
    period = db.session.get(Period, period_id) or abort(404)
    form = UnlockForm()
    if not form.validate_on_submit():
        return _page(unlock_form=form, unlock_for=period.id), 400
    answer_errors_with(render=lambda: _page(unlock_form=form, unlock_for=period.id))
    services.unlock_period(current_user, period, form.until.data, form.reason.data)
    db.session.commit()
    flash(_("Period %(code)s unlocked.", code=period.code), "success")
    return redirect(url_for("periods.index"))


@bp.post("/<int:period_id>/lock")
@supervisor_required
def lock(period_id: int):
    """Close a period for filing now, with a reason (supervisor; audited)."""
    period = db.session.get(Period, period_id) or abort(404)
    form = LockForm()
    if not form.validate_on_submit():
        return _page(lock_form=form, lock_for=period.id), 400
    answer_errors_with(render=lambda: _page(lock_form=form, lock_for=period.id))
    services.lock_period(current_user, period, form.reason.data)
    db.session.commit()
    flash(_("Period %(code)s locked.", code=period.code), "success")
    return redirect(url_for("periods.index"))
