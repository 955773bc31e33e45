"""Finding actions: upsert from check drafts (idempotent), close what no longer holds, the
workflow OPEN → EXPLAINED → CLOSED / REMEDIATION, opening to institutions, institution answers,
and referrals SENT → ACCEPTED → ANSWERED / DECLINED (§1.4, §6). Every change is audited and
kept in the finding's history. Services flush; the request or job commits.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from supervision.audit.services import record
from supervision.domain.enums import (
    ANSWERABLE_STATES,
    FINDING_REGULATOR_MOVES,
    PENDING_REFERRAL_STATES,
    REGULATOR_ROLES,
    FindingStatus,
    ReferralStatus,
    Role,
)
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.findings.models import Finding, FindingCitation, FindingEvent, Referral
from supervision.notifications import events as notices
from supervision.notifications.services import notify_finding_opened
from supervision.orgs.models import Agency
from supervision.rules.catalog import RULESET_VERSION
from supervision.storage.service import store_upload
from supervision.timeutil import utcnow


class FindingError(ServiceError):
    """A refused finding or referral action (bilingual message, HTTP status)."""


def _label(actor) -> str:
    return getattr(actor, "email", None) or "system"


def _event(finding: Finding, actor, action: str, note: str | None = None, to_status: str | None = None,
           visible: bool = False, **attachment) -> FindingEvent:
    ev = FindingEvent(finding=finding, actor_id=getattr(actor, "id", None), actor_label=_label(actor), action=action,
                      from_status=finding.status, to_status=to_status or finding.status, note=note,
                      visible_to_institution=visible, **attachment)
    db.session.add(ev)
    record(f"finding_{action}", actor=actor, object_type="finding", object_id=finding.id,
           detail={"rule": finding.rule, "from": ev.from_status, "to": ev.to_status, "note": note})
    return ev


def _move(finding: Finding, actor, to_status: str, action: str, note: str | None = None, visible: bool = False):
    ev = _event(finding, actor, action, note=note, to_status=to_status, visible=visible)
    finding.status = to_status
    finding.updated_at = utcnow()
    return ev


_LOOK_UP = object()


def upsert(draft, *, institution_id: int, period_id: int, version_ids: list[int], actor=None,
           existing=_LOOK_UP) -> tuple[Finding, str]:
    """Create or update the finding identified by (rule, institution, period, subject).

    ``existing``: that finding (or None: there is none) when the caller has read them all at once;
    by default it is looked up here. Returns the finding and what happened: ``created``,
    ``updated``, ``unchanged`` or ``reopened`` (a finding closed automatically because it no longer
    held, that holds again).
    """
    zh, en = draft.messages()
    finding = existing if existing is not _LOOK_UP else db.session.scalar(
        select(Finding).where(Finding.rule == draft.rule, Finding.institution_id == institution_id,
                              Finding.period_id == period_id, Finding.subject == draft.subject))
    if finding is None:
        return create_many([draft], institution_id=institution_id, period_id=period_id, version_ids=version_ids,
                           actor=actor)[0], "created"
    now = utcnow()
    finding.last_checked_at = now
    changed = (finding.evidence != draft.evidence or finding.level != draft.level or finding.message_zh != zh
               or sorted(finding.versions or []) != sorted(version_ids))
    outcome = "unchanged"
    if not finding.holds:
        finding.holds = True
        if finding.status == FindingStatus.CLOSED and (finding.closed_reason or "").startswith("auto:"):
            _move(finding, actor, FindingStatus.OPEN, "reopened", note="the check holds again")
            finding.closed_reason = None
        outcome = "reopened"
    if changed:
        finding.evidence, finding.level, finding.message_zh, finding.message_en = draft.evidence, draft.level, zh, en
        finding.subject_label = draft.subject_label
        finding.versions = sorted(version_ids)
        finding.ruleset_version = RULESET_VERSION
        finding.updated_at = now
        _cite(finding, version_ids)
        _event(finding, actor, "updated", note="evidence re-evaluated")
        outcome = "updated" if outcome == "unchanged" else outcome
    return finding, outcome


def create_many(drafts, *, institution_id: int, period_id: int, version_ids: list[int], actor=None) -> list[Finding]:
    """Create one OPEN finding per draft, in order, when none of them exists yet (the caller has
    looked them up): inserted by one flush, then each cited by ``version_ids`` and given its
    ``created`` event and audit event, as :func:`upsert` creates one. Returns the findings."""
    now = utcnow()
    made = []
    for draft in drafts:
        zh, en = draft.messages()
        made.append(Finding(rule=draft.rule, level=draft.level, status=FindingStatus.OPEN,
                            institution_id=institution_id, period_id=period_id, subject=draft.subject,
                            subject_label=draft.subject_label, evidence=draft.evidence, versions=sorted(version_ids),
                            message_zh=zh, message_en=en, ruleset_version=RULESET_VERSION, holds=True,
                            created_at=now, updated_at=now, last_checked_at=now))
    if not made:
        return made
    db.session.add_all(made)
    db.session.flush()  # their ids, for the citations and the audit events
    for finding in made:
        db.session.add_all(FindingCitation(finding_id=finding.id, version_id=vid) for vid in sorted(set(version_ids)))
        _event(finding, actor, "created", note=finding.message_en, to_status=FindingStatus.OPEN)
    return made


def _cite(finding: Finding, version_ids: list[int]) -> None:
    have = set(db.session.scalars(select(FindingCitation.version_id).where(FindingCitation.finding_id == finding.id)))
    for vid in set(version_ids) - have:
        db.session.add(FindingCitation(finding_id=finding.id, version_id=vid))


def close_stale(finding: Finding, reason: str, actor=None) -> bool:
    """Close a finding whose check no longer holds (e.g. after a corrected resubmission)."""
    if not finding.holds:
        return False
    finding.holds = False
    finding.last_checked_at = utcnow()
    if finding.status != FindingStatus.CLOSED:
        finding.closed_reason = f"auto: {reason}"
        _move(finding, actor, FindingStatus.CLOSED, "auto_closed", note=reason, visible=finding.visible_to_institution)
    return True


def check_regulator(actor, finding: Finding) -> None:
    """Only regulator staff of the institution's lead agency (or above) act on findings; seeing a
    finding through sharing or a referral is not enough (issue 11, defect 4)."""
    if actor is None:
        return
    if actor.role not in REGULATOR_ROLES:
        raise FindingError("只有监管人员可以处理监管发现 / only regulator staff handle findings", 403)
    from supervision.scope import check_can_act

    check_can_act(actor, finding.institution_id)  # the lead agency's subtree only (sharing, referral: reading)


def transition(actor, finding: Finding, to_status: str, note: str | None = None,
               remediation_due: date | None = None) -> None:
    """A regulator moves a finding along the workflow (CLOSED needs a note; REMEDIATION a due date)."""
    check_regulator(actor, finding)
    if to_status not in FINDING_REGULATOR_MOVES.get(finding.status, frozenset()):
        (fz, fe), (tz, te) = FindingStatus.zh_en(finding.status), FindingStatus.zh_en(to_status)
        raise FindingError(f"不能从“{fz}”变为“{tz}” / cannot move from “{fe}” to “{te}”", 409)
    if to_status == FindingStatus.REMEDIATION:
        if remediation_due is None:
            raise FindingError("整改须设定期限 / remediation needs a due date")
        finding.remediation_due = remediation_due
        finding.remediation_overdue_at = None  # a new due date: the daily job decides again
    if to_status == FindingStatus.CLOSED:
        if not (note or "").strip():
            raise FindingError("关闭须填写说明 / closing needs a note")
        finding.closed_reason = note.strip()
    _move(finding, actor, to_status, "status", note=note, visible=finding.visible_to_institution)


def mark_remediation_overdue(finding: Finding, now) -> None:
    """The remediation due date has passed: mark the finding overdue (kept in its history, shown on
    the dashboard, the overdue list and the summary export); the daily job calls this once."""
    finding.remediation_overdue_at = now
    _event(finding, None, "remediation_overdue", note=f"due {finding.remediation_due.isoformat()}",
           visible=finding.visible_to_institution)


def open_to_institution(actor, finding: Finding) -> None:
    """Make the finding visible to the institution, which may then answer it (§6)."""
    check_regulator(actor, finding)
    if finding.visible_to_institution:
        return
    finding.visible_to_institution = True
    finding.opened_to_institution_at = utcnow()
    _event(finding, actor, "opened_to_institution", visible=True)
    notify_finding_opened(finding)


def _attachment(stream: BinaryIO | None, filename: str | None) -> dict:
    if stream is None or not filename:
        return {}
    from supervision.findings.attachments import AttachmentRefused, check_attachment

    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    if not (hasattr(stream, "seekable") and stream.seekable()):
        import tempfile

        spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (closed with the request)
        while chunk := stream.read(1024 * 1024):
            spooled.write(chunk)
            if spooled.tell() > limit:
                break
        spooled.seek(0)
        stream = spooled
    try:
        check_attachment(stream, filename)  # the allow-list, by extension and content (item 5)
    except AttachmentRefused as exc:
        raise FindingError(exc.zh, 415, message_en=exc.en) from exc
    try:
        stored = store_upload(stream, prefix="attachments", suffix=Path(filename).suffix[:10], limit=limit,
                              hard_limit=limit)
    except ValueError as exc:
        raise FindingError(f"附件超过平台上传上限 / the attachment is larger than the platform accepts: {exc}",
                           413) from exc
    return {"attachment_name": filename[:255], "attachment_path": stored.relative,
            "attachment_sha256": stored.sha256}


def answer_by_institution(actor, finding: Finding, text: str, stream: BinaryIO | None = None,
                          filename: str | None = None) -> FindingEvent:
    """The institution explains (OPEN/REMEDIATION → EXPLAINED), with text and an optional attachment."""
    if actor is None or actor.role != Role.FILER or actor.institution_id != finding.institution_id \
            or not finding.visible_to_institution:
        raise FindingError("无权答复该监管发现 / you may not answer this finding", 403)
    if not (text or "").strip():
        raise FindingError("请填写答复内容 / an answer needs text")
    if finding.status not in ANSWERABLE_STATES:
        zh, en = FindingStatus.zh_en(finding.status)
        raise FindingError(f"该监管发现当前状态为“{zh}”，不能答复 / cannot answer a finding that is “{en}”", 409)
    ev = _event(finding, actor, "answered", note=text.strip(), to_status=FindingStatus.EXPLAINED, visible=True,
                **_attachment(stream, filename))
    finding.status = FindingStatus.EXPLAINED
    finding.updated_at = utcnow()
    db.session.flush()
    notices.notify_finding_answered(finding, ev)
    return ev


def refer(actor, finding: Finding, to_agency: Agency, note: str) -> Referral:
    """An analyst refers (转办) a finding to another agency with a note (§1.4)."""
    check_regulator(actor, finding)
    if not (note or "").strip():
        raise FindingError("转办须填写说明 / a referral needs a note")
    if actor is not None and to_agency.id == actor.agency_id:
        raise FindingError("不能转办给本机构 / cannot refer to your own agency")
    if any(r.to_agency_id == to_agency.id and r.status in PENDING_REFERRAL_STATES for r in finding.referrals):
        raise FindingError("已转办给该机构且尚未答复 / already referred to that agency and not yet answered", 409)
    ref = Referral(finding=finding, from_agency_id=getattr(actor, "agency_id", None) or to_agency.id,
                   to_agency_id=to_agency.id, status=ReferralStatus.SENT, note=note.strip(),
                   created_by_id=getattr(actor, "id", None), previous_status=finding.status)
    db.session.add(ref)
    db.session.flush()
    _move(finding, actor, FindingStatus.REFERRED, "referred", note=f"→ {to_agency.code}: {note.strip()}")
    record("referral_sent", actor=actor, object_type="referral", object_id=ref.id,
           detail={"finding": finding.id, "to": to_agency.code})
    notices.notify_referral_received(ref)
    return ref


def _referral_state_error(ref: Referral) -> FindingError:
    zh, en = ReferralStatus.zh_en(ref.status)
    return FindingError(f"该转办当前为“{zh}”，不能再处理 / the referral is “{en}” and cannot be handled again", 409)


def _status_before_referral(ref: Referral) -> FindingStatus:
    """The state a finding returns to when its referral is answered or declined."""
    before = ref.previous_status
    return FindingStatus(before) if before not in (None, FindingStatus.REFERRED) else FindingStatus.OPEN


def _check_recipient(actor, ref: Referral) -> None:
    if actor is not None and (actor.role not in REGULATOR_ROLES or actor.agency_id != ref.to_agency_id):
        raise FindingError("只有接收机构可以处理该转办 / only the receiving agency handles this referral", 403)


def referral_accept(actor, ref: Referral) -> None:
    """The receiving agency accepts the referral."""
    _check_recipient(actor, ref)
    if ref.status != ReferralStatus.SENT:
        raise _referral_state_error(ref)
    ref.status, ref.updated_at = ReferralStatus.ACCEPTED, utcnow()
    _event(ref.finding, actor, "referral_accepted", note=ref.to_agency.code)
    record("referral_accepted", actor=actor, object_type="referral", object_id=ref.id)
    notices.notify_referral_update(ref)


def referral_answer(actor, ref: Referral, answer: str) -> None:
    """The receiving agency answers; the finding returns to the referring agency's workflow."""
    _check_recipient(actor, ref)
    if ref.status not in PENDING_REFERRAL_STATES:
        raise _referral_state_error(ref)
    if not (answer or "").strip():
        raise FindingError("请填写答复 / an answer is required")
    ref.status, ref.answer, ref.updated_at = ReferralStatus.ANSWERED, answer.strip(), utcnow()
    back = _status_before_referral(ref)
    _move(ref.finding, actor, back, "referral_answered", note=answer.strip())
    record("referral_answered", actor=actor, object_type="referral", object_id=ref.id)
    notices.notify_referral_update(ref)


def referral_decline(actor, ref: Referral, note: str) -> None:
    """The receiving agency declines the referral (with a reason)."""
    _check_recipient(actor, ref)
    if ref.status not in PENDING_REFERRAL_STATES:
        raise _referral_state_error(ref)
    if not (note or "").strip():
        raise FindingError("拒绝须填写理由 / declining needs a reason")
    ref.status, ref.answer, ref.updated_at = ReferralStatus.DECLINED, note.strip(), utcnow()
    back = _status_before_referral(ref)
    _move(ref.finding, actor, back, "referral_declined", note=note.strip())
    record("referral_declined", actor=actor, object_type="referral", object_id=ref.id)
    notices.notify_referral_update(ref)
