"""``/api/v1/institutions``: institutions the token's user may see (:mod:`supervision.scope`)."""

from __future__ import annotations

from flask_login import current_user, login_required
from flask_smorest import Blueprint, abort
from sqlalchemy import or_, select

from supervision.api.paging import keyset_page
from supervision.api.schemas import CursorArgsSchema, page_schema
from supervision.extensions import db
from supervision.orgs.models import Institution
from supervision.orgs.schemas import InstitutionArgsSchema, InstitutionSchema
from supervision.scope import master_data_condition

blp = Blueprint("api_institutions", __name__, url_prefix="/api/v1",
                description="Institutions in the caller's scope")
InstitutionPage = page_schema(InstitutionSchema, "InstitutionPage")


class InstitutionListArgs(CursorArgsSchema, InstitutionArgsSchema):
    """Cursor and filters."""


@blp.get("/institutions")
@login_required
@blp.arguments(InstitutionListArgs, location="query")
@blp.response(200, InstitutionPage)
def list_institutions(args):
    """Institutions in scope: a filer's own, a regulator's by agency and sharing, all for admins."""
    q = select(Institution).where(master_data_condition(current_user))
    if args["sector"]:
        q = q.where(Institution.sector == args["sector"])
    if args["q"]:
        text = args["q"]
        q = q.where(or_(Institution.name.contains(text, autoescape=True), Institution.code == text,
                        Institution.short_name.contains(text, autoescape=True)))
    rows, nxt = keyset_page(q, Institution.id, "institutions", args["cursor"], args["limit"])
    return {"items": rows, "next_cursor": nxt}


@blp.get("/institutions/<int:institution_id>")
@login_required
@blp.response(200, InstitutionSchema)
def institution(institution_id: int):
    """One institution (404 outside the caller's scope)."""
    inst = db.session.scalar(select(Institution).where(Institution.id == institution_id,
                                                       master_data_condition(current_user)))
    if inst is None:
        abort(404)
    return inst
