"""Scheduler admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import Optional


class JobForm(FlaskForm):
    """Pause / resume / run now: the job id (and, for "run now", an optional period)."""

    job_id = HiddenField()
    period = SelectField(_l("Period (optional)"), choices=[], validators=[Optional()], validate_choice=False)
