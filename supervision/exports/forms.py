"""Export forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from supervision.domain.enums import ExportKind

KIND_CHOICES = [SelectChoice(ExportKind.SUMMARY, _l("Summary workbook (.xlsx)")),
                SelectChoice(ExportKind.FEEDBACK, _l("Feedback sheet of one institution (.xlsx)")),
                SelectChoice(ExportKind.CSV, _l("League table (.csv)")),
                SelectChoice(ExportKind.JSON, _l("League table (.json)"))]


class GenerateForm(FlaskForm):
    """Generate an export for a period (regulators: any kind; filers: their feedback sheet)."""

    kind = SelectField(_l("Export"), choices=KIND_CHOICES, validators=[DataRequired()])
    period = SelectField(_l("Period"), choices=[], validators=[DataRequired()])
    institution = StringField(_l("Institution USCC (feedback sheets)"), validators=[Optional(), Length(max=18)])
