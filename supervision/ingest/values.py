"""Cell value converters of filing-spec §3: text, numbers, dates, booleans and codes.

Each converter takes a raw reader value (``None``, ``str``, ``int``, ``float``, ``bool``,
``date``, ``datetime``...) and returns the typed value, ``None`` for an empty cell, or raises
:class:`ConversionError` naming what was expected (``kind`` = ``type`` → rule V02, ``code`` → V03).

Readings of the spec made here (see the module tests for the accept/reject lists):

* numbers in text: optional sign, ASCII or full-width digits, thousands separators only in valid
  groups of three (``1,234,567``), an optional fraction with digits on both sides of the point;
  ``1_000``, ``1e3``, ``nan``, ``inf``, spaces inside, and any other digits (``٣``, ``①``, ``²``) are
  rejected. Money and volumes are :class:`~decimal.Decimal`, never float; a float cell becomes the
  Decimal of its shortest repr (``0.1`` → ``Decimal('0.1')``).
* dates in text: ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY年MM月DD日`` after NFKC; one-digit months and
  days are accepted (``2024年1月5日`` is the usual Chinese writing). A number in a date column is an
  Excel serial (1900 system). Every date before 1900-03-01 is rejected, whatever its source.
  A datetime cell counts as its calendar date.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

MIN_DATE = dt.date(1900, 3, 1)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = 2_958_465  # 9999-12-31
_NUMBER = re.compile(r"^([+-]?)((?:[0-9]{1,3}(?:,[0-9]{3})+)|[0-9]+)(?:\.([0-9]+))?$", re.ASCII)
_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{1,2})-([0-9]{1,2})|/([0-9]{1,2})/([0-9]{1,2})"
                   r"|年([0-9]{1,2})月([0-9]{1,2})日)$", re.ASCII)
_BOOL = {"是": True, "否": False, "y": True, "n": False, "true": True, "false": False, "1": True, "0": False}
MAX_INTEGER_DIGITS = 20
MAX_FRACTION_DIGITS = 10


class ConversionError(ValueError):
    """A value could not be converted; ``expected_zh``/``expected_en`` say what was expected."""

    def __init__(self, kind: str, expected_zh: str, expected_en: str) -> None:
        """``kind`` is ``type`` (V02) or ``code`` (V03)."""
        super().__init__(expected_en)
        self.kind, self.expected_zh, self.expected_en = kind, expected_zh, expected_en


def nfkc(text: str) -> str:
    """Return ``text`` NFKC-normalised and trimmed (full-width → half-width)."""
    if text.isascii():  # NFKC leaves ASCII unchanged
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def fold(text: str) -> str:
    """Normalise for matching: NFKC, trimmed, case-folded (used for headers and codes)."""
    return nfkc(text).casefold()


def is_blank(value: object) -> bool:
    """True for None and for text that is empty after trimming."""
    return value is None or (isinstance(value, str) and not nfkc(value))


def _check_digits(text: str) -> None:
    for ch in text:
        if (ch.isdigit() or ch.isnumeric()) and not ("0" <= ch <= "9" or "\uff10" <= ch <= "\uff19"):
            raise ConversionError("type", "数字（只允许半角或全角数字）", "a number (ASCII or full-width digits only)")


def to_text(value: object, max_length: int | None = None) -> str | None:
    """Convert to trimmed NFKC text; numbers are written plainly (``47.0`` → ``"47"``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, dt.datetime | dt.date):
        text = value.isoformat()
    else:
        text = nfkc(str(value))
    if not text:
        return None
    if max_length is not None and len(text) > max_length:
        raise ConversionError("type", f"不超过 {max_length} 个字符的文本（实际 {len(text)} 个）",
                              f"text of at most {max_length} characters (got {len(text)})")
    return text


