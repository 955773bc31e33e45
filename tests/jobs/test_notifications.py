"""Notifications: findings opened to an institution reach its filers only; the page lists and marks
them read; e-mail goes through a real (local, aiosmtpd) SMTP server when one is configured."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, login, page_token
from tests.jobs.conftest import at


class Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        """Store the message; answer 250."""
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp(jlive, monkeypatch):
    """A local SMTP server, and the app configured to use it."""
    from aiosmtpd.controller import Controller

    app, _world = jlive
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_FROM", "noreply@supervision.test")
    try:
        yield inbox
    finally:
        controller.stop()


def _notifications():
    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.notifications.models import Notification

    return db.session.execute(select(User.email, Notification).join(User, User.id == Notification.user_id)
                              .order_by(Notification.id)).all()


def _open(world, finding_id: int):
    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.findings.models import Finding
    from supervision.findings.services import open_to_institution

    analyst = db.session.get(User, world.users["analyst_nfra"][0])
    open_to_institution(analyst, db.session.get(Finding, finding_id))
    db.session.commit()


def test_finding_opened_notifies_the_institutions_filers_only(jctx):
    from supervision.extensions import db
    from supervision.findings.models import Finding

    app, world = jctx
    f = db.session.get(Finding, world.finding_a)
    f.visible_to_institution = False
    db.session.commit()
    _open(world, world.finding_a)
    got = _notifications()
    assert [(e, n.kind) for e, n in got] == [(world.users["filer_a"][1], "finding_opened")]
    n = got[0][1]
    assert n.link == f"/findings/{world.finding_a}" and "D05" in n.subject_en and n.email_state == "none"
    _open(world, world.finding_a)  # already open: nothing new
    assert len(_notifications()) == 1

    client = app.test_client()
    assert login(client, world.users["filer_a"][1], PASSWORD).status_code == 302
    home = client.get("/notifications/").get_data(as_text=True)
    assert 'id="unread-count">1<' in home and "D05" in home and f'value="/findings/{world.finding_a}"' in home
    token = page_token(client, "/notifications/")
    assert client.post("/notifications/read", data={"csrf_token": token, "all": "1"}).status_code == 302
    assert 'id="unread-count"' not in client.get("/notifications/").get_data(as_text=True)
    other = app.test_client()
    assert login(other, world.users["filer_b"][1], PASSWORD).status_code == 302
    assert "D05" not in other.get("/notifications/").get_data(as_text=True)


def test_a_user_marks_only_their_own_notifications(jctx):
    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.notifications.models import Notification
    from supervision.notifications.services import notify

    app, world = jctx
    a = db.session.get(User, world.users["filer_a"][0])
    b = db.session.get(User, world.users["filer_b"][0])
    created = notify([a, b], "reminder", subject=("提醒", "reminder"), body=("正文", "body"), dedupe_key="k")
    db.session.commit()
    ids = {n.user_id: n.id for n in created}
    client = app.test_client()
    assert login(client, world.users["filer_a"][1], PASSWORD).status_code == 302
    token = page_token(client, "/notifications/")
    client.post("/notifications/read", data={"csrf_token": token, "ids": [str(ids[b.id]), str(ids[a.id])]})
    db.session.rollback()
    assert db.session.get(Notification, ids[a.id]).read_at is not None
    assert db.session.get(Notification, ids[b.id]).read_at is None


def test_emails_go_through_the_configured_smtp_server(jctx, smtp):
    from supervision.extensions import db
    from supervision.jobs.services import execute
    from supervision.notifications.models import Notification
    from supervision.notifications.services import deliver_pending
    from supervision.periods.services import add_period

    _app, world = jctx
    add_period(None, "2033Q1")  # due 2033-04-15; nobody has filed it
    db.session.commit()
    result = execute("reminders", at(dt.date(2033, 4, 12), 8))
    assert result.output["periods"]["2033Q1"]["notifications"] == 2
    assert {n.email_state for _e, n in _notifications()} == {"pending"}
    assert deliver_pending() == {"sent": 2, "failed": 0}
    assert deliver_pending() == {"sent": 0, "failed": 0}  # each e-mail once
    assert sorted(rcpt for rcpt, _m in smtp.messages) == sorted(
        [[world.users["filer_a"][1]], [world.users["filer_b"][1]]])
    _rcpt, msg = smtp.messages[0]
    assert "2033Q1" in msg["Subject"] and "noreply@supervision.test" in msg["From"]
    text = msg.get_content()
    assert "距截止日还有 3 天" in msg["Subject"] and "2033-04-15" in text and "/filings/" in text
    sent = db.session.scalars(select(Notification)).all()
    assert all(n.email_state == "sent" and n.emailed_at is not None for n in sent)


def test_an_unreachable_smtp_server_marks_the_email_failed(jctx, monkeypatch):
    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.notifications.services import deliver_pending, notify

    app, world = jctx
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", _free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 2)
    notify([db.session.get(User, world.users["filer_a"][0])], "reminder", subject=("s", "s"), body=("b", "b"))
    db.session.commit()
    assert deliver_pending() == {"sent": 0, "failed": 1}
    (_e, n), = _notifications()
    assert n.email_state == "failed" and n.email_error


def test_without_smtp_nothing_is_sent(jctx):
    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.notifications.services import deliver_pending, notify

    app, world = jctx
    assert not app.config["SMTP_HOST"]
    notify([db.session.get(User, world.users["filer_a"][0])], "reminder", subject=("s", "s"), body=("b", "b"))
    db.session.commit()
    assert deliver_pending() == {"sent": 0, "failed": 0}
    assert [n.email_state for _e, n in _notifications()] == ["none"]
