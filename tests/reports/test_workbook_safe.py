"""Cell safety and number rules of reports.workbook.safe."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reports.workbook.safe import (
    WORKBOOK_OPTIONS,
    CellWriter,
    DisplayMismatch,
    csv_text,
    display_number,
    number_format,
    parse_decimal,
    quantize_half_up,
    starts_like_formula,
    strict_int,
)
from tests.reports.test_workbook_data import HOSTILE, formula_cells, unescape

RICH_INJECTION = HOSTILE[-1]


@pytest.mark.parametrize("text", ["=1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1", "  =1", "＠x"])
def test_formula_triggers(text):
    """Every OWASP trigger (and its full-width / space-led form) is detected and prefixed."""
    assert starts_like_formula(text)
    assert csv_text(text) == "'" + text


@pytest.mark.parametrize("text", ["", "abc", "甲银行", "1-1", "a=b", "(1)"])
def test_plain_text_is_unchanged(text):
    """Ordinary text is left alone."""
    assert not starts_like_formula(text)
    assert csv_text(text) == text


def test_existing_quote_is_doubled_so_the_prefix_is_reversible():
    """Dropping one leading apostrophe restores any value."""
    assert csv_text("'abc") == "''abc"
    for text in ("'abc", "=1", "abc"):
        written = csv_text(text)
        assert (written[1:] if written.startswith("'") else written) == text


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("0.125", 2, "0.13"),  # round() gives 0.12
        ("2.675", 2, "2.68"),  # float(2.675) is 2.67499…
        ("43.25", 1, "43.3"),  # the spec's example
        ("43.35", 1, "43.4"),
        ("0.004999", 2, "0.00"),
        ("1033.5", 0, "1034"),
        ("-0.001", 2, "0.00"),
        ("-2.5", 0, "-3"),
    ],
)
def test_quantize_half_up_decimal(value, places, expected):
    """Half-up on exact decimals, including the traps of round() and float."""
    assert str(quantize_half_up(Decimal(value), places)) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(Fraction(1, 32) * 100, 2, "3.13"), (Fraction(2, 3) * 100, 2, "66.67"), (Fraction(-1, 8), 2, "-0.13")],
)
def test_quantize_half_up_fraction(value, places, expected):
    """Half-up on exact fractions."""
    assert str(quantize_half_up(value, places)) == expected


def test_display_number_uses_exact_value_and_checks_display():
    """The cell number comes from the exact value; a wrong display is refused."""
    assert display_number("2.675", "2.68", 2, "m") == Decimal("2.68")
    assert display_number("2.675", None, 2, "m") == Decimal("2.68")
    assert display_number(None, "1033.5", 1, "m") == Decimal("1033.5")
    assert display_number(None, None, 2, "m") is None
    with pytest.raises(DisplayMismatch):
        display_number("2.675", "2.67", 2, "m")  # a banker's/float-rounded display is refused
    with pytest.raises(DisplayMismatch):
        display_number(None, "83.255", 2, "m")


@pytest.mark.parametrize("bad", [1.5, True, "abc", "NaN", "Infinity", [1]])
def test_parse_decimal_refuses_floats_and_non_numbers(bad):
    """Binary floats, booleans and non-finite values never become figures."""
    with pytest.raises((TypeError, ValueError)):
        parse_decimal(bad, "f")


def test_strict_int():
    """Integer fields accept ints and digit strings only."""
    assert strict_int(None, "r") is None
    assert strict_int(3, "r") == 3
    assert strict_int("-2", "r") == -2
    for bad in (True, 1.0, "=1+1", "１"):
        with pytest.raises(TypeError):
            strict_int(bad, "r")


def test_number_format():
    """Display precision maps to Excel number formats."""
    assert [number_format(p) for p in (0, 1, 2)] == ["0", "0.0", "0.00"]


def test_workbook_options_turn_conversions_off():
    """xlsxwriter's string conversions are all off."""
    assert WORKBOOK_OPTIONS["constant_memory"] is True
    for key in ("strings_to_formulas", "strings_to_numbers", "strings_to_urls"):
        assert WORKBOOK_OPTIONS[key] is False


