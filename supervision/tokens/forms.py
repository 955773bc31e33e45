"""The account page's form for a new API token (WTForms; CSRF via Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


def scope_choices(role: str) -> list[tuple[str, str]]:
    """The scopes a user of ``role`` may choose, labelled."""
    from supervision.tokens.services import scopes_for

    labels = {"read": _l("Read only"), "submit": _l("Read and submit filings"),
              "manage": _l("Read and regulator actions")}
    return [(s, labels[s]) for s in scopes_for(role)]


class TokenForm(FlaskForm):
    """What the token is for, its scope and how many days it lasts."""

    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=100)])
    scope = SelectField(_l("Permission"), validators=[DataRequired()])
    days = IntegerField(_l("Valid for (days)"), default=90, validators=[DataRequired(), NumberRange(min=1, max=366)])
