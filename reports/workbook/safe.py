"""How every value reaches a cell, so that no cell of any export is ever a formula (spec §9).

Rules, applied by :class:`CellWriter` (workbooks) and :func:`csv_field` (CSV):

* **Text is always text.** Workbook text goes through ``write_string`` (never ``write`` or
  ``write_formula``); the workbook is opened with :data:`WORKBOOK_OPTIONS`, which also turn off
  xlsxwriter's string-to-formula/number/URL conversions as a second line of defence. Text of the form
  ``<r>…</r>`` is written as an escaped two-run rich string, because xlsxwriter copies such strings
  into the sheet XML *unescaped* (it takes them for pre-rendered rich text), which would let a name
  like ``<r>…</r></is></c><c><f>…</f></c>…</r>`` inject a live formula cell. (xlsxwriter escapes
  rich runs twice, so a control character inside such a text shows as ``_x0008_``: still text.)
* **Numbers are the displayed numbers.** A numeric cell holds the value rounded half-up to its display
  precision (spec §8), with the matching number format (``0``, ``0.0``, ``0.00``), so the cell, the
  web page and the CSV show the same figure and Excel sums and filters what the reader sees. The exact
  value comes from the ``value`` decimal string; if a ``display`` string is also given it must agree
  (:class:`DisplayMismatch` otherwise) — an export that silently differs from the web is worse than
  none. Exact values stay available in the JSON export.
* **Empty is empty.** A null value is an empty cell in a workbook (no cell record, or a formatted
  blank on shaded total rows; empty cells sort last in Excel in both directions and charts skip
  them; the 说明 sheet says an empty cell means "no value", shown as ``—`` on the web), an empty
  field in CSV and ``null`` in JSON.
* **CSV text** that starts with ``=``, ``+``, ``-``, ``@``, tab or CR (also after leading spaces, and
  their full-width forms ``＝＋－＠``), or that already starts with ``'``, gets a leading ``'``.
  Excel shows such a field as text; to recover the original, drop one leading ``'``. Numbers we
  format ourselves (e.g. a movement of ``-3``) are numbers, not text, and are never prefixed.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

#: Characters that make a spreadsheet treat the start of a text as a formula (OWASP CSV injection).
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: xlsxwriter options for every export workbook.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": False,
}

#: Excel's limit for the text of one cell (UTF-16 code units).
MAX_CELL_TEXT = 32767

#: Largest number of significant digits a double holds exactly; longer figures are written as text.
MAX_EXACT_DIGITS = 15

#: What the web shows for an empty value (the workbook writes a blank cell, CSV an empty field).
EMPTY_DISPLAY = "—"


class DisplayMismatch(ValueError):
    """A display string disagrees with the half-up rounding of its exact value."""


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula when it is typed in or opened as CSV.

    True when the text starts with a trigger of :data:`FORMULA_TRIGGERS`, including after leading
    spaces and after NFKC normalisation (full-width ``＝`` counts as ``=``).
    """
    if not text:
        return False
    if text[0] in FORMULA_TRIGGERS:
        return True
    stripped = unicodedata.normalize("NFKC", text[:16]).lstrip(" ")
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def csv_text(text: str) -> str:
    """Make one CSV text field formula-safe: prefix ``'`` when :func:`starts_like_formula` or ``'``."""
    if text.startswith("'") or starts_like_formula(text):
        return "'" + text
    return text


#: Context for exact rounding: wide enough for any realistic figure (wider raises, never rounds twice).
_EXACT = Context(prec=200, rounding=ROUND_HALF_UP, Emax=10**6, Emin=-(10**6), traps=[InvalidOperation])
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(10)}


def quantize_half_up(number: Decimal | Fraction | int, places: int) -> Decimal:
    """Round exactly, half away from zero, to ``places`` decimals (never binary float, never ``round``)."""
    if isinstance(number, Fraction):
        scaled = abs(number) * 10**places
        units = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
        result = Decimal(units).scaleb(-places)
        return -result if number < 0 and units else result
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    result = Decimal(number).quantize(quantum, context=_EXACT)
    return result if result else abs(result)


def parse_decimal(text: Any, field: str) -> Decimal | None:
    """Parse an exact decimal string (``None`` stays ``None``); refuse floats, NaN and infinities."""
    if text is None:
        return None
    if type(text) is Decimal:
        return text if text.is_finite() else _not_finite(text, field)
    if isinstance(text, bool | float) or not isinstance(text, str | int | Decimal):
        raise TypeError(f"{field}: expected a decimal string, got {type(text).__name__}")
    try:
        number = Decimal(text.strip()) if isinstance(text, str) else Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{field}: not a decimal number: {text!r}") from exc
    if not number.is_finite():
        _not_finite(text, field)
    return number


def _not_finite(text: Any, field: str) -> Decimal:
    raise ValueError(f"{field}: not a finite number: {text!r}")


