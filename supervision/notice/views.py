"""Generating the 通报 document from the snapshot page (regulators): build, archive, download."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from supervision.authz import roles_required
from supervision.domain.enums import REGULATOR_ROLES
from supervision.exports import services as exports
from supervision.extensions import db
from supervision.notice.services import NoticeError, build_notice
from supervision.periods.models import Period

bp = Blueprint("notice", __name__, url_prefix="/notice")


@bp.post("/<int:period_id>")
@roles_required(*REGULATOR_ROLES)
def generate(period_id: int):
    """Build the 通报 ``.docx`` of a published snapshot (``snapshot`` form field, default the
    latest) for the user's scope, store it in the archive and download it."""
    period = db.session.get(Period, period_id) or abort(404)
    raw = request.form.get("snapshot", "")
    try:
        exp = build_notice(period, producer=current_user.email, number=int(raw) if raw.isdigit() else None,
                           view=exports.view_of(current_user), actor=current_user)
    except NoticeError as exc:
        db.session.rollback()
        flash(exc.message_zh if not exc.message_en else f"{exc.message_zh} / {exc.message_en}", "danger")
        return redirect(url_for("league.snapshots", period_id=period.id))
    db.session.commit()
    return redirect(url_for("exports.download", id=exp.id))
