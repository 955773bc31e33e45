"""Issue 11 "Also": property tests (hypothesis, bounded in time) of the value converters and of the
fast worksheet scanner against the reference scanner. Expected values are computed independently
(Python's own int/Decimal/date, the reference scanner), never by the code under test."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supervision.ingest.values import (
    CodeList,
    ConversionError,
    to_bool,
    to_code,
    to_date,
    to_decimal,
    to_integer,
    to_text,
)
from tests.ingest.test_fastscan import row, same, sheet

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FULL = str.maketrans("0123456789-./", "０１２３４５６７８９－．／")


def full_width(text: str) -> str:
    """The same text in full-width digits and punctuation (as a Chinese IME types them)."""
    return text.translate(FULL)


@BOUNDED
@given(st.text(max_size=40))
def test_converters_never_fail_otherwise_than_by_conversion_error(text):
    for convert in (to_decimal, to_integer, to_date, to_bool, to_text):
        with contextlib.suppress(ConversionError):
            convert(text)


@BOUNDED
@given(st.integers(min_value=0, max_value=10**15), st.booleans())
def test_integers_half_and_full_width(n, wide):
    text = full_width(str(n)) if wide else str(n)
    assert to_integer(text) == n
    assert to_decimal(text) == Decimal(n)


@BOUNDED
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False), st.booleans())
def test_decimals_half_and_full_width(d, wide):
    text = format(d, "f")
    assert to_decimal(full_width(text) if wide else text) == d


@BOUNDED
@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
       st.sampled_from(["{y:04d}-{m:02d}-{d:02d}", "{y:04d}/{m:02d}/{d:02d}", "{y:04d}年{m:02d}月{d:02d}日"]),
       st.booleans())
def test_dates_in_every_accepted_form(day, form, wide):
    text = form.format(y=day.year, m=day.month, d=day.day)
    assert to_date(full_width(text) if wide else text) == day


@BOUNDED
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=29, max_value=31),
       st.integers(min_value=1901, max_value=2100))
def test_impossible_dates_are_refused(month, day, year):
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        expected = dt.date(year, month, day)
    except ValueError:
        expected = None
    if expected is None:
        try:
            to_date(text)
        except ConversionError:
            return
        raise AssertionError(f"{text} accepted")
    assert to_date(text) == expected


CODES = CodeList("test", {"B10": "咨询类", "B11": "账户管理", "C07": "服务态度"})


@BOUNDED
@given(st.sampled_from(sorted(CODES.codes.items())), st.sampled_from(["code", "name"]),
       st.sampled_from(["", " ", "\u3000"]), st.booleans())
def test_codes_by_code_or_name_in_any_width_and_case(item, by, pad, lower):
    code, name = item
    text = code.lower() if (by == "code" and lower) else (code if by == "code" else name)
    assert to_code(pad + full_width(text) + pad, CODES) == code


# ---- the fast worksheet scanner agrees with the reference scanner ------------------------------

cell_value = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12).map(lambda n: ("n", str(n).encode())),
    st.text(alphabet="abc 中文<>&", max_size=12).map(lambda t: ("inlineStr", t)),
    st.just(("blank", b"")),
    st.integers(min_value=1, max_value=99).map(lambda n: ("f", b"A%d*2" % n)),
)


def _cell(col: int, r: int, kind, value, with_ref: bool) -> bytes:
    ref = b' r="%s%d"' % (bytes([65 + col]), r) if with_ref else b""
    if kind == "n":
        return b"<c" + ref + b"><v>" + value + b"</v></c>"
    if kind == "inlineStr":
        esc = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
        return b"<c" + ref + b' t="inlineStr"><is><t>' + esc + b"</t></is></c>"
    if kind == "blank":
        return b"<c" + ref + b' s="1"/>'
    return b"<c" + ref + b"><f>" + value + b"</f><v>0</v></c>"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell_value, min_size=0, max_size=6), min_size=0, max_size=25), st.booleans(),
       st.sampled_from([b"A1:A1", b"A1:F25", b"A1", None]), st.integers(min_value=0, max_value=3))
def test_sheet_scanner_agrees_with_reference(rows, with_refs, dimension, gap):
    parts = []
    for i, cells in enumerate(rows):
        r = 1 + i * (gap + 1)
        parts.append(row(r if with_refs else None,
                         b"".join(_cell(c, r, kind, value, with_refs) for c, (kind, value) in enumerate(cells))))
    same(sheet(b"".join(parts), dimension), chunks=(None, 1, 7, 4096))
