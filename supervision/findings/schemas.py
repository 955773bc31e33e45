"""Marshmallow schemas of findings, their history and referrals (API bodies)."""

from __future__ import annotations

import marshmallow as ma

from supervision.domain.enums import FindingLevel, FindingStatus
from supervision.fields import UtcDateTime


class FindingEventSchema(ma.Schema):
    """One step of a finding's history (an answer may carry an attachment)."""

    id = ma.fields.Integer(required=True)
    at = UtcDateTime(required=True)
    actor = ma.fields.String(attribute="actor_label", required=True)
    action = ma.fields.String(required=True)
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    attachment_name = ma.fields.String(allow_none=True)
    attachment_sha256 = ma.fields.String(allow_none=True)

    def get_attribute(self, obj, attr, default):
        """``actor`` as the caller may see it: an institution sees a regulator's agency, never a
        staff e-mail address (item 22; :func:`supervision.findings.present.actor_shown`)."""
        if attr == "actor_label" and not isinstance(obj, dict):
            from flask_login import current_user

            from supervision.accounts.models import User
            from supervision.domain.enums import Role
            from supervision.extensions import db
            from supervision.findings.present import actor_shown

            if getattr(current_user, "role", None) != Role.FILER or obj.actor_id is None:
                return obj.actor_label
            user = db.session.get(User, obj.actor_id) if obj.actor_id is not None else None
            return actor_shown(obj, {obj.actor_id: user} if user is not None else {}, current_user)
        return super().get_attribute(obj, attr, default)


class ReferralSchema(ma.Schema):
    """A referral (转办, §1.4) of a finding to another agency."""

    id = ma.fields.Integer(required=True)
    from_agency = ma.fields.Function(lambda r: r.from_agency.code, required=True)
    to_agency = ma.fields.Function(lambda r: r.to_agency.code, required=True)
    status = ma.fields.String(required=True)
    note = ma.fields.String(required=True)
    answer = ma.fields.String(allow_none=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class FindingSchema(ma.Schema):
    """A supervisory finding (§6): rule, level, workflow state, institution, period, evidence."""

    id = ma.fields.Integer(required=True)
    rule = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    institution = ma.fields.Function(lambda f: f.institution.code, required=True)
    period = ma.fields.Function(lambda f: f.period.code, required=True)
    subject = ma.fields.String(required=True)
    message_zh = ma.fields.String(required=True)
    message_en = ma.fields.String(required=True)
    evidence = ma.fields.Dict(required=True)
    versions = ma.fields.List(ma.fields.Integer(), required=True)
    visible_to_institution = ma.fields.Boolean(required=True)
    remediation_due = ma.fields.Date(allow_none=True)
    closed_reason = ma.fields.String(allow_none=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class FindingDetailSchema(FindingSchema):
    """A finding with the history the caller may see and (regulators) its referrals; the caller sets
    ``shown_events`` and ``shown_referrals`` on the finding (what its reader may see)."""

    events = ma.fields.List(ma.fields.Nested(FindingEventSchema), attribute="shown_events", required=True)
    referrals = ma.fields.List(ma.fields.Nested(ReferralSchema), attribute="shown_referrals", required=True)


class FindingArgsSchema(ma.Schema):
    """Filters of the finding list, as on the findings page."""

    period = ma.fields.String(load_default=None, validate=ma.validate.Length(max=6))
    rule = ma.fields.String(load_default=None, validate=ma.validate.Length(max=8))
    level = ma.fields.String(load_default=None, validate=ma.validate.OneOf(FindingLevel.values()))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(FindingStatus.values()))
    sector = ma.fields.String(load_default=None, validate=ma.validate.Length(max=8))
    institution = ma.fields.String(load_default=None, validate=ma.validate.Length(max=18))
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100))


class TransitionSchema(ma.Schema):
    """A regulator's workflow decision: the new status, a note (closing needs one), a due date (remediation)."""

    to_status = ma.fields.String(required=True, validate=ma.validate.OneOf(FindingStatus.values()))
    note = ma.fields.String(load_default=None, validate=ma.validate.Length(max=4000))
    remediation_due = ma.fields.Date(load_default=None)


class AnswerSchema(ma.Schema):
    """The institution's answer (text; an attachment goes as multipart field ``attachment``)."""

    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))


class ReferSchema(ma.Schema):
    """A referral to another agency, with a note for it."""

    agency = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))


class ReferralReplySchema(ma.Schema):
    """The receiving agency's reply: required to answer or decline, ignored when accepting."""

    text = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
