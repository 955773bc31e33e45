"""Flask extensions, created unbound; :func:`supervision.app.create_app` initialises them."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def __getattr__(name: str):
    """``migrate`` (Flask-Migrate) is created on first use: it imports Alembic (0.1 s), which the
    ingest command and its child never need (:func:`supervision.app.create_app` with ``web=False``
    does not register it)."""
    if name == "migrate":
        from flask_migrate import Migrate

        value = globals()["migrate"] = Migrate()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
