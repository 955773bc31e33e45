"""CSV and JSON of the league table: same numbers as the workbook, formula-safe CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest

from reports.workbook.summary import write_summary
from reports.workbook.tabular import csv_rows, league_json, write_league_csv, write_league_json
from tests.reports.test_workbook_data import (
    HOSTILE,
    make_findings,
    make_league,
    make_meta,
    make_reporting,
    unescape,
)

NUMBER = re.compile(r"-?\d+(\.\d+)?")
TEXT_COLUMNS = ("institution_code", "name", "sector", "status", "reason", "grade")


def read_csv(data: bytes) -> list[list[str]]:
    """Check the BOM and parse the CSV."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def original(field: str) -> str:
    """Undo the documented CSV escape: drop one leading apostrophe."""
    return field[1:] if field.startswith("'") else field


def excel_would_evaluate(field: str) -> bool:
    """Whether Excel could take a CSV field for a formula."""
    stripped = field.lstrip(" ")
    return bool(field) and (field[0] in "=+-@\t\r" or stripped[:1] in ("=", "+", "-", "@", "＝", "＋", "－", "＠"))


@pytest.mark.parametrize("hostile", [False, True])
def test_csv_has_bom_header_and_the_league_rows(tmp_path, hostile):
    """CSV rows equal the input league."""
    league = make_league(hostile=hostile)
    path = tmp_path / "l.csv"
    result = write_league_csv(path, league, make_meta())
    data = path.read_bytes()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    rows = read_csv(data)
    header = rows[0]
    assert header[:6] == ["institution_code", "name", "sector", "status", "reason", "composite"]
    assert "per_10k_customers_rank_sector" in header and "txn_bp_rank_all" in header
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert len(by_code) == len(league["rows"])
    for row in league["rows"]:
        got = by_code[row["institution_code"]]
        assert original(got["name"]) == row["name"]
        assert original(got["reason"]) == (row["reason"] or "")
        assert (got["sector"], got["status"]) == (row["sector"], row["status"])
        assert got["movement"] == ("" if row["movement"] is None else str(row["movement"]))
        for code, metric in row["metrics"].items():
            assert got[code] == (metric["display"] or ""), code
            assert got[f"{code}_rank_all"] == ("" if metric["rank_all"] is None else str(metric["rank_all"]))


def test_csv_fields_are_formula_safe():
    """No CSV text field can start a formula; numbers are plain numbers."""
    rows = list(csv_rows(make_league(hostile=True)))
    header = rows[0]
    prefixed = 0
    for row in rows[1:]:
        for column, field in zip(header, row, strict=True):
            if column in TEXT_COLUMNS:
                assert not excel_would_evaluate(field) or field.startswith("'"), field
                prefixed += field.startswith("'")
            else:
                assert field == "" or NUMBER.fullmatch(field), (column, field)
    assert prefixed >= 8
    names = {original(r[1]) for r in rows[1:]}
    assert set(HOSTILE[1::2]) <= names


def test_csv_numbers_equal_the_workbook_cells(tmp_path):
    """CSV and the 排行榜 sheet carry the same columns and numbers."""
    league = make_league(hostile=True)
    book_path = tmp_path / "s.xlsx"
    write_summary(book_path, league, make_meta(), make_reporting(), make_findings())
    sheet = list(openpyxl.load_workbook(book_path)["排行榜"].iter_rows(values_only=True))
    rows = list(csv_rows(league, labels=True))
    assert rows[0] == list(sheet[0])  # same columns, same order, same Chinese headers
    book = {r[0]: r for r in sheet[1:]}
    for row in rows[1:]:
        cells = book[row[0]]
        for header, field, cell in zip(rows[0], row, cells, strict=True):
            if isinstance(cell, int | float):
                assert Decimal(field) == Decimal(repr(cell)), header
            elif header in ("机构名称", "未排名原因"):
                assert original(field) == unescape(cell or ""), header
            elif cell is None:
                assert field == "", header


def test_csv_to_streams():
    """CSV to binary and text streams."""
    league = make_league()
    binary = io.BytesIO()
    result = write_league_csv(binary, league, make_meta())
    assert not binary.closed and result.sha256 == hashlib.sha256(binary.getvalue()).hexdigest()
    text = io.StringIO()
    assert write_league_csv(text, league, make_meta()).sha256 is None
    assert text.getvalue().encode("utf-8") == binary.getvalue()
    labelled = io.StringIO()
    write_league_csv(labelled, league, make_meta(), labels=True)
    assert labelled.getvalue().startswith("\ufeff机构代码,机构名称,行业,状态")


def test_json_carries_exact_and_display_values(tmp_path):
    """JSON rows carry exact and display values and metadata."""
    league = make_league(hostile=True)
    path = tmp_path / "l.json"
    result = write_league_json(path, league, make_meta())
    document = json.loads(path.read_text("utf-8"))
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (document["period"], document["snapshot"], document["ruleset_version"]) == ("2024Q1", 3, "rules-2024.1")
    assert document["generated_at"] == "2024-04-20T10:30:00+08:00"
    assert document["producer"] == "scheduler:nightly"
    by_code = {r["institution_code"]: r for r in document["rows"]}
    for row in league["rows"]:
        got = by_code[row["institution_code"]]
        assert got["name"] == row["name"] and got["reason"] == row["reason"]  # JSON text is never altered
        assert (got["composite"], got["share"], got["movement"]) == (row["composite"], row["share"], row["movement"])
        for code, metric in row["metrics"].items():
            assert got["metrics"][code]["display"] == metric["display"]
            exact = got["metrics"][code]["value"]
            assert (exact is None) == (metric["value"] is None)
            if exact is not None:
                assert Decimal(exact) == Decimal(metric["value"])
    assert document["medians"] == league["medians"]


def test_json_and_csv_show_the_same_numbers():
    """JSON display values equal the CSV fields."""
    league = make_league()
    document = league_json(league, make_meta())
    rows = list(csv_rows(league))
    header = rows[0]
    for json_row, csv_row in zip(document["rows"], rows[1:], strict=True):
        fields = dict(zip(header, csv_row, strict=True))
        assert fields["institution_code"] == json_row["institution_code"]
        for code, metric in json_row["metrics"].items():
            assert fields[code] == (metric["display"] or "")


def test_json_to_binary_stream():
    """JSON to a binary stream, hashed."""
    stream = io.BytesIO()
    result = write_league_json(stream, make_league(), make_meta())
    assert result.sha256 == hashlib.sha256(stream.getvalue()).hexdigest()
    assert json.loads(stream.getvalue())["rows"][0]["metrics"]["per_10k_customers"]["display"] == "0.13"
