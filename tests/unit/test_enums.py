"""One word per concept: every status, role, kind, sector, level and severity is an enum defined
once (supervision/domain/enums.py) whose labels are translated under a message context, and no two
labels of different enums read the same (issue 10 item 5: the finding state CLOSED was shown as
办结日期, the complaint column that shares the English word "Closed")."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from reports.workbook import labels as workbook
from supervision.domain import enums as E
from supervision.domain.labels import LazyLabel
from supervision.rules.codes import CODE_LISTS

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "supervision/translations/zh/LC_MESSAGES/messages.po"


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh")


def zh(catalog, label: LazyLabel) -> str:
    """The Chinese translation of a label, straight from the .po catalogue (its one source)."""
    message = catalog.get(label.msgid, context=label.context)
    return message.string if message is not None and not message.fuzzy else ""


@pytest.mark.parametrize("enum", E.ALL_ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_a_label_in_both_languages(enum, catalog):
    contexts = {m.label.context for m in enum}
    assert len(contexts) == 1, f"{enum.__name__}: one message context per enum, got {contexts}"
    for member in enum:
        assert isinstance(member.label, LazyLabel)
        assert member.label.msgid.strip(), f"{enum.__name__}.{member.name} has no English label"
        assert zh(catalog, member.label), f"{enum.__name__}.{member.name} ({member.label!r}) is not translated"
    english = [m.label.msgid for m in enum]
    chinese = [zh(catalog, m.label) for m in enum]
    assert len(set(english)) == len(english), f"{enum.__name__}: two members share an English label"
    assert len(set(chinese)) == len(chinese), f"{enum.__name__}: two members share a Chinese label"


def test_contexts_differ_between_enums():
    contexts = [next(iter(enum)).label.context for enum in E.ALL_ENUMS]
    assert len(set(contexts)) == len(contexts)


def test_no_two_labels_of_different_enums_translate_the_same(catalog):
    clashes = []
    for a, b in combinations(E.ALL_ENUMS, 2):
        texts_a = {zh(catalog, m.label): m for m in a}
        for m in b:
            other = texts_a.get(zh(catalog, m.label))
            if other is not None:
                clashes.append(f"{a.__name__}.{other.name} and {b.__name__}.{m.name} both read "
                               f"{zh(catalog, m.label)!r}")
    assert not clashes, clashes


def test_status_labels_never_reuse_a_plain_ui_translation_of_another_meaning(catalog):
    """A status label may not read like an unrelated catalogue entry (e.g. a column header)."""
    by_text: dict[str, list[str]] = {}
    for message in catalog:
        if message.id and message.string and not message.context:
            by_text.setdefault(message.string, []).append(message.id)
    for enum in E.STATUS_ENUMS:
        for member in enum:
            text = zh(catalog, member.label)
            others = [msgid for msgid in by_text.get(text, []) if msgid != member.label.msgid]
            assert not others, f"{enum.__name__}.{member.name} reads {text!r} like {others}"


def test_finding_closed_is_not_the_complaint_date_column(catalog):
    assert zh(catalog, E.FindingStatus.CLOSED.label) == "已关闭"
    assert catalog.get("Closed", context="complaint column").string == "办结日期"  # its own word


def test_values_are_the_stored_strings():
    assert E.VersionStatus.values() == ("RECEIVED", "VALIDATING", "REJECTED", "VALIDATED", "ACCEPTED",
                                        "RETURNED", "SUPERSEDED", "FAILED", "WITHDRAWN")
    assert E.FindingStatus.values() == ("OPEN", "EXPLAINED", "CLOSED", "REMEDIATION", "REFERRED")
    assert E.ReferralStatus.values() == ("SENT", "ACCEPTED", "ANSWERED", "DECLINED")
    assert E.JobRunStatus.values() == ("running", "retrying", "success", "failed", "skipped")
    assert E.Role.values() == ("filer", "analyst", "supervisor", "admin")
    assert E.Sector.values() == ("PAY", "CF", "BANK", "INS", "AUTO")
    assert E.FilingKind.values() == ("CMP", "DSC")
    assert E.FindingLevel.values() == ("high", "medium", "low")
    assert E.Severity.values() == ("blocking", "warning", "finding")


def test_members_behave_as_the_stored_strings():
    assert E.Role.FILER == "filer" and "filer" in {E.Role.FILER} and {E.Role.FILER: 1}["filer"] == 1
    assert f"{E.VersionStatus.ACCEPTED}" == "ACCEPTED" and str(E.Sector.PAY) == "PAY"
    assert E.VersionStatus.check("status") == (
        "status IN ('RECEIVED','VALIDATING','REJECTED','VALIDATED','ACCEPTED','RETURNED','SUPERSEDED','FAILED',"
        "'WITHDRAWN')")
    assert E.FindingStatus.label_of("NOPE") == "NOPE" and E.FindingStatus.label_of(None) == "—"


def test_transition_tables_cover_every_state():
    assert set(E.VERSION_TRANSITIONS) == set(E.VersionStatus)
    assert all(targets <= set(E.VersionStatus) for targets in E.VERSION_TRANSITIONS.values())
    assert set(E.FINDING_REGULATOR_MOVES) == set(E.FindingStatus)
    assert E.FindingStatus.REFERRED not in set().union(*E.FINDING_REGULATOR_MOVES.values())
    assert set(E.FINDING_STATUS_ORDER) == set(E.FindingStatus)


def test_model_check_constraints_are_derived_from_the_enums():
    from supervision import models  # noqa: F401  (every table)
    from supervision.extensions import db

    def check(table: str, name: str) -> str:
        found = [c for c in db.metadata.tables[table].constraints if c.name == f"ck_{table}_{name}"]
        assert found, f"{table} has no CHECK {name}"
        return str(found[0].sqltext)

    assert check("filing_version", "status") == E.VersionStatus.check("status")
    assert check("filing", "kind") == E.FilingKind.check("kind")
    assert check("finding", "status") == E.FindingStatus.check("status")
    assert check("finding", "level") == E.FindingLevel.check("level")
    assert check("referral", "status") == E.ReferralStatus.check("status")
    assert check("job_run", "status") == E.JobRunStatus.check("status")
    assert check("job_run", "trigger") == E.JobTrigger.check("trigger")
    assert check("user_account", "role") == E.Role.check("role")
    assert check("institution", "sector") == E.Sector.check("sector")


def test_web_and_workbook_use_one_word_per_value(catalog):
    """The exports (pure, in reports/) name finding states, levels, sectors and kinds as the web does."""
    assert set(workbook.FINDING_STATUS_LABELS) == set(E.FindingStatus.values())
    for member in E.FindingStatus:
        assert zh(catalog, member.label) == workbook.FINDING_STATUS_LABELS[member], member
    assert E.FindingLevel.values() == workbook.LEVEL_ORDER
    for member in E.FindingLevel:
        assert zh(catalog, member.label) == workbook.LEVEL_LABELS[member], member
    assert E.Sector.values() == workbook.SECTOR_ORDER
    for member in E.Sector:
        assert zh(catalog, member.label) == workbook.SECTOR_NAMES[member] == CODE_LISTS["sector"][member], member
    assert E.FilingKind.values() == workbook.KIND_ORDER
    for member in E.FilingKind:
        assert zh(catalog, member.label) == f"{member.value} {workbook.KIND_LABELS[member]}", member
    assert {E.FindingStatus.CLOSED} == workbook.CLOSED_FINDING_STATUSES
