"""One definition each of "the version that counts" and "the first version without blocking errors"
(supervision/filings/counting.py): every place that needs them — league inputs, the checks, the
dashboard, the summary export, reminders, the filing model — answers exactly what the one
definition answers, on a world of superseded, returned, rejected, failed and validated versions."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from supervision.checks import engine
from supervision.domain.enums import FilingKind, VersionStatus
from supervision.exports.services import reporting_entries
from supervision.filings import counting
from supervision.filings.models import Filing, FilingVersion
from supervision.findings.queries import dashboard
from supervision.jobs.functions import accepted_pairs
from supervision.league.inputs import gather_inputs
from supervision.orgs.models import Institution

S = VersionStatus


def _add(db, filing: Filing, number: int, status: VersionStatus, uploaded_at) -> FilingVersion:
    version = FilingVersion(filing=filing, number=number, status=status, sha256=f"{filing.id:032d}{number:032d}",
                            size=1, original_filename=f"v{number}.xlsx", storage_path=f"x/{number}.xlsx",
                            uploaded_at=uploaded_at)
    db.session.add(version)
    return version


def _filing(db, inst, period, kind) -> Filing:
    filing = db.session.scalar(select(Filing).where(Filing.institution_id == inst.id, Filing.period_id == period.id,
                                                    Filing.kind == kind))
    if filing is None:
        filing = Filing(institution_id=inst.id, period_id=period.id, kind=kind)
        db.session.add(filing)
        db.session.flush()
    return filing


@pytest.fixture()
def lifecycle(world, db):
    """Histories chosen so that a copy counting "any ACCEPTED", "the latest upload", "ACCEPTED or
    VALIDATED", or timing the first *upload* rather than the first valid one, gives another answer."""
    due = world.period.due_at
    early, late, later = due - timedelta(days=3), due + timedelta(hours=2), due + timedelta(days=4)
    a, b, c = world.inst_a, world.inst_b, world.inst_c
    # the world's v1 of each CMP is ACCEPTED; give it a time and build on it
    histories = {
        (a, FilingKind.CMP): [(S.SUPERSEDED, early), (S.ACCEPTED, late)],
        (a, FilingKind.DSC): [(S.REJECTED, early - timedelta(days=1)), (S.RETURNED, late)],
        (b, FilingKind.CMP): [(S.ACCEPTED, later), (S.REJECTED, early), (S.FAILED, early)],
        (c, FilingKind.CMP): [(S.RETURNED, late), (S.VALIDATED, early), (S.ACCEPTED, later), (S.ACCEPTED, later)],
        (c, FilingKind.DSC): [(S.REJECTED, early), (S.VALIDATED, later)],
    }
    for (inst, kind), states in histories.items():
        filing = _filing(db, inst, world.period, kind)
        existing = {v.number: v for v in filing.versions}
        for number, (status, at) in enumerate(states, start=1):
            if number in existing:
                existing[number].status, existing[number].uploaded_at = status, at
            else:
                _add(db, filing, number, status, at)
    db.session.commit()
    db.session.expire_all()
    filings = db.session.scalars(select(Filing).where(Filing.period_id == world.period.id)).all()
    expected_counting = {}
    expected_first = {}
    for f in filings:
        versions = list(f.versions)
        counted = counting.version_that_counts(versions)
        if counted is not None:
            expected_counting[(f.institution_id, f.kind)] = counted.id
        first = counting.first_without_blocking_errors(versions)
        if first is not None:
            expected_first[(f.institution_id, f.kind)] = counting.as_utc(first.uploaded_at)
    return SimpleNamespace(world=world, period=world.period, counting=expected_counting, first=expected_first)


def test_the_pure_definitions_on_the_chosen_histories(lifecycle):
    w = lifecycle.world
    numbers = {key: db_number(vid) for key, vid in lifecycle.counting.items()}
    assert numbers == {(w.inst_a.id, "CMP"): 2, (w.inst_b.id, "CMP"): 1, (w.inst_c.id, "CMP"): 4}
    due = lifecycle.period.due_at
    assert lifecycle.first[(w.inst_a.id, "CMP")] < due  # the superseded v1 arrived in time
    assert lifecycle.first[(w.inst_a.id, "DSC")] > due  # only the returned v2 had no blocking error
    assert lifecycle.first[(w.inst_b.id, "CMP")] > due  # the earlier uploads were rejected / failed
    assert lifecycle.first[(w.inst_c.id, "CMP")] < due  # the validated v2 was early
    assert lifecycle.first[(w.inst_c.id, "DSC")] > due
    assert (w.inst_b.id, "DSC") not in lifecycle.first


def db_number(version_id: int) -> int:
    from supervision.extensions import db

    return db.session.get(FilingVersion, version_id).number


def test_sql_forms_equal_the_python_form(lifecycle):
    from supervision.extensions import db

    assert counting.counting_version_ids(lifecycle.period.id) == lifecycle.counting
    assert counting.first_without_blocking_times(lifecycle.period.id) == lifecycle.first
    for inst in db.session.scalars(select(Institution)):
        for kind in FilingKind:
            found = counting.counting_version(inst.id, lifecycle.period.id, kind)
            assert (found.id if found else None) == lifecycle.counting.get((inst.id, kind))
    for f in db.session.scalars(select(Filing).where(Filing.period_id == lifecycle.period.id)):
        counted, first = f.version_that_counts, f.first_without_blocking_errors
        assert (counted.id if counted else None) == lifecycle.counting.get((f.institution_id, f.kind))
        first_at = counting.as_utc(first.uploaded_at) if first else None
        assert first_at == lifecycle.first.get((f.institution_id, f.kind))


