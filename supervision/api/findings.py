"""``/api/v1/findings``: supervisory findings (§6) — list and detail in the caller's scope,
regulators' workflow transitions, opening to the institution, referrals (§1.4) and their replies,
the institution's answers (with an optional attachment)."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from supervision.api.auth import clean_filename, needs_scope
from supervision.api.paging import keyset_page
from supervision.api.schemas import CursorArgsSchema, page_schema
from supervision.authz import regulator_required, roles_required
from supervision.domain.enums import DATA_ROLES, Role
from supervision.extensions import db
from supervision.findings import queries, services
from supervision.findings.models import Finding
from supervision.findings.schemas import (
    AnswerSchema,
    FindingArgsSchema,
    FindingDetailSchema,
    FindingSchema,
    ReferralReplySchema,
    ReferralSchema,
    ReferSchema,
    TransitionSchema,
)
from supervision.main.limits import accepts_upload
from supervision.orgs.models import Agency
from supervision.transactions import begin_write

blp = Blueprint("api_findings", __name__, url_prefix="/api/v1", description="Supervisory findings (§6)")
FindingPage = page_schema(FindingSchema, "FindingPage")
ANSWER_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "required": ["text"],
                                     "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 4000}}}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string"}, "attachment": {"type": "string", "format": "binary"}}}}}}


class FindingListArgs(CursorArgsSchema, FindingArgsSchema):
    """Cursor and filters."""


def _finding_or_404(finding_id: int) -> Finding:
    f = queries.visible_finding(current_user, finding_id)
    if f is None:
        abort(404)
    return f


def _detail(f: Finding) -> Finding:
    """The finding with what the caller may see of its history and referrals."""
    filer = current_user.role == Role.FILER
    f.shown_events = [e for e in f.events if e.visible_to_institution] if filer else list(f.events)
    f.shown_referrals = [] if filer else list(f.referrals)
    return f


@blp.get("/findings")
@roles_required(*DATA_ROLES)
@blp.arguments(FindingListArgs, location="query")
@blp.response(200, FindingPage)
def findings(args):
    """Findings in the caller's scope (filers: those opened to their institution), newest first."""
    rows, nxt = keyset_page(queries.filtered(current_user, args), Finding.id, "findings", args["cursor"],
                            args["limit"])
    return {"items": rows, "next_cursor": nxt}


@blp.get("/findings/<int:finding_id>")
@roles_required(*DATA_ROLES)
@blp.response(200, FindingDetailSchema)
def finding(finding_id: int):
    """One finding with its history (filers: the steps shown to the institution) and referrals."""
    return _detail(_finding_or_404(finding_id))


@blp.post("/findings/<int:finding_id>/status")
@regulator_required
@needs_scope("manage")
@blp.arguments(TransitionSchema)
@blp.response(200, FindingDetailSchema)
def transition(body, finding_id: int):
    """A regulator's workflow decision (closing needs a note, remediation a due date)."""
    f = _finding_or_404(finding_id)
    services.transition(current_user, f, body["to_status"], note=body["note"], remediation_due=body["remediation_due"])
    db.session.commit()
    return _detail(f)


@blp.post("/findings/<int:finding_id>/open")
@regulator_required
@needs_scope("manage")
@blp.response(200, FindingDetailSchema)
def open_(finding_id: int):
    """Open the finding to its institution, which may then answer it."""
    f = _finding_or_404(finding_id)
    services.open_to_institution(current_user, f)
    db.session.commit()
    return _detail(f)


@blp.post("/findings/<int:finding_id>/answer")
@roles_required(Role.FILER)
@needs_scope("submit")
@accepts_upload
@blp.doc(requestBody=ANSWER_BODY)
@blp.response(200, FindingDetailSchema)
def answer(finding_id: int):
    """The institution answers (JSON ``{"text"}``, or multipart ``text`` + ``attachment``)."""
    f = _finding_or_404(finding_id)
    if request.mimetype == "multipart/form-data":
        text, fh = request.form.get("text", ""), request.files.get("attachment")
    elif request.is_json:
        data = request.get_json(silent=True)
        text, fh = (data.get("text") if isinstance(data, dict) else None), None
    else:
        abort(415)
    errors = AnswerSchema().validate({"text": text if isinstance(text, str) else None})
    if errors:
        abort(422, errors={"json": errors})
    if "\x00" in text:
        abort(422, errors={"form": {"text": ["Text may not contain the NUL character (U+0000)."]}})
    begin_write(db.session)  # the body is in: the answer is checked and written as a writer
    services.answer_by_institution(current_user, f, text, stream=fh.stream if fh else None,
                                   filename=clean_filename(fh.filename) if fh else None)
    db.session.commit()
    return _detail(f)


@blp.post("/findings/<int:finding_id>/refer")
@regulator_required
@needs_scope("manage")
@blp.arguments(ReferSchema)
@blp.response(201, ReferralSchema)
def refer(body, finding_id: int):
    """Refer (转办) the finding to another agency with a note (§1.4)."""
    f = _finding_or_404(finding_id)
    agency = db.session.scalar(select(Agency).where(Agency.code == body["agency"]))
    if agency is None:
        abort(422, errors={"json": {"agency": [f"No agency {body['agency']}."]}})
    ref = services.refer(current_user, f, agency, body["note"])
    db.session.commit()
    return ref


@blp.post("/referrals/<int:referral_id>/<action>")
@regulator_required
@needs_scope("manage")
@blp.arguments(ReferralReplySchema)
@blp.response(200, ReferralSchema)
def referral(body, referral_id: int, action: str):
    """The receiving agency accepts, answers or declines a referral (``action``: accept, answer, decline)."""
    ref = queries.visible_referral(current_user, referral_id)
    if ref is None or action not in ("accept", "answer", "decline"):
        abort(404)
    if action == "accept":
        services.referral_accept(current_user, ref)
    elif action == "answer":
        services.referral_answer(current_user, ref, body["text"])
    else:
        services.referral_decline(current_user, ref, body["text"])
    db.session.commit()
    return ref
