"""Vulnerable-consumer lens pages (issue 15): the sector ranking of a group's gaps and one
institution's lens (groups, shares, gaps, causes, channels, 消保工作 figures, trend). Scoped by
:mod:`supervision.scope`; filers see their own institution only and no sector comparison.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES, REGULATOR_ROLES
from supervision.extensions import db
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import can_see_institution
from supervision.vulnerable import queries

bp = Blueprint("vulnerable", __name__, url_prefix="/vulnerable")


def _period(period_id: int) -> Period:
    return db.session.get(Period, period_id) or abort(404)


def _group_arg() -> str:
    group = request.args.get("group", "ELDERLY")
    return group if group in queries.VULNERABLE else "ELDERLY"


@bp.get("/<int:period_id>")
@roles_required(*DATA_ROLES)
def period(period_id: int):
    """Per sector, the institutions in scope ranked by the chosen group's on-time gap."""
    p = _period(period_id)
    group = _group_arg()
    return render_template("vulnerable/period.html", period=p, group=group, groups=queries.VULNERABLE,
                           ranking=queries.sector_ranking(current_user, p, group))


@bp.get("/<int:period_id>/institutions/<int:institution_id>")
@roles_required(*DATA_ROLES)
def institution(period_id: int, institution_id: int):
    """One institution's lens in the period, with the trend of the chosen group."""
    p = _period(period_id)
    inst = db.session.get(Institution, institution_id)
    if inst is None or not can_see_institution(current_user, institution_id, "filings"):
        abort(404)
    group = _group_arg()
    regulator = current_user.role in REGULATOR_ROLES
    recent = list(db.session.scalars(select(Period).where(Period.code <= p.code).order_by(Period.code.desc())
                                     .limit(4)))[::-1]
    return render_template("vulnerable/institution.html", period=p, inst=inst, group=group,
                           groups=queries.VULNERABLE, regulator=regulator,
                           lens=queries.institution_lens(current_user, p, inst, with_sector=regulator),
                           trend=queries.trend(current_user, inst, group, recent))
