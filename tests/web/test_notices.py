"""Issue 10, notifications: every event that asks someone to act notifies exactly the people who
must act, once, in both languages, with a link that opens the object for them — and the pages'
forms keep what the user typed when they refuse it (item 4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from supervision.domain.enums import FindingStatus, NotificationKind, ReferralStatus
from supervision.findings.models import Finding, Referral
from supervision.notifications.models import Notification
from tests.conftest import PASSWORD, IsolatedClient, csrf_from, login


def notices(db, user, kind=None) -> list[Notification]:
    q = select(Notification).where(Notification.user_id == user.id)
    if kind:
        q = q.where(Notification.kind == kind)
    return list(db.session.scalars(q.order_by(Notification.id)))


def as_user(app, user):
    app.test_client_class = IsolatedClient  # each request in its own application context
    client = app.test_client()
    assert login(client, user.email, PASSWORD).status_code == 302
    return client


def opens(app, user, link: str) -> None:
    """The notice's link opens its object for the recipient."""
    resp = as_user(app, user).get(link)
    assert resp.status_code == 200, (link, resp.status_code)


def test_returning_a_version_notifies_its_filers(app, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "TASK_BACKEND", "sync")  # the checks re-run inside this test's transaction
    u = world.users
    version = world.filing_a.versions[0]
    client = as_user(app, u.supervisor)
    page = client.get(f"/filings/versions/{version.id}").get_data(as_text=True)
    refused = client.post(f"/filings/versions/{version.id}/return", data={"csrf_token": csrf_from(page), "note": ""})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="confirm-note-err"' in html and "请填写说明" in html  # beside the note, on the confirmation
    assert notices(db, u.filer_a, NotificationKind.FILING_RETURNED) == []
    done = client.post(f"/filings/versions/{version.id}/return",
                       data={"csrf_token": csrf_from(page), "note": "请补充处理结果"})
    assert done.status_code == 302
    got = notices(db, u.filer_a, NotificationKind.FILING_RETURNED)
    assert len(got) == 1 and got[0].link == f"/filings/versions/{version.id}" and "请补充处理结果" in got[0].body_zh
    assert notices(db, u.filer_b) == [] and notices(db, u.supervisor, NotificationKind.FILING_RETURNED) == []
    opens(app, u.filer_a, got[0].link)


def test_answer_notifies_the_regulator_who_opened_the_finding(app, db, world):
    u = world.users
    f = world.finding_a
    analyst = as_user(app, u.analyst_nfra)
    page = analyst.get(f"/findings/{f.id}").get_data(as_text=True)
    assert analyst.post(f"/findings/{f.id}/open", data={"csrf_token": csrf_from(page)}).status_code == 302
    opened = notices(db, u.filer_a, NotificationKind.FINDING_OPENED)
    assert len(opened) == 1
    filer = as_user(app, u.filer_a)
    page = filer.get(opened[0].link).get_data(as_text=True)
    empty = filer.post(f"/findings/{f.id}/answer", data={"csrf_token": csrf_from(page), "text": "  "})
    assert empty.status_code == 400 and 'id="answer-text-err"' in empty.get_data(as_text=True)
    answered = filer.post(f"/findings/{f.id}/answer", data={"csrf_token": csrf_from(page), "text": "已整改"})
    assert answered.status_code == 302
    got = notices(db, u.analyst_nfra, NotificationKind.FINDING_ANSWERED)
    assert len(got) == 1 and got[0].link == f"/findings/{f.id}" and "已整改" in got[0].body_zh
    assert notices(db, u.supervisor, NotificationKind.FINDING_ANSWERED) == []  # the opener handles it
    opens(app, u.analyst_nfra, got[0].link)


def test_a_refused_referral_keeps_the_agency_and_note_then_reaches_the_agency(app, db, world):
    """Item 4 as reported: an empty note is refused on the page itself, the chosen agency stays
    chosen, the error sits beside the note, and no id is repeated; the corrected referral goes to
    the agency chosen and its staff are notified."""
    u = world.users
    f = world.finding_a
    client = as_user(app, u.analyst_nfra)
    page = client.get(f"/findings/{f.id}").get_data(as_text=True)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    options = re.findall(r'<option value="([A-Z-]+)"', page.split('id="refer-agency"')[1].split("</select>")[0])
    assert options[0] != "PBOC" and "PBOC" in options  # PBOC is not the first option (the reported trap)
    refused = client.post(f"/findings/{f.id}/refer", data={"csrf_token": csrf_from(page), "agency": "PBOC",
                                                           "note": ""})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert re.search(r'<option selected value="PBOC">|<option value="PBOC" selected>', html)
    assert 'id="refer-note-err"' in html and 'aria-describedby="refer-note-err"' in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert db.session.scalar(select(Referral).where(Referral.finding_id == f.id)) is None
    ok = client.post(f"/findings/{f.id}/refer", data={"csrf_token": csrf_from(html), "agency": "PBOC",
                                                      "note": "请协助核查"})
    assert ok.status_code == 302
    ref = db.session.scalar(select(Referral).where(Referral.finding_id == f.id))
    assert ref.to_agency.code == "PBOC"
    got = [n for n in notices(db, u.analyst_pboc, NotificationKind.REFERRAL_RECEIVED)
           if n.link.startswith(f"/findings/{f.id}#")]
    assert [n.link for n in got] == [f"/findings/{f.id}#referral-{ref.id}"]
    assert len(notices(db, u.analyst_pboc, NotificationKind.REFERRAL_RECEIVED)) == 2  # world's referral_c and this
    assert notices(db, u.analyst_nfra, NotificationKind.REFERRAL_RECEIVED) == []
    opens(app, u.analyst_pboc, got[0].link.split("#")[0])


