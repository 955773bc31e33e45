"""League forms: the supervisor's publication (the period code is confirmed by the form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired


class PublishForm(FlaskForm):
    """Publish a period's current table; ``period_code`` must name the period being published."""

    period_code = HiddenField(validators=[DataRequired()])
