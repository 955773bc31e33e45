"""Account forms (WTForms; CSRF via Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """E-mail and password, with an optional remember-me cookie."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this computer"))


class NameForm(FlaskForm):
    """One's display name (greeting, navigation bar, histories)."""

    name = StringField(_l("Your name"), validators=[DataRequired(_l("Give your name.")), Length(max=100)])


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=12, max=200)])
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("Passwords do not match"))])


class LogoutForm(FlaskForm):
    """Empty form carrying the CSRF token for POST /logout."""
