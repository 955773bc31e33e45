"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from supervision.domain.enums import Role, Sector


def sector_choices() -> list[SelectChoice]:
    """``PAY · 非银行支付机构`` … for every sector (labels from :class:`Sector`, translated per request)."""
    return [SelectChoice(s.value, f"{s.value} · {s.label}") for s in Sector]


ROLE_CHOICES = [SelectChoice(Role.FILER, _l("Filer (institution)")),
                SelectChoice(Role.ANALYST, _l("Analyst (regulator)")),
                SelectChoice(Role.SUPERVISOR, _l("Supervisor (regulator)")),
                SelectChoice(Role.ADMIN, _l("Administrator"))]
KIND_CHOICES = [SelectChoice("filings", _l("Filings")),
                  SelectChoice("findings", _l("Findings")),
                  SelectChoice("league", _l("League tables"))]


class AgencyForm(FlaskForm):
    """Create or edit an agency."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    parent = SelectField(_l("Parent agency"), choices=[], validate_choice=True)


class InstitutionForm(FlaskForm):
    """Create or edit an institution."""

    code = StringField(_l("USCC (统一社会信用代码)"), validators=[DataRequired(), Length(min=18, max=18)])
    name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=100)])
    sector = SelectField(_l("Sector"), choices=sector_choices)
    agency = SelectField(_l("Lead agency"), choices=[])
    province = StringField(_l("Province code"), validators=[Optional(), Length(min=2, max=2)])
    licence_no = StringField(_l("Licence number"), validators=[Optional(), Length(max=64)])
    active = BooleanField(_l("Active"), default=True)
    active_from = StringField(_l("Expected to file from (quarter)"), description=_l(
        "e.g. 2024Q1; default: the current quarter. An earlier quarter back-fills history."),
        validators=[Optional(), Regexp(r"^\d{4}Q[1-4]$", message=_l("Use the form 2024Q1"))])
    active_until = StringField(_l("Expected to file until (quarter)"), description=_l(
        "empty: open-ended. Deactivating sets the last completed quarter."),
        validators=[Optional(), Regexp(r"^\d{4}Q[1-4]$", message=_l("Use the form 2024Q1"))])


class AliasForm(FlaskForm):
    """Add an alias."""

    alias = StringField(_l("Alias"), validators=[DataRequired(), Length(max=200)])


class UserForm(FlaskForm):
    """Create a user."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    institution = SelectField(_l("Institution (filers)"), choices=[])
    agency = SelectField(_l("Agency (regulators)"), choices=[])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=12, max=200)])


class UserStateForm(FlaskForm):
    """Activate/deactivate a user or reset the password."""

    password = PasswordField(_l("New password"), validators=[Optional(), Length(min=12, max=200)])


class SharingForm(FlaskForm):
    """Create or update a sharing agreement."""

    from_agency = SelectField(_l("Sharing agency"), choices=[])
    to_agency = SelectField(_l("Receiving agency"), choices=[])
    sectors = SelectMultipleField(_l("Sectors"), choices=sector_choices, validators=[DataRequired()])
    kinds = SelectMultipleField(_l("Data kinds"), choices=KIND_CHOICES, validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons."""
