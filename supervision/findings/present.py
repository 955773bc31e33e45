"""How a finding's history reads: each event's action named in the user's language, the system's
own notes (written in English when the checks ran) translated, the creation shown with the
finding's message in the reader's language. No raw action codes on any page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import get_locale, lazy_pgettext
from flask_babel import gettext as _

#: every action a finding's history records (:func:`supervision.findings.services._event`)
ACTION_LABELS = {
    "created": lazy_pgettext("finding history", "Finding raised"),
    "updated": lazy_pgettext("finding history", "Evidence updated"),
    "reopened": lazy_pgettext("finding history", "Holds again"),
    "auto_closed": lazy_pgettext("finding history", "Closed automatically"),
    "status": lazy_pgettext("finding history", "Regulator's decision"),
    "opened_to_institution": lazy_pgettext("finding history", "Opened to the institution"),
    "answered": lazy_pgettext("finding history", "Institution answered"),
    "referred": lazy_pgettext("finding history", "Referred"),
    "referral_accepted": lazy_pgettext("finding history", "Referral accepted"),
    "referral_answered": lazy_pgettext("finding history", "Referral answered"),
    "referral_declined": lazy_pgettext("finding history", "Referral declined"),
    "remediation_overdue": lazy_pgettext("finding history", "Remediation overdue"),
}

_REEVALUATED = re.compile(r"^re-evaluated on (?P<what>.*)$")
_AUTO = re.compile(r"^auto: (?P<what>.*)$")
_DUE = re.compile(r"^due (?P<day>\d{4}-\d{2}-\d{2})$")


def system_note(note: str | None) -> str | None:
    """A note written by the platform itself, in the reader's language (other notes unchanged)."""
    if not note:
        return note
    m = _AUTO.match(note)
    if m:
        note = m.group("what")
    if note == "evidence re-evaluated":
        return _("The evidence was re-evaluated on the current data.")
    if note == "the check holds again":
        return _("The check holds again on the current data.")
    m = _DUE.match(note)
    if m:
        return _("The remediation was due on %(d)s.", d=m.group("day"))
    if note == "filed on time":
        return _("The filing has now come in on time.")
    m = _REEVALUATED.match(note)
    if m:
        what = m.group("what")
        if what == "no accepted version":
            return _("No longer holds: no version of the filing counts any more.")
        return _("No longer holds when re-checked on version %(v)s.", v=what)
    return note


@dataclass
class HistoryEntry:
    """One event as shown."""

    event: object
    action: str
    actor: str
    note: str | None


def history(events, finding) -> list[HistoryEntry]:
    """The events as shown: translated action, actor (``system`` named), note in the reader's language."""
    zh = str(get_locale() or "zh").startswith("zh")
    out = []
    for e in events:
        if e.action == "created":
            note = finding.message_zh if zh else finding.message_en
        elif e.actor_id is None:
            note = system_note(e.note)
        else:
            note = e.note
        actor = _("the platform") if e.actor_label in ("system", "ingest", None) or e.actor_label.startswith("job:") \
            else e.actor_label
        out.append(HistoryEntry(e, str(ACTION_LABELS.get(e.action, e.action)), actor, note))
    return out
