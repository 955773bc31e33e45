"""Jinja helpers: local time formatting, navigation per role, code list names."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from supervision.domain.codes import CODE_LISTS
from supervision.timeutil import local


def fmt_dt(value: datetime | None) -> str:
    """An instant shown in Asia/Shanghai as ``YYYY-MM-DD HH:MM``."""
    v = local(value)
    return v.strftime("%Y-%m-%d %H:%M") if v else "—"


def fmt_date(value: date | None) -> str:
    """A calendar date as ``YYYY-MM-DD``."""
    return value.isoformat() if value else "—"


def code_name(list_name: str, code: str | None) -> str:
    """Chinese name of a code (falls back to the code)."""
    if code is None:
        return "—"
    return CODE_LISTS.get(list_name, {}).get(code, code)


def role_label(role: str) -> str:
    """Translated role name."""
    labels = {"filer": _l("Filer"), "analyst": _l("Analyst"), "supervisor": _l("Supervisor"),
              "admin": _l("Administrator")}
    return str(labels.get(role, role))


def sector_label(sector: str) -> str:
    """Sector code with its Chinese name (spec §1.2)."""
    return f"{sector} {CODE_LISTS['sector'].get(sector, '')}".strip()


def kind_label(kind: str) -> str:
    """Filing kind with its name (spec §2)."""
    labels = {"CMP": _l("CMP complaint data"), "DSC": _l("DSC disclosure")}
    return str(labels.get(kind, kind))


def state_label(state: str) -> str:
    """Translated lifecycle state (§7a)."""
    labels = {"RECEIVED": _l("Received"), "VALIDATING": _l("Validating"), "REJECTED": _l("Rejected"),
              "VALIDATED": _l("Validated"), "ACCEPTED": _l("Accepted"), "RETURNED": _l("Returned"),
              "SUPERSEDED": _l("Superseded"), "FAILED": _l("Failed")}
    return f"{labels[state]} ({state})" if state in labels else state


def severity_label(severity: str) -> str:
    """Translated severity of a rule (§6)."""
    labels = {"blocking": _l("Blocking"), "warning": _l("Warning"), "finding": _l("Finding")}
    return str(labels.get(severity, severity))


def level_label(level: str | None) -> str:
    """Translated finding level (§6)."""
    labels = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
    return str(labels.get(level, level or "—"))


def level_badge(level: str | None) -> str:
    """Bootstrap badge class of a level."""
    return {"high": "text-bg-danger", "medium": "text-bg-warning", "low": "text-bg-info"}.get(level, "text-bg-light")


def finding_state_label(state: str) -> str:
    """Translated finding state (§6 workflow)."""
    labels = {"OPEN": _l("Open"), "EXPLAINED": _l("Explained"), "CLOSED": _l("Closed"),
              "REMEDIATION": _l("Remediation"), "REFERRED": _l("Referred")}
    return f"{labels[state]}" if state in labels else state


def register(app: Flask) -> None:
    """Install filters and globals."""
    app.jinja_env.filters["dt"] = fmt_dt
    app.jinja_env.filters["d"] = fmt_date
    app.jinja_env.globals["code_name"] = code_name
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["sector_label"] = sector_label
    app.jinja_env.globals["kind_label"] = kind_label
    app.jinja_env.globals["state_label"] = state_label
    app.jinja_env.globals["severity_label"] = severity_label
    app.jinja_env.globals["level_label"] = level_label
    app.jinja_env.globals["level_badge"] = level_badge
    app.jinja_env.globals["finding_state_label"] = finding_state_label
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "zh")
    from supervision.version import platform_version

    app.jinja_env.globals["platform_version"] = platform_version()
