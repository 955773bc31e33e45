"""Topic pages (spec §10.2): the period's topics across the reader's scope with QoQ and the
institutions contributing most, one institution's topics and terms, the drill-down to the rows
mentioning a topic (masked summaries), and full-text search of summaries — all scoped.

Thin: parse the request, ask :mod:`supervision.topics.queries`, render.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from reports.numbers import display
from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES
from supervision.extensions import db
from supervision.league.queries import periods
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import can_see_institution
from supervision.topics import queries
from supervision.topics.lexicon import topic as lexicon_topic
from supervision.topics.lexicon import topic_codes

bp = Blueprint("topics", __name__, url_prefix="/topics")


def topic_name(code: str) -> str:
    """The topic's name in the page's language (never the code)."""
    t = lexicon_topic(code)
    if t is None:
        return "—"
    return t.name_en if str(get_locale() or "zh").startswith("en") else t.name_zh


@bp.record_once
def _helpers(state) -> None:
    state.app.jinja_env.globals.update(topic_name=topic_name, pct_text=lambda v: display(v, 2))


def _period(period_id: int) -> Period:
    return db.session.get(Period, period_id) or abort(404)


def _institution(institution_id: int | None) -> Institution | None:
    if institution_id is None:
        return None
    inst = db.session.get(Institution, institution_id)
    if inst is None or not can_see_institution(current_user, institution_id, "filings"):
        abort(404)
    return inst


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


@bp.get("/")
@roles_required(*DATA_ROLES)
def index():
    """Periods, each linking to its topics."""
    return render_template("topics/index.html", periods=periods())


@bp.get("/<int:period_id>")
@roles_required(*DATA_ROLES)
def period(period_id: int):
    """The period's lexicon topics in scope: count, previous quarter, change, top institutions; terms."""
    p = _period(period_id)
    lines = queries.period_topics(current_user, p)
    names = {}
    codes = {c for t in lines for c, _n in t.institutions[:3]}
    if codes:
        names = {c: (i, n) for i, c, n in db.session.execute(
            select(Institution.id, Institution.code, Institution.name).where(Institution.code.in_(codes)))}
    return render_template("topics/period.html", period=p, lines=lines, names=names,
                           terms=queries.scope_terms(current_user, p))


@bp.get("/<int:period_id>/institutions/<int:institution_id>")
@roles_required(*DATA_ROLES)
def institution(period_id: int, institution_id: int):
    """One institution's topics (with the previous quarter) and its most frequent other terms."""
    p = _period(period_id)
    inst = _institution(institution_id)
    return render_template("topics/institution.html", period=p, inst=inst,
                           lines=queries.period_topics(current_user, p, inst.id),
                           terms=queries.institution_terms(current_user, p, inst.id))


@bp.get("/<int:period_id>/rows/<topic>")
@roles_required(*DATA_ROLES)
def rows(period_id: int, topic: str):
    """The received rows mentioning ``topic`` (optionally ``?institution_id=``), masked summaries."""
    p = _period(period_id)
    code = topic
    if code not in topic_codes():
        abort(404)
    inst = _institution(_int_arg("institution_id"))
    page = queries.topic_rows(current_user, p, code, inst.id if inst else None, _int_arg("page") or 1)
    return render_template("topics/rows.html", period=p, code=code, inst=inst, page=page)


@bp.get("/<int:period_id>/search")
@roles_required(*DATA_ROLES)
def search(period_id: int):
    """Full-text search of the (masked) summaries of the period's counting filings in scope."""
    p = _period(period_id)
    text = request.args.get("q", "").strip()[:100]
    inst = _institution(_int_arg("institution_id"))
    page = queries.search_rows(current_user, p, text, inst.id if inst else None, _int_arg("page") or 1) \
        if text else None
    return render_template("topics/search.html", period=p, q=text, inst=inst, page=page)
