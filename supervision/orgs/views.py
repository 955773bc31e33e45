"""Institution list and detail for regulators (scoped), filers (own) and admins (master data)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from supervision.domain.enums import REGULATOR_ROLES
from supervision.extensions import db
from supervision.orgs.models import Institution
from supervision.scope import master_data_condition

bp = Blueprint("orgs", __name__, url_prefix="/institutions")


@bp.get("/")
@login_required
def index():
    """Institutions the acting user may see, filterable by sector and text."""
    from supervision.main.paging import list_state, paginate

    q = select(Institution).where(master_data_condition(current_user))
    sector = request.args.get("sector")
    if sector:
        q = q.where(Institution.sector == sector)
    text = (request.args.get("q") or "").strip()[:100]
    if text:
        q = q.where(or_(Institution.name.contains(text, autoescape=True), Institution.code == text,
                        Institution.short_name.contains(text, autoescape=True)))
    sorts = {"sector": (Institution.sector, Institution.name), "name": Institution.name}
    paged = paginate(q, list_state(request.args, sorts, "sector", default_per_page=100), sorts,
                     tiebreak=(Institution.id,))
    return render_template("orgs/list.html", institutions=paged.items, paged=paged, sector=sector, q=text)


@bp.get("/<int:institution_id>")
@login_required
def detail(institution_id: int):
    """One institution (404 when outside the user's scope, so existence is not revealed); for
    regulators also its filings and versions, findings, league history and disclosure content."""
    inst = db.session.scalar(select(Institution).where(Institution.id == institution_id,
                                                       master_data_condition(current_user)))
    if inst is None:
        abort(404)
    data = None
    if current_user.role in REGULATOR_ROLES:
        from supervision.orgs.queries import overview

        data = overview(current_user, inst)
    return render_template("orgs/detail.html", inst=inst, data=data)
