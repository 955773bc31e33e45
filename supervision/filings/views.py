"""Filings list and detail, scoped by :mod:`supervision.scope` (upload arrives with ingest)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from supervision.authz import roles_required
from supervision.extensions import db
from supervision.filings.models import Filing
from supervision.periods.models import Period
from supervision.scope import visible_filings

bp = Blueprint("filings", __name__, url_prefix="/filings")


@bp.get("/")
@roles_required("filer", "analyst", "supervisor")
def index():
    """Filings visible to the acting user, optionally for one period."""
    q = visible_filings(current_user).options(selectinload(Filing.versions), selectinload(Filing.institution),
                                              selectinload(Filing.period))
    period = request.args.get("period")
    if period:
        q = q.join(Period, Period.id == Filing.period_id).where(Period.code == period)
    filings = db.session.scalars(q.order_by(Filing.id.desc())).all()
    periods = db.session.scalars(select(Period).order_by(Period.code.desc())).all()
    return render_template("filings/list.html", filings=filings, periods=periods, period=period)


@bp.get("/<int:filing_id>")
@roles_required("filer", "analyst", "supervisor")
def detail(filing_id: int):
    """One filing with its versions (404 outside the user's scope)."""
    filing = db.session.scalar(visible_filings(current_user).where(Filing.id == filing_id))
    if filing is None:
        abort(404)
    return render_template("filings/detail.html", filing=filing)
