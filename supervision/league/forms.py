"""League forms: the supervisor's publication (the period code is confirmed by the form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


class PublishForm(FlaskForm):
    """Publish a period's current table; ``period_code`` must name the period being published and
    ``table_sha256`` the draft the supervisor reviewed on the confirmation step."""

    period_code = HiddenField(validators=[DataRequired()])
    table_sha256 = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
