"""The parameters form: one text field per parameter, validated by its parser."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from supervision.parameters.services import PARAMETERS, ParamDef


def _valid(definition: ParamDef):
    def check(_form, field) -> None:
        """Refuse a value its parser refuses, with the parser's bilingual message."""
        try:
            definition.parse(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
    return check


class ParametersForm(FlaskForm):
    """Every configurable parameter (field name = the key in lower case)."""


for _p in PARAMETERS:
    setattr(ParametersForm, _p.key.lower(),
            StringField(_p.label, description=_p.help, validators=[DataRequired(), Length(max=500), _valid(_p)]))
