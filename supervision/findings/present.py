"""How a finding's history reads: each event's action named in the user's language, the system's
own notes (written in English when the checks ran) translated, the creation shown with the
finding's message in the reader's language. No raw action codes on any page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import get_locale, lazy_pgettext
from flask_babel import gettext as _

from supervision.domain.enums import Role

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


_REFERRED = re.compile(r"^→ (?P<code>[A-Z0-9_-]+): (?P<rest>.*)$", re.S)


def _agency_note(action: str, note: str | None, agencies: dict) -> str | None:
    """A referral note that names an agency by its code (``PBOC``, ``→ PBOC: …``): the agency's name
    in the reader's language instead (item 7)."""
    from supervision.main.helpers import agency_name

    if not note:
        return note
    if action == "referral_accepted" and note in agencies:
        return agency_name(agencies[note])
    m = _REFERRED.match(note) if action == "referred" else None
    if m and m.group("code") in agencies:
        return f"→ {agency_name(agencies[m.group('code')])}: {m.group('rest')}"
    return note


def actor_shown(event, users: dict, reader) -> str:
    """Who acted, as the reader may see it: the platform for jobs; for an institution's staff a
    regulator is shown by its agency, never by a staff member's e-mail (item 22); regulators see the
    person's name (or address)."""
    from supervision.main.helpers import agency_name

    label = event.actor_label
    if label in ("system", "ingest", "console", None) or label.startswith("job:"):
        return _("the platform")
    user = users.get(event.actor_id)
    if getattr(reader, "role", None) != Role.FILER:
        return f"{user.name} ({label})" if user is not None and user.name else label
    if user is not None and user.institution_id is not None and user.institution_id == reader.institution_id:
        return user.name or label  # a colleague of the reader
    if user is not None and user.agency is not None:
        return agency_name(user.agency)
    return _("the regulator")


def history(events, finding, reader=None) -> list[HistoryEntry]:
    """The events as shown: translated action, actor (``system`` named, regulators by agency for
    institutions), note in the reader's language."""
    from sqlalchemy import select

    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.orgs.models import Agency

    zh = str(get_locale() or "zh").startswith("zh")
    ids = {e.actor_id for e in events if e.actor_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    agencies = {a.code: a for a in db.session.scalars(select(Agency))} \
        if any(e.action in ("referred", "referral_accepted") for e in events) else {}
    out = []
    for e in events:
        if e.action == "created":
            note = finding.message_zh if zh else finding.message_en
        elif e.actor_id is None:
            note = system_note(e.note)
        else:
            note = _agency_note(e.action, e.note, agencies)
        out.append(HistoryEntry(e, str(ACTION_LABELS.get(e.action, e.action)), actor_shown(e, users, reader), note))
    return out
