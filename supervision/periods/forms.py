"""Period forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class PeriodForm(FlaskForm):
    """Add a quarter."""

    code = StringField(_l("Period code"), validators=[DataRequired(), Length(max=6),
                                                      Regexp(r"^\d{4}Q[1-4]$", message=_l("Use the form 2024Q1"))])


class UnlockForm(FlaskForm):
    """Unlock a locked period until a date, with a reason."""

    until = DateField(_l("Unlocked until"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class LockForm(FlaskForm):
    """Lock a period now, with a reason."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