def test_league_inputs_use_the_version_that_counts(lifecycle):
    from supervision.extensions import db

    inputs = gather_inputs(lifecycle.period)
    ids = {i.code: i.id for i in db.session.scalars(select(Institution))}
    used = {(ids[code], kind): vid for code, kinds in inputs.versions.items() for kind, vid in kinds.items()}
    assert used == lifecycle.counting
    figures = {f.code: f for f in inputs.figures}
    for code, inst_id in ids.items():
        assert figures[code].accepted_cmp == ((inst_id, "CMP") in lifecycle.counting)
        assert figures[code].has_accepted_dsc == ((inst_id, "DSC") in lifecycle.counting)


def test_checks_use_both_definitions(lifecycle):
    facts = {(f.institution_code, f.kind): f.received_at for f in engine.timeliness_facts(lifecycle.period)}
    from supervision.extensions import db

    for inst in db.session.scalars(select(Institution).where(Institution.active.is_(True))):
        for kind in FilingKind:
            assert facts[(inst.code, kind)] == lifecycle.first.get((inst.id, kind)), (inst.code, kind)
    # the peer facts (S*) read the CMP that counts: every ranked institution has one
    assert all(counting.counting_version(db.session.scalar(select(Institution.id).where(Institution.code == p.code)),
                                         lifecycle.period.id, FilingKind.CMP)
               for peers in engine.peer_facts(lifecycle.period).values() for p in peers)


def expected_status(lifecycle, inst_id: int, kind: str) -> str:
    """Decision 4, stated independently: missing when no version counts, else on time or late by
    the first version without blocking errors."""
    if (inst_id, kind) not in lifecycle.counting:
        return "missing"
    return "on_time" if lifecycle.first[(inst_id, kind)] < lifecycle.period.due_at else "late"


def test_the_one_definition_differs_from_timing_alone(lifecycle):
    """A's DSC: a returned version (no blocking error) came after the due date, but nothing counts:
    missing, not late; C's DSC: only a VALIDATED version, never accepted: missing."""
    w = lifecycle.world
    assert expected_status(lifecycle, w.inst_a.id, "DSC") == "missing" and (w.inst_a.id, "DSC") in lifecycle.first
    assert expected_status(lifecycle, w.inst_c.id, "DSC") == "missing" and (w.inst_c.id, "DSC") in lifecycle.first
    assert expected_status(lifecycle, w.inst_a.id, "CMP") == "on_time"  # the superseded v1 was in time
    assert expected_status(lifecycle, w.inst_b.id, "CMP") == "late"


def test_summary_export_uses_the_one_definition(lifecycle):
    from supervision.extensions import db

    codes = dict(db.session.execute(select(Institution.code, Institution.id)).all())
    entries = reporting_entries(lifecycle.period, None)
    assert entries
    for entry in entries:
        inst_id = codes[entry["institution_code"]]
        assert entry["received_at"] == lifecycle.first.get((inst_id, entry["kind"]))
        assert entry["status"] == expected_status(lifecycle, inst_id, entry["kind"]), entry


def test_timeliness_facts_say_whether_a_version_counts(lifecycle):
    from supervision.extensions import db

    codes = dict(db.session.execute(select(Institution.code, Institution.id)).all())
    for f in engine.timeliness_facts(lifecycle.period):
        assert f.counts == ((codes[f.institution_code], f.kind) in lifecycle.counting)


def test_dashboard_uses_the_one_definition(lifecycle):
    user = lifecycle.world.users.analyst_nfra  # sees A, B and C
    data = dashboard(user, lifecycle.period)
    ids = {i.id for i in data["institutions"]}
    assert ids == {lifecycle.world.inst_a.id, lifecycle.world.inst_b.id, lifecycle.world.inst_c.id}
    for kind in FilingKind:
        figures = data["per_kind"][kind]
        statuses = [expected_status(lifecycle, i, kind) for i in ids]
        assert figures["accepted"] == sum(1 for i in ids if (i, kind) in lifecycle.counting) \
            == statuses.count("on_time") + statuses.count("late")
        assert figures["on_time"] == statuses.count("on_time")
        assert figures["expected"] == len(ids)
    assert {(i.id, k) for i, k in data["missing"]} == {(i, k) for i in ids for k in FilingKind
                                                      if expected_status(lifecycle, i, k) == "missing"}
    assert {(i.id, k, t) for i, k, t in data["late"]} == {(i, k, lifecycle.first[(i, k)]) for i in ids
                                                         for k in FilingKind
                                                         if expected_status(lifecycle, i, k) == "late"}


def test_reminders_use_the_version_that_counts(lifecycle):
    assert accepted_pairs(lifecycle.period) == set(lifecycle.counting)


def test_accepting_an_older_version_after_a_newer_one_counts(lifecycle, db):
    """§7a: the latest accepted counts — accepting v2 of C's CMP while v4 counts supersedes v2."""
    from supervision.filings.services import accept

    filing = _filing(db, lifecycle.world.inst_c, lifecycle.period, FilingKind.CMP)
    v2 = next(v for v in filing.versions if v.number == 2)
    accept(None, v2)
    db.session.flush()
    assert v2.status == VersionStatus.SUPERSEDED
    assert counting.counting_version(filing.institution_id, filing.period_id, filing.kind).number == 4
