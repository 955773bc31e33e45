"""Finding workflow forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from supervision.domain.enums import FINDING_REGULATOR_MOVES, FindingStatus

MOVES = [SelectChoice(FindingStatus.CLOSED, _l("Close")),
         SelectChoice(FindingStatus.REMEDIATION, _l("Require remediation")),
         SelectChoice(FindingStatus.OPEN, _l("Reopen"))]


def moves_from(status: str) -> list[SelectChoice]:
    """The decisions allowed from a finding's current state (the service's rule, in the form's order):
    the form never offers a move the service refuses (item 6)."""
    allowed = FINDING_REGULATOR_MOVES.get(FindingStatus(status), frozenset())
    return [c for c in MOVES if c.value in allowed]


class StatusForm(FlaskForm):
    """A regulator's workflow decision: closing needs a note, remediation a due date (the errors
    are shown beside those fields; the service checks the same)."""

    to_status = SelectField(_l("Decision"), choices=MOVES)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    remediation_due = DateField(_l("Remediation due"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        """The field validators, then what the chosen decision needs."""
        ok = super().validate(extra_validators)
        if self.to_status.data == FindingStatus.CLOSED and not (self.note.data or "").strip():
            self.note.errors.append(_l("Closing needs a note."))
            ok = False
        if self.to_status.data == FindingStatus.REMEDIATION and self.remediation_due.data is None \
                and not self.remediation_due.errors:
            self.remediation_due.errors.append(_l("Remediation needs a due date."))
            ok = False
        return ok


class AnswerForm(FlaskForm):
    """The institution's explanation, with an optional attachment."""

    text = TextAreaField(_l("Answer"), validators=[DataRequired(_l("An answer needs text.")), Length(max=8000)])
    attachment = FileField(_l("Attachment (optional)"))


class ReferForm(FlaskForm):
    """Refer a finding to another agency."""

    agency = SelectField(_l("Refer to agency"), choices=[],
                         validators=[DataRequired(_l("Choose the agency to refer the finding to."))])
    note = TextAreaField(_l("Note"), validators=[DataRequired(_l("A referral needs a note for the receiving agency.")),
                                                 Length(max=4000)])


class ReferralReplyForm(FlaskForm):
    """The receiving agency's reply."""

    text = TextAreaField(_l("Reply"), validators=[Optional(), Length(max=8000)])


class EmptyForm(FlaskForm):
    """CSRF only."""