@pytest.mark.parametrize("action,state,kind", [
    ("accept", ReferralStatus.ACCEPTED, NotificationKind.REFERRAL_ACCEPTED),
    ("answer", ReferralStatus.ANSWERED, NotificationKind.REFERRAL_ANSWERED),
    ("decline", ReferralStatus.DECLINED, NotificationKind.REFERRAL_DECLINED),
])
def test_the_referring_analyst_hears_of_each_reply(app, db, world, action, state, kind):
    u = world.users
    ref = world.referral_c
    client = as_user(app, u.analyst_pboc)
    page = client.get(f"/findings/{ref.finding_id}").get_data(as_text=True)
    if action != "accept":
        refused = client.post(f"/findings/referrals/{ref.id}/{action}", data={"csrf_token": csrf_from(page),
                                                                             "text": ""})
        assert refused.status_code == 400 and f'id="reply-{ref.id}"' in refused.get_data(as_text=True)
        assert notices(db, u.analyst_nfra, kind) == []
    resp = client.post(f"/findings/referrals/{ref.id}/{action}", data={"csrf_token": csrf_from(page),
                                                                      "text": "已核查，情况属实"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, ref.id).status == state
    got = notices(db, u.analyst_nfra, kind)
    assert len(got) == 1 and got[0].link == f"/findings/{ref.finding_id}#referral-{ref.id}"
    if action != "accept":
        assert "已核查，情况属实" in got[0].body_zh
    assert notices(db, u.analyst_pboc, kind) == []
    opens(app, u.analyst_nfra, got[0].link.split("#")[0])


def test_remediation_notices_reach_filers_and_overdue_reaches_the_regulator(app, db, world):
    from supervision.findings import services
    from supervision.notifications import events

    u = world.users
    f = db.session.get(Finding, world.finding_a.id)
    services.open_to_institution(u.analyst_nfra, f)
    services.transition(u.analyst_nfra, f, FindingStatus.REMEDIATION, note="整改", remediation_due=dt.date(2024, 5, 1))
    due = events.notify_remediation_due(f, 3, dt.date(2024, 4, 28))
    assert [n.user_id for n in due] == [u.filer_a.id]
    assert events.notify_remediation_due(f, 3, dt.date(2024, 4, 28)) == []  # once per day
    late = events.notify_remediation_overdue(f)
    assert {n.user_id for n in late} == {u.filer_a.id, u.analyst_nfra.id}
    assert events.notify_remediation_overdue(f) == []
    db.session.commit()
    for user in (u.filer_a, u.analyst_nfra):
        html = as_user(app, user).get("/notifications/").get_data(as_text=True)
        assert "整改逾期" in html and f'value="/findings/{f.id}"' in html
        listing = html.split('id="notifications"')[1].replace('data-kind="remediation_overdue"', "")
        assert "remediation_overdue" not in listing
    html = as_user(app, u.filer_a).get("/notifications/").get_data(as_text=True)
    assert "整改即将到期" in html


def test_period_about_to_lock_notifies_the_filers(app, db, world):
    from supervision.jobs.functions import send_reminders
    from supervision.timeutil import as_utc

    u = world.users
    lock = world.period.lock_date
    now = as_utc(dt.datetime.combine(lock - dt.timedelta(days=3), dt.time(8, 0)))
    out = send_reminders(now)
    assert out["locking"][world.period.code]["days_left"] == 3
    got = notices(db, u.filer_a, NotificationKind.PERIOD_LOCKING)
    assert len(got) == 1 and got[0].link == f"/filings/?period={world.period.code}"
    assert lock.isoformat() in got[0].body_zh
    assert notices(db, u.analyst_nfra, NotificationKind.PERIOD_LOCKING) == []
    assert send_reminders(now)["locking"][world.period.code]["notifications"] == 0  # once a day
    opens(app, u.filer_a, got[0].link)


def test_every_kind_is_named_on_the_page_and_the_list_is_paged(app, db, world):
    from supervision.notifications.services import notify

    u = world.users
    for i in range(130):
        kind = list(NotificationKind)[i % len(NotificationKind)]
        notify([u.filer_a], kind, subject=(f"通知{i}", f"notice {i}"), body=("正文", "body"), link="/filings/")
    db.session.commit()
    client = as_user(app, u.filer_a)
    page = client.get("/notifications/").get_data(as_text=True)
    assert len(re.findall(r'<li class="list-group-item[^"]*" data-kind=', page)) == 50
    assert 'data-total="130"' in page
    for kind in NotificationKind:
        assert str(kind.label.in_locale("zh")) in client.get(f"/notifications/?kind={kind}").get_data(as_text=True)
    last = client.get("/notifications/?per_page=100&page=2").get_data(as_text=True)
    assert len(re.findall(r'data-kind=', last.split('id="notifications"')[1])) == 30
    unread = client.get("/notifications/?state=unread&per_page=25").get_data(as_text=True)
    assert 'data-total="130"' in unread and "state=unread" in unread  # the pager keeps the filter
    token = csrf_from(page)
    first = db.session.scalars(select(Notification.id).where(Notification.user_id == u.filer_a.id)
                               .order_by(Notification.id.desc())).first()
    opened = client.post("/notifications/read", data={"csrf_token": token, "ids": str(first), "next": "/filings/"})
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/filings/")
    away = client.post("/notifications/read", data={"csrf_token": token, "ids": str(first),
                                                    "next": "https://evil.example/"})
    assert "evil" not in away.headers["Location"]
