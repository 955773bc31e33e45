"""Upload forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from supervision.domain.enums import FilingKind

KIND_CHOICES = [SelectChoice(kind, kind.label) for kind in FilingKind]


class UploadForm(FlaskForm):
    """Upload one workbook for a period and kind."""

    period = SelectField(_l("Period"), choices=[], validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    file = FileField(_l("Workbook (.xlsx)"), validators=[FileRequired(_l("Choose the workbook to upload."))])
    dry_run = BooleanField(_l("Dry run: validate only, store nothing"))


class NoteForm(FlaskForm):
    """Return a version with a note."""

    note = TextAreaField(_l("Note to the institution"),
                         validators=[DataRequired(_l("Write a note: it is required.")), Length(max=2000)])
