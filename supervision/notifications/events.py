"""The notices of every event that asks someone to act (issue 10): who receives each one, what it
says (中文 and English) and the object it links to. Each is deduplicated by its event, so running a
job twice, or re-rendering a refused form, never notifies twice.

| event | kind | to |
|---|---|---|
| a version returned to the institution | ``filing_returned`` | the institution's filers |
| a version refused by validation | ``filing_rejected`` | the institution's filers |
| a finding opened to the institution | ``finding_opened`` | the institution's filers (``services``) |
| the institution answered a finding | ``finding_answered`` | the handling regulator |
| a finding referred to an agency | ``referral_received`` | the receiving agency's staff |
| a referral accepted / answered / declined | ``referral_accepted`` / ``_answered`` / ``_declined`` | who referred it |
| remediation due in N days / overdue | ``remediation_due`` / ``_overdue`` | filers (overdue: + handling regulator) |
| a period about to lock | ``period_locking`` | the filers of the institutions expected to file |

*The handling regulator* of a finding is the regulator who opened it to the institution (active,
still a regulator); failing that, the staff of the institution's lead agency.
"""

from __future__ import annotations

from sqlalchemy import select

from supervision.accounts.models import User
from supervision.domain.enums import REGULATOR_ROLES, NotificationKind, ReferralStatus
from supervision.extensions import db
from supervision.notifications.services import filers_of, notify


def agency_staff(agency_id: int | None) -> list[User]:
    """Active analysts and supervisors of one agency."""
    if agency_id is None:
        return []
    return list(db.session.scalars(select(User).where(User.agency_id == agency_id, User.role.in_(REGULATOR_ROLES),
                                                      User.active.is_(True)).order_by(User.id)))


def handling_regulators(finding) -> list[User]:
    """Who handles a finding for the regulator: whoever opened it to the institution, else the
    staff of the institution's lead agency."""
    opener_ids = [e.actor_id for e in finding.events if e.action == "opened_to_institution" and e.actor_id]
    for uid in reversed(opener_ids):
        user = db.session.get(User, uid)
        if user is not None and user.active and user.role in REGULATOR_ROLES:
            return [user]
    return agency_staff(finding.institution.lead_agency_id)


def _finding_link(finding) -> str:
    return f"/findings/{finding.id}"


def notify_filing_returned(version, note: str) -> list:
    """A supervisor returned a version: the institution's filers are asked to correct and resubmit."""
    f = version.filing
    what_zh, what_en = f"{f.period.code} {_kind_zh(f.kind)} 第 {version.number} 版", \
        f"{f.period.code} {_kind_en(f.kind)} version {version.number}"
    return notify(
        filers_of(f.institution_id), NotificationKind.FILING_RETURNED,
        subject=(f"{what_zh}已被退回，请修改后重新报送", f"{what_en} was returned: please correct and resubmit"),
        body=(f"监管机构退回了贵机构的{what_zh}。说明：{note}", f"The regulator returned your {what_en}. Note: {note}"),
        link=f"/filings/versions/{version.id}", dedupe_key=f"filing_returned:{version.id}")


def notify_filing_rejected(version) -> list:
    """Validation refused a version: the institution's filers are asked to fix the file."""
    f = version.filing
    what_zh, what_en = f"{f.period.code} {_kind_zh(f.kind)} 第 {version.number} 版", \
        f"{f.period.code} {_kind_en(f.kind)} version {version.number}"
    n = version.blocking_count or 0
    return notify(
        filers_of(f.institution_id), NotificationKind.FILING_REJECTED,
        subject=(f"{what_zh}未通过校验", f"{what_en} failed validation"),
        body=(f"校验发现 {n} 处阻断性错误，文件未被接收。请查看错误清单或带批注的工作簿，修改后重新上传。",
              f"Validation found {n} blocking error(s); the file was not taken in. See the list of errors or the "
              f"annotated workbook, correct the file and upload it again."),
        link=f"/filings/versions/{version.id}", dedupe_key=f"filing_rejected:{version.id}")


def notify_finding_answered(finding, event) -> list:
    """The institution answered a finding: the handling regulator is asked to review the answer."""
    inst, period = finding.institution, finding.period.code
    return notify(
        handling_regulators(finding), NotificationKind.FINDING_ANSWERED,
        subject=(f"{inst.name} 已答复监管发现 {finding.rule}（{period}）",
                 f"{inst.name} answered finding {finding.rule} ({period})"),
        body=(f"请审阅机构的答复并作出决定。答复：{event.note or ''}",
              f"Please review the institution's answer and decide. Answer: {event.note or ''}"),
        link=_finding_link(finding), dedupe_key=f"finding_answered:{event.id}")


def notify_referral_received(ref) -> list:
    """A finding was referred to an agency: its staff are asked to accept, answer or decline it."""
    finding = ref.finding
    return notify(
        agency_staff(ref.to_agency_id), NotificationKind.REFERRAL_RECEIVED,
        subject=(f"{ref.from_agency.name} 转办监管发现 {finding.rule}：{finding.institution.name}",
                 f"{ref.from_agency.name_en or ref.from_agency.name} referred finding {finding.rule}: "
                 f"{finding.institution.name}"),
        body=(f"请受理、答复或拒绝该转办。转办说明：{ref.note}",
              f"Please accept, answer or decline the referral. Note: {ref.note}"),
        link=f"{_finding_link(finding)}#referral-{ref.id}", dedupe_key=f"referral_received:{ref.id}")


