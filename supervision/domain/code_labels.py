"""A code's name in the reader's language: the spec's Chinese name (:mod:`supervision.rules.codes`) for a
Chinese reader, :mod:`supervision.domain.code_names_en` for an English one.

Callable from anywhere (views, services, exports, analytics): without an explicit ``locale`` it uses the
current request's locale (Flask-Babel) and Chinese outside a request.
"""

from __future__ import annotations

from supervision.domain.code_names_en import CODE_NAMES_EN
from supervision.rules.codes import CODE_LISTS


def current_language() -> str:
    """``"en"`` or ``"zh"``: the reader's language (Chinese outside a request or app context)."""
    try:
        from flask_babel import get_locale

        loc = get_locale()
    except Exception:  # no app or request context: the platform's default language
        return "zh"
    return "en" if loc is not None and str(loc).lower().startswith("en") else "zh"


def code_label(list_name: str, code: str | None, locale: str | None = None) -> str:
    """Name of ``code`` in list ``list_name`` (spec §1) in ``locale`` (``"zh"``/``"en"``, default the
    reader's); an unknown code is returned as it is, ``None`` as ``—``."""
    if code is None:
        return "—"
    lang = (locale or current_language()).lower()
    if lang.startswith("en"):
        name = CODE_NAMES_EN.get(list_name, {}).get(code)
        if name is not None:
            return name
    return CODE_LISTS.get(list_name, {}).get(code, code)


def code_labels(list_name: str, locale: str | None = None) -> dict[str, str]:
    """Every code of list ``list_name`` with its name in ``locale`` (spec order)."""
    return {c: code_label(list_name, c, locale) for c in CODE_LISTS.get(list_name, {})}
