"""Value converters of §3: accept/reject lists and Hypothesis properties of the number and date parsers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervision.ingest import values as v
from supervision.ingest.templates import CODELISTS

FULLWIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")

NUMBER_ACCEPT = {"0": 0, "7": 7, "1234": 1234, "1,234": 1234, "1,234,567": 1234567, "１２３": 123,
                 "１，２３４": 1234, " 42 ": 42, "12.50": Decimal("12.50"), "1,234.5": Decimal("1234.5"),
                 "007": 7}
NUMBER_REJECT = ["1_000", "1e3", "1E3", "nan", "NaN", "inf", "-inf", "Infinity", "٣", "1٣", "①", "²", "𝟏",
                 "1 000", "12,34", "1,2345", ",123", "1,", "1.", ".5", "0x10", "1.2.3", "--1", "abc", "½", "1/2",
                 "1,234,56"]


@pytest.mark.parametrize(("text", "expected"), NUMBER_ACCEPT.items())
def test_numbers_accepted(text, expected):
    assert v.to_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", NUMBER_REJECT)
def test_numbers_rejected(text):
    with pytest.raises(v.ConversionError) as err:
        v.to_decimal(text)
    assert err.value.kind == "type"


def test_number_cells_and_types():
    assert v.to_integer(47) == 47 and v.to_integer(47.0) == 47 and v.to_integer("47") == 47
    assert v.to_decimal(0.1) == Decimal("0.1") and isinstance(v.to_decimal(3), Decimal)
    for bad in (True, 1.5, "1.5", -1, "-3"):
        with pytest.raises(v.ConversionError):
            v.to_integer(bad)
    assert v.to_decimal("-2", minimum=None) == Decimal(-2)
    assert v.to_integer(None) is None and v.to_integer("  ") is None


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10**18), st.booleans(), st.booleans(), st.integers(0, 6))
def test_property_formatted_integers_parse_back(n, group, fullwidth, frac_digits):
    text = f"{n:,}" if group else str(n)
    expected = Decimal(n)
    if frac_digits:
        frac = str(n % 10**frac_digits).zfill(frac_digits)
        text += "." + frac
        expected = Decimal(f"{n}.{frac}")
    if fullwidth:
        text = text.translate(FULLWIDTH)
    assert v.to_decimal(text) == expected


@settings(deadline=None)
@given(st.text(alphabet="0123456789,._eE+-naifINF ٣①²", min_size=1, max_size=12))
def test_property_parser_agrees_with_the_grammar(text):
    import re

    plain = re.fullmatch(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?", text.strip(), re.ASCII)
    try:
        result = v.to_decimal(text, minimum=None)
    except v.ConversionError:
        assert plain is None
    else:
        if not text.strip():
            assert result is None
        else:
            assert plain is not None
            assert result == Decimal(text.strip().replace(",", ""))


@settings(deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=0, max_value=10**12))
def test_property_decimal_round_trip(d):
    assert v.to_decimal(format(d, "f")) == d


DATE_ACCEPT = {"2024-01-05": dt.date(2024, 1, 5), "2024/1/5": dt.date(2024, 1, 5),
               "2024年01月05日": dt.date(2024, 1, 5), "２０２４年１月５日": dt.date(2024, 1, 5),
               "２０２４－０１－０５": dt.date(2024, 1, 5), " 2024-02-29 ": dt.date(2024, 2, 29)}
DATE_REJECT = ["2024-02-30", "2023-02-29", "05/01/2024", "2024.01.05", "20240105", "2024-1", "2024-13-01",
               "٢٠٢٤-٠١-٠٥", "1899-12-31", "1900-02-28", "2024-01-05T10:00", "yesterday", "2024年1月5号"]


@pytest.mark.parametrize(("text", "expected"), DATE_ACCEPT.items())
def test_dates_accepted(text, expected):
    assert v.to_date(text) == expected


@pytest.mark.parametrize("text", DATE_REJECT)
def test_dates_rejected(text):
    with pytest.raises(v.ConversionError):
        v.to_date(text)


def test_date_cells_and_serials():
    assert v.to_date(dt.date(2024, 3, 1)) == dt.date(2024, 3, 1)
    assert v.to_date(dt.datetime(2024, 3, 1, 10, 30)) == dt.date(2024, 3, 1)
    assert v.to_date(61) == dt.date(1900, 3, 1)
    assert v.to_date(45296) == dt.date(2024, 1, 5)
    assert v.to_date(45296.75) == dt.date(2024, 1, 5)
    for serial in (60, 1, 0, -5, 1e9):
        with pytest.raises(v.ConversionError):
            v.to_date(serial)
    with pytest.raises(v.ConversionError):
        v.to_date(True)


@settings(deadline=None)
@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)), st.sampled_from(["-", "/", "年"]),
       st.booleans())
def test_property_date_text_round_trip(day, sep, fullwidth):
    text = f"{day.year:04d}年{day.month}月{day.day}日" if sep == "年" else \
        f"{day.year:04d}{sep}{day.month:02d}{sep}{day.day:02d}"
    if fullwidth:
        text = text.translate(FULLWIDTH)
    assert v.to_date(text) == day


@settings(deadline=None)
@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_property_serial_round_trip(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert v.to_date(serial) == day


@settings(deadline=None)
@given(st.dates(max_value=dt.date(1900, 2, 28)))
def test_property_dates_before_march_1900_rejected(day):
    with pytest.raises(v.ConversionError):
        v.to_date(day)


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("否", False), ("Y", True), ("n", False),
                                               ("TRUE", True), ("false", False), ("True", True), ("1", True),
                                               ("0", False), (1, True), (0, False), (True, True), ("ｙ", True)])
def test_booleans(raw, expected):
    assert v.to_bool(raw) is expected


@pytest.mark.parametrize("raw", ["yes", "no", "2", 2, "对", "t"])
def test_booleans_rejected(raw):
    with pytest.raises(v.ConversionError):
        v.to_bool(raw)


def test_codes_by_code_or_name():
    cat = CODELISTS["business_category"]
    assert v.to_code("B14", cat) == "B14" and v.to_code("消费贷款", cat) == "B14" and v.to_code("b14", cat) == "B14"
    assert v.to_code("Ｂ１４", cat) == "B14"
    assert v.to_code("信用支付(先享后付)", cat) == "B13" and v.to_code("信用支付（先享后付）", cat) == "B13"
    prov = CODELISTS["province"]
    assert v.to_code(11, prov) == "11" and v.to_code("北京", prov) == "11" and v.to_code("广西壮族自治区", prov) == "45"
    with pytest.raises(v.ConversionError) as err:
        v.to_code("B15", cat)
    assert err.value.kind == "code"


def test_multi_value_codes():
    ch = CODELISTS["disclosure_channel"]
    assert v.to_codes("WEB,APP", ch) == ("WEB", "APP")
    assert v.to_codes("官网、公众号，app", ch) == ("WEB", "WECHAT", "APP")
    assert v.to_codes("WEB, ,WEB", ch) == ("WEB",)
    with pytest.raises(v.ConversionError):
        v.to_codes("WEB;APP", ch)


def test_text():
    assert v.to_text("  ＡＢＣ　１ ") == "ABC 1"
    assert v.to_text(47.0) == "47" and v.to_text(12) == "12" and v.to_text("   ") is None
    with pytest.raises(v.ConversionError):
        v.to_text("x" * 65, max_length=64)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=80))
def test_property_text_is_trimmed_nfkc(text):
    import unicodedata

    out = v.to_text(text)
    expected = unicodedata.normalize("NFKC", text).strip()
    assert out == (expected or None)
