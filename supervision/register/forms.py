"""Register forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class RegisterForm(FlaskForm):
    """Upload a register file (.xlsx or .csv)."""

    file = FileField("file", validators=[FileRequired()])