def _write(path, texts, *, raw=False):
    workbook = xlsxwriter.Workbook(path, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet("s")
    writer = CellWriter(sheet, workbook.add_format())
    for row, text in enumerate(texts):
        if raw:
            sheet.write_string(row, 0, text)
        else:
            writer.text(row, 0, text)
    workbook.close()


def test_xlsxwriter_raw_rich_string_injection_is_real(tmp_path):
    """Without the CellWriter guard, write_string of ``<r>…</r>`` injects a live formula."""
    path = tmp_path / "raw.xlsx"
    _write(path, [RICH_INJECTION], raw=True)
    assert formula_cells(path)


def test_cell_writer_blocks_rich_string_injection(tmp_path):
    """Hostile strings, including ``<r>…</r>``, are stored as text and read back verbatim."""
    path = tmp_path / "safe.xlsx"
    _write(path, [*HOSTILE, "<r></r>"])
    assert formula_cells(path) == []
    values = [c.value for c in openpyxl.load_workbook(path)["s"]["A"]]
    assert [unescape(v) for v in values] == [*HOSTILE, "<r></r>"]


def test_cell_writer_numbers_blanks_and_refusals(tmp_path):
    """Numbers, blanks, long figures and refused types."""
    path = tmp_path / "n.xlsx"
    workbook = xlsxwriter.Workbook(path, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet("s")
    writer = CellWriter(sheet, workbook.add_format())
    writer.cell(0, 0, Decimal("2.68"))
    writer.cell(0, 1, 7)
    writer.cell(0, 2, None)
    writer.cell(0, 3, Decimal("1234567890123456.78"))  # 18 digits: kept exact as text
    writer.cell(0, 4, "=1+1")
    for bad in (1.5, True, object()):
        with pytest.raises(TypeError):
            writer.cell(1, 0, bad)
    workbook.close()
    row = next(openpyxl.load_workbook(path)["s"].iter_rows(values_only=True))
    assert row == (2.68, 7, None, "1234567890123456.78", "=1+1")
    assert formula_cells(path) == []


def test_long_text_is_cut_to_the_excel_limit(tmp_path):
    """Text over Excel's cell limit is cut with a marker instead of failing."""
    path = tmp_path / "long.xlsx"
    _write(path, ["甲" * 40000])
    value = openpyxl.load_workbook(path)["s"]["A1"].value
    assert len(value) == 32767 and value.endswith("…")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=6))
@example(["\r\n"])  # a line end of two characters reads back as both (found by this property in CI)
@example(["a\rb", "\n", "\r"])
def test_any_text_is_written_as_text(tmp_path, raw):
    """Property: formula-like and rich-looking text is never a formula, reads back verbatim, is CSV-safe."""
    formulas = ["=" + t for t in raw]
    # (control characters and "_x" escapes inside a rich-looking text are covered separately below)
    texts = formulas + ["<r>" + t + "</r>" for t in raw if not re.search(r"[\x00-\x08\x0b-\x1f]|_x", t)]
    path = tmp_path / "h.xlsx"
    _write(path, texts)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    values = [c.value for c in openpyxl.load_workbook(path)["s"]["A"]]
    assert [unescape(v) for v in values] == texts
    assert all(csv_text(t).startswith("'") for t in formulas)


def test_control_character_in_rich_looking_text_stays_visible_text(tmp_path):
    """xlsxwriter escapes rich runs twice, so a control character there shows as ``_x0008_`` — still text."""
    path = tmp_path / "cc.xlsx"
    _write(path, ["<r>\x08</r>", "=\x08"])
    values = [unescape(c.value) for c in openpyxl.load_workbook(path)["s"]["A"]]
    assert values == ["<r>_x0008_</r>", "=\x08"]
    assert formula_cells(path) == []


def test_writers_import_no_flask_or_database():
    """The export writers are pure: importing them loads neither Flask nor a database driver."""
    code = (
        "import sys, reports.workbook; "
        "bad = [m for m in ('flask', 'sqlalchemy', 'psycopg', 'supervision') if m in sys.modules]; "
        "sys.exit(bool(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