def _parse_number(value: object, what_zh: str, what_en: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConversionError("type", what_zh, what_en)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConversionError("type", what_zh, what_en)
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ConversionError("type", what_zh, what_en)
        return value
    if not isinstance(value, str):
        raise ConversionError("type", what_zh, what_en)
    _check_digits(value)
    text = nfkc(value)
    if not text:
        return None
    m = _NUMBER.match(text)
    if not m:
        raise ConversionError("type", what_zh, what_en)
    sign, whole, frac = m.groups()
    whole = whole.replace(",", "").lstrip("0") or "0"
    if len(whole) > MAX_INTEGER_DIGITS or len(frac or "") > MAX_FRACTION_DIGITS:
        raise ConversionError("type",
                              f"{what_zh}（整数最多 {MAX_INTEGER_DIGITS} 位，小数最多 {MAX_FRACTION_DIGITS} 位）",
                              f"{what_en} (at most {MAX_INTEGER_DIGITS} integer and {MAX_FRACTION_DIGITS} "
                              "fraction digits)")
    try:
        return Decimal(f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise ConversionError("type", what_zh, what_en) from None


def to_decimal(value: object, minimum: Decimal | int | None = 0) -> Decimal | None:
    """Convert to a Decimal ≥ ``minimum`` (numeric cell or plain-digit text)."""
    number = _parse_number(value, "数字", "a number")
    if number is not None and minimum is not None and number < minimum:
        raise ConversionError("type", f"不小于 {minimum} 的数字", f"a number ≥ {minimum}")
    return number


def to_integer(value: object, minimum: int | None = 0) -> int | None:
    """Convert to an int ≥ ``minimum``; a number with a fraction is rejected."""
    number = _parse_number(value, "整数", "an integer")
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ConversionError("type", "整数", "an integer")
    if minimum is not None and number < minimum:
        raise ConversionError("type", f"不小于 {minimum} 的整数", f"an integer ≥ {minimum}")
    return int(number)


def serial_to_date(serial: float) -> dt.date:
    """Convert an Excel serial (1900 system) to a date; serials before 1900-03-01 (< 61) are rejected."""
    if not math.isfinite(serial) or serial < 61 or serial >= _MAX_SERIAL + 1:
        raise ConversionError("type", "1900-03-01 及以后的日期（Excel 序列号 ≥ 61）",
                              "a date on or after 1900-03-01 (Excel serial ≥ 61)")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


_DATE_EXPECTED = ("日期（YYYY-MM-DD、YYYY/MM/DD 或 YYYY年MM月DD日）",
                  "a date (YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日)")


def to_date(value: object) -> dt.date | None:
    """Convert a date cell, an Excel serial number, or date text to a date ≥ 1900-03-01."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConversionError("type", *_DATE_EXPECTED)
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, int | float | Decimal):
        return serial_to_date(float(value))
    elif isinstance(value, str):
        _check_digits(value)
        text = nfkc(value)
        if not text:
            return None
        m = _DATE.match(text)
        if not m:
            raise ConversionError("type", *_DATE_EXPECTED)
        parts = [g for g in m.groups() if g is not None]
        try:
            result = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            raise ConversionError("type", "存在的日历日期", "an existing calendar date") from None
    else:
        raise ConversionError("type", *_DATE_EXPECTED)
    if result < MIN_DATE:
        raise ConversionError("type", "1900-03-01 及以后的日期", "a date on or after 1900-03-01")
    return result


def to_bool(value: object) -> bool | None:
    """Convert 是/否, Y/N, TRUE/FALSE, 1/0 (case-insensitive) or a boolean cell to a bool."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = fold(value)
        if not text:
            return None
        if text in _BOOL:
            return _BOOL[text]
    raise ConversionError("type", "是/否、Y/N、TRUE/FALSE 或 1/0", "是/否, Y/N, TRUE/FALSE or 1/0")


class CodeList:
    """A code list with a lookup accepting the code or its Chinese name (NFKC + case-folded)."""

    def __init__(self, name: str, codes: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> None:
        """``codes`` maps code → Chinese name; ``aliases`` maps extra names → code."""
        self.name = name
        self.codes = dict(codes)
        self._lookup: dict[str, str] = {}
        self._seen: dict[str, str] = {}
        for code, label in self.codes.items():
            self._lookup.setdefault(fold(code), code)
            self._lookup.setdefault(fold(label), code)
        for alias, code in (aliases or {}).items():
            self._lookup.setdefault(fold(alias), code)

    def match(self, value: object) -> str | None:
        """Return the code for ``value`` (code or name), None if empty; raise ConversionError if unknown."""
        if type(value) is str and (hit := self._seen.get(value)) is not None:
            return hit
        text = to_text(value)
        if text is None:
            return None
        code = self._lookup.get(text.casefold())
        if code is None:
            raise ConversionError("code", f"代码表 {self.name} 中的代码或名称",
                                  f"a code or name of code list {self.name}")
        if type(value) is str and len(self._seen) < 4096:
            self._seen[value] = code  # bounded cache of raw spellings already matched
        return code

    def name_of(self, code: str) -> str:
        """Return the Chinese name of ``code`` (the code itself if unknown)."""
        return self.codes.get(code, code)


_SPLIT = re.compile(r"[,、]")


def to_code(value: object, codes: CodeList) -> str | None:
    """Convert a code field: the code or its Chinese name → the code."""
    return codes.match(value)


def to_codes(value: object, codes: CodeList) -> tuple[str, ...] | None:
    """Convert a multi-value code field split by ``,`` or ``、`` into a tuple of distinct codes."""
    text = to_text(value)
    if text is None:
        return None
    out: list[str] = []
    for part in _SPLIT.split(text):
        if part.strip():
            code = codes.match(part)
            if code is not None and code not in out:
                out.append(code)
    return tuple(out) or None
