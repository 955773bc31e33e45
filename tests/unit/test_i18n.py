"""The .po catalogue is the one source of the translations: every string the code and templates
show is in it, translated, under its message context, with nothing fuzzy; and the catalogue holds
nothing the code no longer uses. The fix for any failure here is ``make translations-update`` and
then editing supervision/translations/zh/LC_MESSAGES/messages.po (README, "Contributing")."""

from __future__ import annotations

import re
import shlex
from itertools import pairwise
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "supervision/translations/zh/LC_MESSAGES/messages.po"
HINT = "run `make translations-update`, then translate in supervision/translations/zh/LC_MESSAGES/messages.po"


def _keywords() -> dict:
    """The extraction keywords of ``make translations-update`` (read from the Makefile, so the test
    and the target cannot drift apart)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^BABEL_KEYWORDS\s*:=\s*(.+)$", makefile, re.M)
    assert line, "Makefile defines BABEL_KEYWORDS"
    words = shlex.split(line.group(1))
    specs = [w for flag, w in pairwise(words) if flag == "-k"]
    return {**DEFAULT_KEYWORDS, **parse_keywords(specs)}


@pytest.fixture(scope="module")
def extracted() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _file, _line, msg, _comments, context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options_map, keywords=_keywords()):
        found.add((context or None, msg if isinstance(msg, str) else msg[0]))
    return found


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh")


def test_every_extracted_string_is_translated(extracted, catalog):
    translated = {(m.context or None, m.id if isinstance(m.id, str) else m.id[0])
                  for m in catalog if m.id and m.string and (not isinstance(m.string, tuple) or all(m.string))}
    missing = sorted(extracted - translated, key=lambda x: (x[0] or "", x[1]))
    assert not missing, f"untranslated ({HINT}): {missing}"


def test_no_fuzzy_entries(catalog):
    fuzzy = [(m.context, m.id) for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy translations must be checked and the flag removed: {fuzzy}"


def test_catalogue_holds_only_what_the_code_uses(extracted, catalog):
    entries = {(m.context or None, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    stale = sorted(entries - extracted, key=lambda x: (x[0] or "", x[1]))
    assert not stale, f"entries no longer in the code ({HINT}): {stale}"
    assert not catalog.obsolete, f"obsolete entries ({HINT}): {list(catalog.obsolete)}"


def test_message_contexts_are_extracted(extracted):
    """lazy_pgettext (the enums' labels) is a keyword: the contexts reach the catalogue."""
    assert ("finding status", "Closed") in extracted and ("count", "Closed") in extracted


def test_catalogue_is_compiled():
    assert PO.with_suffix(".mo").exists(), "run `make translations` (pybabel compile)"
