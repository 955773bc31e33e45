"""The one user-facing service error and the one place that turns it into a response.

Services refuse a business action by raising :class:`ServiceError` (or a feature's subclass:
``FilingError``, ``FindingError``, ``LeagueError``, ``OrgError``, …) with a bilingual message,
Chinese first (``"中文 / English"``, or ``message_en=``), and the HTTP status it deserves. Views do
not catch it: before calling a service a page says how a refusal is answered —
:func:`answer_errors_with` (redirect to a page, or re-render the form with the user's input) — and
:func:`respond`, installed as the application's error handler, does it: roll back (or commit what
must be kept, e.g. the audit of a failed password check), flash the message and redirect or
re-render with the error's status; JSON for API clients; the error page when the page declared
nothing or the action is forbidden (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, g, redirect

HINT_SEPARATOR = " / "


class ServiceError(ValueError):
    """A business action refused, with a bilingual message (中文 first) and an HTTP status.

    ``ServiceError("中文 / English", 409)`` or ``ServiceError("中文", 409, message_en="English")``.
    """

    default_status = 400

    def __init__(self, message: str, status: int | None = None, *, message_en: str | None = None):
        if message_en is None and HINT_SEPARATOR in message:
            message, message_en = message.split(HINT_SEPARATOR, 1)
        self.message_zh = message
        self.message_en = message_en
        self.status = status if status is not None else self.default_status
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The message as shown: ``中文 / English`` (Chinese alone when there is no English)."""
        return f"{self.message_zh}{HINT_SEPARATOR}{self.message_en}" if self.message_en else self.message_zh

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Answer:
    """How the current page answers a refusal: a URL to redirect to, or a function that re-renders
    the page (with the user's input) and the status it is answered with (default: the error's) —
    and whether the request's changes are kept."""

    redirect_to: str | None = None
    render: Callable[[], str] | None = None
    commit: bool = False
    status: int | None = None


def answer_errors_with(*, redirect_to: str | None = None, render: Callable[[], str] | None = None,
                       commit: bool = False, status: int | None = None) -> None:
    """Declare, before calling a service, how this request answers a :class:`ServiceError`:
    flash its message, then redirect to ``redirect_to`` or return ``render()`` with ``status``
    (default: the error's HTTP status). ``commit`` keeps the request's changes (an audit record of
    the refusal)."""
    g.service_error_answer = Answer(redirect_to, render, commit, status)


def respond(exc: ServiceError):
    """The one conversion of a :class:`ServiceError` into a response (the app's error handler)."""
    from supervision.extensions import db
    from supervision.main.errors import render_error, wants_json

    answer: Answer = g.pop("service_error_answer", None) or Answer()
    if answer.commit:
        db.session.commit()
    else:
        db.session.rollback()
    if wants_json():
        return render_error(exc.status, "", exc.message)
    if exc.status in (403, 404):
        from supervision.audit.services import record_denial

        record_denial(exc.status, exc.message)
    if exc.status == 403 or (answer.redirect_to is None and answer.render is None):
        return render_error(exc.status, None, exc.message)
    flash(exc.message, "danger")
    if answer.render is not None:
        return answer.render(), answer.status or exc.status
    return redirect(answer.redirect_to)
