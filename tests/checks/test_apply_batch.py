"""``apply`` creates the findings that do not exist yet together (one flush), and the result is what
one upsert per draft gives: the same findings, outcomes, citations, events and audit events, also when
a later draft repeats the rule and subject of a finding just created."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from supervision.audit.models import AuditEvent
from supervision.checks.engine import apply
from supervision.filings.models import FilingVersion
from supervision.findings import services as findings
from supervision.findings.models import Finding, FindingCitation, FindingEvent
from tests.factories import build_world


def _draft(subject: str, evidence: dict, level: str = "medium"):
    zh, en = f"测试 {subject} {evidence}", f"test {subject} {evidence}"
    return SimpleNamespace(rule="D06", level=level, subject=subject, subject_label=f"label {subject}",
                           evidence=evidence, messages=lambda: (zh, en))


DRAFTS = [("b", {"n": 1}), ("a", {"n": 2}), ("c", {"n": 3}), ("b", {"n": 4}), ("d", {"n": 5})]


def _state(db, inst_id: int, period_id: int) -> list[tuple]:
    out = []
    for f in db.session.scalars(select(Finding).where(Finding.institution_id == inst_id, Finding.period_id == period_id,
                                                      Finding.rule == "D06").order_by(Finding.subject)):
        cites = sorted(db.session.scalars(select(FindingCitation.version_id).where(FindingCitation.finding_id == f.id)))
        events = [(e.action, e.from_status, e.to_status, e.note) for e in db.session.scalars(
            select(FindingEvent).where(FindingEvent.finding_id == f.id).order_by(FindingEvent.id))]
        audits = sorted((a.action, a.detail["to"]) for a in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "finding", AuditEvent.object_id == str(f.id))))
        out.append((f.subject, f.status, f.level, f.evidence, f.versions, f.message_en, f.holds, cites, events, audits))
    return out


def test_apply_equals_one_upsert_per_draft(db):
    world = build_world(db)
    versions = list(db.session.scalars(select(FilingVersion.id).order_by(FilingVersion.id).limit(2)))
    assert len(versions) == 2
    period, runs = world.period, {}
    for name, inst in (("batched", world.inst_a), ("one_by_one", world.inst_c)):
        findings.upsert(_draft("a", {"n": 0}), institution_id=inst.id, period_id=period.id, version_ids=versions)
        db.session.flush()
        counts: dict[str, int] = {}
        drafts = [_draft(s, e) for s, e in DRAFTS]
        if name == "batched":
            apply(drafts, ["D06"], inst.id, period.id, versions, counts, "test")
        else:  # the reference: one upsert per draft, each looking its finding up
            for d in drafts:
                _f, outcome = findings.upsert(d, institution_id=inst.id, period_id=period.id, version_ids=versions)
                counts[outcome] = counts.get(outcome, 0) + 1
                db.session.flush()
        db.session.flush()
        runs[name] = (counts, _state(db, inst.id, period.id))
    assert runs["batched"] == runs["one_by_one"]
    counts, state = runs["batched"]
    assert counts == {"created": 3, "updated": 2}  # b, c, d created; a changed; the second b changed
    assert [s[0] for s in state] == ["a", "b", "c", "d"]
    by_subject = {s[0]: s for s in state}
    assert by_subject["b"][3] == {"n": 4}  # the later draft of b updated the finding just created
    assert [e[0] for e in by_subject["b"][8]] == ["created", "updated"]
    assert by_subject["c"][7] == versions and by_subject["c"][9] == [("finding_created", "OPEN")]
