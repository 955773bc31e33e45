"""A job's schedule in words for the admin page (``cron:0 */5 * * * *`` reads "every 5 minutes")."""

from __future__ import annotations

import re

from flask_babel import gettext, ngettext

_N = re.compile(r"^\*/(\d+)$")
_DIGITS = re.compile(r"^\d+$")
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def _every(field: str) -> int | None:
    m = _N.match(field)
    return int(m.group(1)) if m else None


def schedule_text(text: str) -> str:
    """The schedule (``HH:MM`` or ``cron:SEC MIN HOUR DAY MONTH DOW``, see
    :mod:`supervision.jobs.definitions`) in the reader's language; an unusual cron expression is named
    as such with its fields."""
    text = (text or "").strip()
    m = _HHMM.match(text)
    if m:
        at = f"{int(m.group(1)):02d}:{m.group(2)}"
        return gettext("every day at %(t)s", t=at)
    fields = text[5:].split() if text.startswith("cron:") else []
    if len(fields) == 6:
        sec, minute, hour, day, month, dow = fields
        if day == month == dow == "*" and sec in ("0", "*/60"):
            if hour == "*" and (n := _every(minute)):
                return ngettext("every %(num)s minute", "every %(num)s minutes", n)
            if hour == "*" and minute == "*":
                return gettext("every minute")
            n = 1 if hour == "*" else _every(hour)
            if n == 1 and _DIGITS.match(minute):
                return gettext("every hour at minute %(m)s", m=int(minute))
            if n and _DIGITS.match(minute):
                return ngettext("every %(num)s hour at minute %(m)s", "every %(num)s hours at minute %(m)s", n,
                                m=int(minute))
            if _DIGITS.match(hour) and _DIGITS.match(minute):
                at = f"{int(hour):02d}:{int(minute):02d}"
                return gettext("every day at %(t)s", t=at)
    return gettext("custom schedule (%(c)s)", c=text)
