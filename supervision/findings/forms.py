"""Finding workflow forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from supervision.domain.enums import FindingStatus

MOVES = [SelectChoice(FindingStatus.CLOSED, _l("Close")),
         SelectChoice(FindingStatus.REMEDIATION, _l("Require remediation")),
         SelectChoice(FindingStatus.OPEN, _l("Reopen"))]



class StatusForm(FlaskForm):
    """A regulator's workflow decision."""

    to_status = SelectField(_l("Decision"), choices=MOVES)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    remediation_due = DateField(_l("Remediation due"), validators=[Optional()])


class AnswerForm(FlaskForm):
    """The institution's explanation, with an optional attachment."""

    text = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=8000)])
    attachment = FileField(_l("Attachment (optional)"))


class ReferForm(FlaskForm):
    """Refer a finding to another agency."""

    agency = SelectField(_l("Refer to agency"), choices=[])
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=4000)])


class ReferralReplyForm(FlaskForm):
    """The receiving agency's reply."""

    text = TextAreaField(_l("Reply"), validators=[Optional(), Length(max=8000)])


class EmptyForm(FlaskForm):
    """CSRF only."""
