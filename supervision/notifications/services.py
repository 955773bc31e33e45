"""Creating notifications (reminders, findings opened to an institution, job failures), marking
them read, and delivering their e-mails.

Services add rows and flush; the job or request commits. E-mail is an outbox: a notification is
created ``pending`` when ``SUPERVISION_SMTP_HOST`` is set, and :func:`deliver_pending` (run by the
scheduler process, never by a web worker) claims, sends and marks each one, with no database
transaction open while it talks to the SMTP server.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from sqlalchemy import select, update

from supervision.accounts.models import User
from supervision.domain.enums import Role
from supervision.extensions import db
from supervision.notifications.models import Notification
from supervision.timeutil import utcnow

log = logging.getLogger(__name__)


def email_enabled() -> bool:
    """Whether e-mail is configured (``SUPERVISION_SMTP_HOST``)."""
    return bool(current_app.config.get("SMTP_HOST"))


def notify(users: Iterable[User], kind: str, *, subject: tuple[str, str], body: tuple[str, str],
           link: str | None = None, dedupe_key: str | None = None) -> list[Notification]:
    """One notification per active user (``subject``/``body`` as ``(zh, en)``); a user who already
    has ``dedupe_key`` is skipped, so re-running a job never notifies twice. Returns the new ones."""
    users = [u for u in users if u is not None and u.active]
    if not users:
        return []
    have: set[int] = set()
    if dedupe_key:
        have = set(db.session.scalars(select(Notification.user_id).where(
            Notification.dedupe_key == dedupe_key, Notification.user_id.in_([u.id for u in users]))))
    state = "pending" if email_enabled() else "none"
    created = []
    for user in users:
        if user.id in have:
            continue
        n = Notification(user_id=user.id, kind=kind, dedupe_key=dedupe_key, subject_zh=subject[0][:300],
                         subject_en=subject[1][:300], body_zh=body[0], body_en=body[1], link=link,
                         created_at=utcnow(), email_state=state)
        db.session.add(n)
        created.append(n)
        have.add(user.id)
    db.session.flush()
    return created


def filers_of(institution_id: int) -> list[User]:
    """Active filer accounts of an institution."""
    return list(db.session.scalars(select(User).where(User.role == Role.FILER, User.institution_id == institution_id,
                                                      User.active.is_(True)).order_by(User.id)))


def admins() -> list[User]:
    """Active platform administrators."""
    return list(db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))
                                   .order_by(User.id)))


def notify_finding_opened(finding) -> list[Notification]:
    """Tell the institution's filers that a regulator opened a finding to them (spec §6)."""
    period = finding.period.code
    return notify(
        filers_of(finding.institution_id), "finding_opened",
        subject=(f"监管发现 {finding.rule}（{period}）已向贵机构开放，请答复",
                 f"Finding {finding.rule} ({period}) was opened to your institution; please answer"),
        body=(f"{finding.message_zh}\n请登录平台查看并答复。", f"{finding.message_en}\nLog in to read and answer it."),
        link=f"/findings/{finding.id}", dedupe_key=f"finding_opened:{finding.id}")


def notify_job_failed(run) -> list[Notification]:
    """Tell the administrators that a job run failed after its retries."""
    first = (run.error or "").strip().splitlines()[-1:] or [""]
    return notify(
        admins(), "job_failed",
        subject=(f"定时任务 {run.job_id} 运行失败", f"Scheduled job {run.job_id} failed"),
        body=(f"计划时间 {run.scheduled_for.isoformat()}，尝试 {run.attempts} 次：{first[0]}",
              f"Scheduled for {run.scheduled_for.isoformat()}, {run.attempts} attempt(s): {first[0]}"),
        link="/admin/scheduler", dedupe_key=f"job_failed:{run.id}")


def unread_count(user) -> int:
    """How many notifications of ``user`` are unread."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (``ids`` None: all of them); returns how many changed."""
    q = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        ids = list(ids)
        if not ids:
            return 0
        q = q.where(Notification.id.in_(ids))
    return db.session.execute(q.values(read_at=utcnow())).rowcount or 0


# ------------------------------------------------------------------------------------------ e-mail
def _message(n: Notification, to: str) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["Subject"] = f"{n.subject_zh} / {n.subject_en}"
    msg["From"] = formataddr(("大消保报送平台", cfg["SMTP_FROM"]))
    msg["To"] = to
    msg["Message-ID"] = make_msgid(domain=cfg["SMTP_FROM"].rpartition("@")[2] or "localhost")
    link = f"\n\n{n.link}" if n.link else ""
    msg.set_content(f"{n.body_zh}{link}\n\n---\n\n{n.body_en}{link}\n")
    return msg


def _smtp():
    cfg = current_app.config
    host, port, timeout = cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), float(cfg["SMTP_TIMEOUT"])
    if cfg.get("SMTP_SSL"):
        conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
        if cfg.get("SMTP_STARTTLS"):
            conn.starttls(context=ssl.create_default_context())
    if cfg.get("SMTP_USER"):
        conn.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
    return conn


def _claim(notification_id: int) -> bool:
    """Move one pending e-mail to ``sending`` (exactly one process wins); commits."""
    won = db.session.execute(update(Notification).where(Notification.id == notification_id,
                                                        Notification.email_state == "pending")
                             .values(email_state="sending")).rowcount == 1
    db.session.commit()
    return won


def deliver_pending(limit: int = 200) -> dict[str, int]:
    """Send pending e-mails (claimed one by one, so two schedulers never send one twice); commits.
    Without ``SUPERVISION_SMTP_HOST`` nothing is sent."""
    counts = {"sent": 0, "failed": 0}
    if not email_enabled():
        return counts
    ids = list(db.session.scalars(select(Notification.id).where(Notification.email_state == "pending")
                                  .order_by(Notification.id).limit(limit)))
    db.session.commit()
    if not ids:
        return counts
    conn = None
    try:
        for nid in ids:
            if not _claim(nid):
                continue
            n = db.session.get(Notification, nid)
            message = _message(n, db.session.get(User, n.user_id).email)
            db.session.commit()  # no transaction open while talking to the server
            try:
                conn = conn or _smtp()
                conn.send_message(message)
            except (smtplib.SMTPException, OSError) as exc:
                log.warning("e-mail of notification %s failed: %s", nid, exc)
                values = {"email_state": "failed", "email_error": f"{type(exc).__name__}: {exc}"[:2000]}
                counts["failed"] += 1
                conn = None
            else:
                values = {"email_state": "sent", "emailed_at": utcnow(), "email_error": None}
                counts["sent"] += 1
            db.session.execute(update(Notification).where(Notification.id == nid).values(**values))
            db.session.commit()
    finally:
        if conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                conn.quit()
    return counts
