"""Display labels that are translated when shown, without importing Flask.

:func:`lazy_pgettext` mirrors ``flask_babel.lazy_pgettext`` (same name, same extraction keyword
``lazy_pgettext:1c,2``) so that pure modules — the enums of :mod:`supervision.domain.enums`, the
rule catalogue — can carry labels: the label is looked up in the ``.po`` catalogue, under its
*message context*, only when it is turned into text inside a request (English outside one).
A message context keeps one English word with two meanings apart: ``("finding status",
"Closed")`` and the complaint column ``"Closed"`` (办结日期) are two catalogue entries.
"""

from __future__ import annotations


class LazyLabel:
    """A label (message context + English msgid) translated each time it is shown."""

    __slots__ = ("context", "msgid")

    def __init__(self, context: str, msgid: str):
        self.context = context
        self.msgid = msgid

    def __str__(self) -> str:
        from flask_babel import pgettext  # imported when shown: this module stays free of Flask

        return pgettext(self.context, self.msgid)

    def __repr__(self) -> str:
        return f"LazyLabel({self.context!r}, {self.msgid!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyLabel):
            return (self.context, self.msgid) == (other.context, other.msgid)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.context, self.msgid))


def lazy_pgettext(context: str, msgid: str) -> LazyLabel:
    """A label translated under ``context`` when shown (extracted by ``make translations-update``)."""
    return LazyLabel(context, msgid)
