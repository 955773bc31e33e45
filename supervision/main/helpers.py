"""Jinja helpers: local time formatting, navigation per role, code list names."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Flask, url_for
from flask_babel import get_locale
from markupsafe import Markup

from supervision.domain import enums
from supervision.domain.code_labels import code_label
from supervision.domain.enums import FilingKind, FindingLevel, FindingStatus, Role, Sector, Severity, VersionStatus
from supervision.timeutil import local


def fmt_dt(value: datetime | None) -> str:
    """An instant shown in Asia/Shanghai as ``YYYY-MM-DD HH:MM``."""
    v = local(value)
    return v.strftime("%Y-%m-%d %H:%M") if v else "—"


def fmt_date(value: date | None) -> str:
    """A calendar date as ``YYYY-MM-DD``."""
    return value.isoformat() if value else "—"


def safe_next(target: str | None) -> str:
    """A local path to go back to after login or a language switch (anything else: the home page)."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    return target


def code_name(list_name: str, code: str | None) -> str:
    """Name of a code in the reader's language (falls back to the code); see
    :func:`supervision.domain.code_labels.code_label`."""
    return code_label(list_name, code)


def is_english() -> bool:
    """Whether the reader reads English (else Chinese, the platform's default)."""
    from supervision.domain.code_labels import current_language

    return current_language() == "en"


def colon() -> str:
    """The label separator of the reader's language: ``：`` (full width) in Chinese, ``": "`` in English."""
    return ": " if is_english() else "："


def list_sep() -> str:
    """The list separator of the reader's language: ``、`` in Chinese, ``", "`` in English."""
    return ", " if is_english() else "、"


def joined(items) -> str:
    """Items joined with the reader's list separator."""
    return list_sep().join(str(i) for i in items)


#: rules whose finding subject is a code of a spec list (G01/G02: a customer group, §10)
SUBJECT_LISTS = {"G01": "customer_group", "G02": "customer_group"}


def finding_subject(finding) -> str:
    """A finding's subject as the reader reads it: a coded subject (G01/G02 customer group) by its name in
    the reader's language, otherwise the stored label (e.g. a product or partner name)."""
    lst = SUBJECT_LISTS.get(finding.rule)
    if lst and finding.subject:
        return code_label(lst, finding.subject)
    return finding.subject_label or finding.subject or "—"


def role_label(role: str) -> str:
    """Translated role name."""
    return Role.label_of(role)


def sector_label(sector: str) -> str:
    """Sector code with its name (spec §1.2), e.g. ``PAY 非银行支付机构``."""
    return f"{sector} {Sector.label_of(sector)}" if sector in Sector.values() else sector


def kind_label(kind: str) -> str:
    """Filing kind with its name (spec §2)."""
    return FilingKind.label_of(kind)


def state_label(state: str) -> str:
    """Translated lifecycle state of a filing version (§7a); the stored code is never shown
    (pages put it in a ``data-status`` attribute for scripts and tests)."""
    return VersionStatus.label_of(state)


def severity_label(severity: str) -> str:
    """Translated severity of a rule (§6)."""
    return Severity.label_of(severity)


def level_label(level: str | None) -> str:
    """Translated finding level (§6)."""
    return FindingLevel.label_of(level)


LEVEL_BADGES = {FindingLevel.HIGH: "text-bg-danger", FindingLevel.MEDIUM: "text-bg-warning",
                FindingLevel.LOW: "text-bg-info"}


def level_badge(level: str | None) -> str:
    """Bootstrap badge class of a level."""
    return LEVEL_BADGES.get(level, "text-bg-light")


def finding_state_label(state: str) -> str:
    """Translated finding state (§6 workflow)."""
    return FindingStatus.label_of(state)


def _zh() -> bool:
    return str(get_locale() or "zh").startswith("zh")


def agency_name(agency) -> str:
    """An agency's name in the reader's language (the Chinese name when no English one is set)."""
    return "—" if agency is None else agency.label


def rule_name(rule_id: str) -> str:
    """A rule's code and title in the reader's language (``D02 年化利率超过上限``), from the registry."""
    from supervision.rules import catalog

    try:
        rule = catalog.get(rule_id)
    except KeyError:
        return rule_id
    return f"{rule_id} {rule.title_zh if _zh() else rule.title_en}"


def yes_no(value: bool | None) -> str:
    """是 / 否 (Yes / No), ``—`` when unknown."""
    from flask_babel import gettext

    return "—" if value is None else (gettext("Yes") if value else gettext("No"))


def csrf_field() -> Markup:
    """The CSRF token as a hidden input *without* an ``id`` (a page with several forms would
    otherwise repeat ``id="csrf_token"``; ``form.hidden_tag()`` is not used for that reason)."""
    from flask_wtf.csrf import generate_csrf

    return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()


def can_act(institution_id: int) -> bool:
    """Whether the acting user may take write actions on the institution (its lead agency's
    subtree, :func:`supervision.scope.can_act_on_institution`): pages offer only those actions."""
    from flask_login import current_user

    from supervision.scope import can_act_on_institution

    return current_user.is_authenticated and can_act_on_institution(current_user, institution_id)


def register(app: Flask) -> None:
    """Install filters and globals."""
    app.jinja_env.globals["csrf_field"] = csrf_field
    app.jinja_env.globals["can_act"] = can_act
    app.jinja_env.globals["yes_no"] = yes_no
    from supervision.main.readable import items as readable_items

    app.jinja_env.globals["readable_items"] = readable_items
    from supervision.main.paging import PER_PAGE_CHOICES, url_with

    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["per_page_choices"] = PER_PAGE_CHOICES
    app.jinja_env.filters["dt"] = fmt_dt
    app.jinja_env.filters["d"] = fmt_date
    app.jinja_env.globals["code_name"] = code_name
    app.jinja_env.globals["colon"] = colon
    app.jinja_env.globals["finding_subject"] = finding_subject
    app.jinja_env.globals["list_sep"] = list_sep
    app.jinja_env.filters["joined"] = joined
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["sector_label"] = sector_label
    app.jinja_env.globals["kind_label"] = kind_label
    app.jinja_env.globals["state_label"] = state_label
    app.jinja_env.globals["severity_label"] = severity_label
    app.jinja_env.globals["level_label"] = level_label
    app.jinja_env.globals["level_badge"] = level_badge
    app.jinja_env.globals["finding_state_label"] = finding_state_label
    app.jinja_env.globals["agency_name"] = agency_name
    app.jinja_env.globals["rule_name"] = rule_name
    app.jinja_env.globals["enums"] = enums
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "zh")
    from supervision.version import platform_version

    app.jinja_env.globals["platform_version"] = platform_version()