def display_number(value: Any, display: Any, places: int, field: str) -> Decimal | None:
    """The number a cell shows: ``value`` (exact) rounded half-up to ``places``, checked against ``display``.

    With only a ``display`` string, that string is used; it must already have at most ``places``
    decimals. Both null gives ``None`` (an empty cell).
    """
    exact = parse_decimal(value, field)
    shown = parse_decimal(display, field)
    if exact is not None:
        rounded = quantize_half_up(exact, places)
        if shown is not None and shown != rounded:
            raise DisplayMismatch(f"{field}: display {display!r} is not {value!r} rounded half-up ({rounded})")
        return rounded
    if shown is None:
        return None
    rounded = quantize_half_up(shown, places)
    if rounded != shown:
        raise DisplayMismatch(f"{field}: display {display!r} has more than {places} decimals")
    return rounded


def strict_int(value: Any, field: str) -> int | None:
    """An integer field (rank, movement, count): an ``int`` or a string of digits; ``None`` stays ``None``."""
    if value is None or type(value) is int:
        return value
    if isinstance(value, bool):
        raise TypeError(f"{field}: expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit() and value.strip().isascii():
        return int(value.strip())
    raise TypeError(f"{field}: expected an integer, got {value!r}")


def number_text(number: Decimal | int | None) -> str | None:
    """Plain text of a display number, exactly as shown (``"83.25"``, ``"-3"``); ``None`` for empty."""
    if number is None:
        return None
    if isinstance(number, int):
        return str(number)
    return format(number, "f")


def number_format(places: int) -> str:
    """Excel number format showing ``places`` decimals: ``0``, ``0.0``, ``0.00``…"""
    return "0" if places == 0 else "0." + "0" * places


def clean_text(value: Any) -> str:
    """Text of a text field, cut to Excel's cell limit (``…`` marks a cut)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_CELL_TEXT // 2 and len(text.encode("utf-16-le")) // 2 > MAX_CELL_TEXT:
        cut = text[: MAX_CELL_TEXT - 1]
        while len(cut.encode("utf-16-le")) // 2 > MAX_CELL_TEXT - 1:
            cut = cut[:-1]
        text = cut + "…"
    return text


class CellWriter:
    """Writes cells of one xlsxwriter worksheet by type, never as a formula.

    ``None`` → blank, ``int``/``Decimal`` → number (or text when it has more than
    :data:`MAX_EXACT_DIGITS` significant digits, so no digit is lost), ``str`` → string. Anything else
    (floats, booleans, datetimes…) is refused, so no value reaches xlsxwriter's type guessing.
    """

    def __init__(self, worksheet: Any, run_format: Any) -> None:
        """Wrap ``worksheet``; ``run_format`` is a plain workbook format used for escaped rich runs."""
        self.worksheet = worksheet
        self._run_format = run_format

    def text(self, row: int, col: int, value: Any, cell_format: Any = None) -> None:
        """Write ``value`` as text (blank when ``None``)."""
        if value is None:
            self.worksheet.write_blank(row, col, None, cell_format)
            return
        text = clean_text(value)
        if text.startswith("<r>") and text.endswith("</r>"):
            # xlsxwriter writes such strings raw; a two-run rich string makes it escape them.
            args: list[Any] = [text[:1], self._run_format, text[1:]]
            if cell_format is not None:
                args.append(cell_format)
            self.worksheet.write_rich_string(row, col, *args)
        elif text == "":
            self.worksheet.write_blank(row, col, None, cell_format)
        else:
            self.worksheet.write_string(row, col, text, cell_format)

    def number(self, row: int, col: int, value: Decimal | int | None, cell_format: Any = None) -> None:
        """Write a display number (blank when ``None``)."""
        if value is None:
            self.worksheet.write_blank(row, col, None, cell_format)
            return
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise TypeError(f"cell ({row}, {col}): not an int or Decimal: {value!r}")
        if isinstance(value, int):
            if abs(value) >= 10**MAX_EXACT_DIGITS:
                self.worksheet.write_string(row, col, str(value), cell_format)
            else:
                self.worksheet.write_number(row, col, value, cell_format)
            return
        if value.adjusted() >= MAX_EXACT_DIGITS - 3 and len(value.as_tuple().digits) > MAX_EXACT_DIGITS:
            self.worksheet.write_string(row, col, format(value, "f"), cell_format)
        else:
            self.worksheet.write_number(row, col, float(value), cell_format)

    def cell(self, row: int, col: int, value: Any, cell_format: Any = None) -> None:
        """Write by Python type: ``str`` as text, ``int``/``Decimal`` as number, ``None`` as blank."""
        if isinstance(value, str):
            self.text(row, col, value, cell_format)
        elif value is None or isinstance(value, int | Decimal):
            self.number(row, col, value, cell_format)
        else:
            raise TypeError(f"cell ({row}, {col}): unsupported value type {type(value).__name__}")

    def row(self, row: int, values: list[Any], formats: list[Any] | None = None) -> None:
        """Write a whole row from column 0 with :meth:`cell`; ``formats`` aligns with ``values``."""
        for col, value in enumerate(values):
            self.cell(row, col, value, formats[col] if formats else None)