#: sentence-ending punctuation (either language): a quoted answer already ending with one gets no second stop
_STOPS = tuple(".!?。！？…")


def ended(text: str, stop: str) -> str:
    """``text`` closed by ``stop`` unless it already ends a sentence ("…sister company." stays one stop)."""
    text = text.strip()
    return text if not text or text.endswith(_STOPS) else text + stop


_REFERRAL_KINDS = {ReferralStatus.ACCEPTED: NotificationKind.REFERRAL_ACCEPTED,
                   ReferralStatus.ANSWERED: NotificationKind.REFERRAL_ANSWERED,
                   ReferralStatus.DECLINED: NotificationKind.REFERRAL_DECLINED}


def notify_referral_update(ref) -> list:
    """The receiving agency accepted, answered or declined a referral: whoever referred it is told
    (failing that, the referring agency's staff) — an answer or a refusal hands the finding back."""
    kind = _REFERRAL_KINDS[ReferralStatus(ref.status)]
    finding, to, to_en = ref.finding, ref.to_agency.name, ref.to_agency.name_en or ref.to_agency.name
    referrer = db.session.get(User, ref.created_by_id) if ref.created_by_id else None
    users = [referrer] if referrer is not None and referrer.active else agency_staff(ref.from_agency_id)
    rule, answer = finding.rule, (ref.answer or "").strip()
    back_zh, back_en = "该发现已回到贵局处理。", "The finding is back with you."
    text = {
        ReferralStatus.ACCEPTED: ((f"{to} 已受理转办的监管发现 {rule}",
                                   f"{to_en} accepted the referral of finding {rule}"),
                                  ("对方将处理后答复。", "They will answer once they have handled it.")),
        ReferralStatus.ANSWERED: ((f"{to} 已答复转办的监管发现 {rule}",
                                   f"{to_en} answered the referral of finding {rule}"),
                                  (f"答复：{ended(answer, '。')}{back_zh}", f"Answer: {ended(answer, '.')} {back_en}")),
        ReferralStatus.DECLINED: ((f"{to} 拒绝了转办的监管发现 {rule}",
                                   f"{to_en} declined the referral of finding {rule}"),
                                  (f"理由：{ended(answer, '。')}{back_zh}", f"Reason: {ended(answer, '.')} {back_en}")),
    }[ReferralStatus(ref.status)]
    return notify(users, kind, subject=text[0], body=text[1], link=f"{_finding_link(finding)}#referral-{ref.id}",
                  dedupe_key=f"{kind}:{ref.id}")


def notify_remediation_due(finding, days_left: int, today) -> list:
    """A remediation is due in ``days_left`` days: the institution's filers are reminded."""
    due = finding.remediation_due.isoformat()
    return notify(
        filers_of(finding.institution_id), NotificationKind.REMEDIATION_DUE,
        subject=(f"监管发现 {finding.rule} 的整改期限还有 {days_left} 天",
                 f"Remediation of finding {finding.rule} is due in {days_left} day(s)"),
        body=(f"整改期限为 {due}。请在期限前完成整改并在平台上答复。",
              f"The remediation is due on {due}. Please remediate and answer on the platform before then."),
        link=_finding_link(finding), dedupe_key=f"remediation_due:{finding.id}:{today.isoformat()}")


def notify_remediation_overdue(finding) -> list:
    """A remediation's due date has passed: the filers (when the finding is open to them) and the
    handling regulator are told (once per due date)."""
    due = finding.remediation_due.isoformat()
    filers = filers_of(finding.institution_id) if finding.visible_to_institution else []
    users = filers + handling_regulators(finding)
    return notify(
        users, NotificationKind.REMEDIATION_OVERDUE,
        subject=(f"监管发现 {finding.rule} 的整改已逾期（{finding.institution.name}）",
                 f"Remediation of finding {finding.rule} is overdue ({finding.institution.name})"),
        body=(f"整改期限 {due} 已过，尚未完成。", f"The remediation was due on {due} and is not complete."),
        link=_finding_link(finding), dedupe_key=f"remediation_overdue:{finding.id}:{due}")


def notify_period_locking(period, days_left: int, today, institution_ids) -> list:
    """A period locks in ``days_left`` days: after that, filing or correcting needs a supervisor's
    unlock. The filers of ``institution_ids`` (those expected to file) are told."""
    lock = period.lock_date.isoformat()
    users: list[User] = []
    for iid in institution_ids:
        users.extend(filers_of(iid))
    return notify(
        users, NotificationKind.PERIOD_LOCKING,
        subject=(f"{period.code} 将于 {days_left} 天后锁定", f"{period.code} locks in {days_left} day(s)"),
        body=(f"{period.code} 报告期将于 {lock} 锁定，此后上传或更正须经审核员解锁。请核对贵机构的报送。",
              f"Period {period.code} locks on {lock}; after that, uploads and corrections need a supervisor's "
              f"unlock. Please check your institution's filings."),
        link=f"/filings/?period={period.code}", dedupe_key=f"period_locking:{period.code}:{today.isoformat()}")


def _kind_zh(kind: str) -> str:
    from supervision.domain.enums import FilingKind

    return FilingKind.zh_en(kind)[0]


def _kind_en(kind: str) -> str:
    from supervision.domain.enums import FilingKind

    return FilingKind.zh_en(kind)[1]

