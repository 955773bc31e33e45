"""Column-wise conversion of raw cells (:mod:`supervision.ingest.colread`) into typed columns (§3).

For every mapped field the result has the typed value column ``{code}`` (text, ``Date``, ``Int64``,
``Boolean``; decimals as their exact decimal text) and the failure column ``{code}.fail``: 0 none,
or the rule — V01 required value missing, V02 unparseable, V03 not in the code list. Messages are
not built here: the checks render them, for the issues kept under the per-rule cap only, from the
raw value with :func:`supervision.ingest.rowconv.classify`, which also decides every value below
that is not taken by a vectorised path. The vectorised paths give the same result as ``classify``
by construction:

* text of printable ASCII, CJK ideographs, CJK and general punctuation or full-width forms: NFKC
  (stable for assigned characters across Unicode versions), trimmed of spaces (the only white space
  these characters can become), length in characters;
* plain decimal text (ASCII digits, optional sign, thousands groups, a fraction) for numbers, and
  number cells whose text the compiled reader gives (:mod:`.colnative`);
* date cells for dates.

Everything else — codes, yes/no, integers, text dates, other characters, cells of another type —
is decided once per *distinct* raw value by ``classify`` (remembered across windows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from supervision.ingest import colread as cr
from supervision.ingest.rowconv import classify
from supervision.ingest.templates import BOOL, CODE, DATE, DECIMAL, INTEGER, TEXT, Field

RULES = {1: "V01", 2: "V02", 3: "V03"}
_CODES = {v: k for k, v in RULES.items()}
_ASCII_TEXT = r"^[\x20-\x7e]*$"
_SAFE_TEXT = r"^[\x20-\x7e\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e\u2010-\u2027\u2030-\u205e]*$"
#: unsigned ASCII digits with an optional fraction, within the digit limits of §3 as coded in
#: :func:`supervision.ingest.values._parse_number` (leading zeros beyond them go to classify)
_SIMPLE_NUMBER = r"^[0-9]{1,20}(?:\.[0-9]{1,10})?$"
#: the largest integer a detail row may hold (§3 says only "integer ≥ 0"): 12 digits, so that the sums of
#: a version (at most 1,048,575 rows) stay within 64 bits in polars and on both databases
MAX_ROW_INTEGER = 10**12 - 1
MAX_ROW_INTEGER_DIGITS = len(str(MAX_ROW_INTEGER))
_MIN_DATE = dt.datetime(1900, 3, 1)


def value_dtype(f: Field) -> pl.DataType:
    """The column type of a converted field."""
    return {DATE: pl.Date(), INTEGER: pl.Int64(), BOOL: pl.Boolean()}.get(f.type, pl.String())


@dataclass
class Converter:
    """Converts the raw windows of one sheet; remembers ``classify`` results per distinct raw value."""

    columns: list[tuple[int, Field]]
    all_fields: tuple[Field, ...]
    _memo: dict[str, dict[str, tuple[object, int]]] = field(default_factory=dict)

    def convert(self, raw: cr.RawWindow) -> pl.DataFrame:
        """``_row``, then for every field of the sheet ``{code}`` (None when its column is absent) and,
        for the mapped ones, ``{code}.fail``."""
        mapped = [f for _i, f in self.columns]
        facts = raw.frame.select(
            *[((pl.col(f"{f.code}.k") <= cr.TEXT) | (pl.col(f"{f.code}.k") == cr.DATETIME) if f.type == DATE
               else pl.col(f"{f.code}.k") <= cr.TEXT).all().alias(f"{f.code}.t") for f in mapped],
            *[pl.col(f"{f.code}.s").str.contains(_ASCII_TEXT).fill_null(True).all().alias(f"{f.code}.a")
              for f in mapped if f.type == TEXT]).row(0, named=True)
        # pass 1 (one parallel query): the vectorised values, and what is left for classify()
        first = raw.frame.lazy().with_columns(
            [e for f in mapped for e in _vector(f, facts.get(f"{f.code}.a", False), facts[f"{f.code}.t"])]).collect()
        mappings: dict[str, tuple[list, list, list]] = {}
        for f in mapped:
            keys = first.select(pl.col(f"{f.code}.key").filter(pl.col(f"{f.code}.todo")).unique(maintain_order=True))
            if keys.height:
                mappings[f.code] = self._classify(f, raw, first, keys.to_series().to_list())
        # pass 2: the classify() results put in place, V01 for required values left empty
        out = [pl.col("_row")]
        by_code = {f.code: f for f in mapped}
        for f in self.all_fields:
            if f.code not in by_code:
                out.append(pl.lit(None, value_dtype(f)).alias(f.code))
                continue
            c = f.code
            value, fail = pl.col(f"{c}.value"), pl.col(f"{c}.fail0")
            if c in mappings:
                keys, values, fails = mappings[c]
                todo = pl.col(f"{c}.todo")
                value = pl.when(todo).then(pl.col(f"{c}.key").replace_strict(
                    keys, values, default=None, return_dtype=value_dtype(f))).otherwise(value)
                fail = pl.when(todo).then(pl.col(f"{c}.key").replace_strict(
                    keys, fails, default=0, return_dtype=pl.UInt8)).otherwise(fail)
            if f.required:
                fail = pl.when(value.is_null() & (fail == 0)).then(pl.lit(1, pl.UInt8)).otherwise(fail)
            out += [value.alias(c), fail.alias(f"{c}.fail")]
        return first.lazy().select(out).collect()

    def _classify(self, f: Field, raw: cr.RawWindow, first: pl.DataFrame, keys: list[str]) -> tuple[list, list, list]:
        """``classify`` each distinct raw value of ``keys`` (remembered across windows)."""
        memo = self._memo.setdefault(f.code, {})
        c = f.code
        missing = [k for k in keys if k not in memo]
        if missing:
            where = first.select(pl.col(f"{c}.key"), pl.int_range(0, pl.len()).alias("i")) \
                .filter(pl.col(f"{c}.key").is_in(missing)).unique(subset=f"{c}.key", keep="first")
            frame = raw.frame
            for k_text, i in where.iter_rows():
                if frame[f"{c}.k"][i] == cr.OTHER:
                    raw_value = raw.others[(c, i)]
                else:
                    raw_value = cr.raw_value(frame[f"{c}.k"][i], frame[f"{c}.s"][i], frame[f"{c}.n"][i],
                                             frame[f"{c}.d"][i])
                converted, failure = classify(f, raw_value)
                stored = _store_form(f, converted)
                code = _CODES[failure[0]] if failure else 2 if stored is None and converted is not None else 0
                memo[k_text] = (stored, code)
        return keys, [memo[k][0] for k in keys], [memo[k][1] for k in keys]


def _vector(f: Field, ascii_only: bool = False, text_only: bool = False) -> list[pl.Expr]:
    """Expressions of one field: ``.value`` and ``.fail0`` where a vectorised path decides, ``.todo``
    where ``classify`` must, and ``.key`` (the raw value as one string) to look its result up by.

    ``ascii_only``: every text of the column is printable ASCII (NFKC is then the identity);
    ``text_only``: every cell is text or empty (the text itself is then the key)."""
    c = f.code
    k, s, n, d = pl.col(f"{c}.k"), pl.col(f"{c}.s"), pl.col(f"{c}.n"), pl.col(f"{c}.d")
    key = s if text_only else pl.concat_str(
        [k.cast(pl.String), pl.coalesce(s, n.cast(pl.String), d.cast(pl.String), pl.lit(""))], separator="|")
    value = pl.lit(None, value_dtype(f))
    fail = pl.lit(0, pl.UInt8)
    done = k == cr.EMPTY
    if f.type == TEXT:
        safe = (k == cr.TEXT) & s.str.contains(_ASCII_TEXT if ascii_only else _SAFE_TEXT).fill_null(False)
        text = s.str.strip_chars(" ") if ascii_only else s.str.normalize("NFKC").str.strip_chars(" ")
        text = pl.when(text.str.len_chars() == 0).then(None).otherwise(text)
        if f.max_length is not None:
            too_long = safe & (text.str.len_chars() > f.max_length).fill_null(False)
            fail = pl.when(too_long).then(pl.lit(2, pl.UInt8)).otherwise(fail)
            text = pl.when(too_long).then(None).otherwise(text)
        value = pl.when(safe).then(text).otherwise(value)
        done = done | safe
    elif f.type == DECIMAL and f.minimum in (None, 0):
        # unsigned plain decimals (the common case): Decimal(text) is the value classify() gives; a
        # number cell's text, where the compiled reader gives one, is its Decimal's (colnative)
        ok = ((k == cr.TEXT) | (k == cr.NUMBER)) & s.str.contains(_SIMPLE_NUMBER).fill_null(False)
        value = pl.when(ok).then(s).otherwise(value)
        done = done | ok
    elif f.type == DATE:
        hit = (k == cr.DATETIME) & (d >= _MIN_DATE).fill_null(False)
        value = pl.when(hit).then(d.dt.date()).otherwise(value)
        done = done | hit
    return [value.alias(f"{c}.value"), fail.alias(f"{c}.fail0"), (~done).alias(f"{c}.todo"), key.alias(f"{c}.key")]


def _store_form(f: Field, value: object) -> object:
    """A converted value in its column form (decimals as text; integers of more than
    :data:`MAX_ROW_INTEGER_DIGITS` digits refused)."""
    if value is None:
        return None
    if f.type == DECIMAL:
        return str(value)
    if f.type == INTEGER and not -MAX_ROW_INTEGER <= value <= MAX_ROW_INTEGER:
        return None
    return value


def failed(frame: pl.DataFrame, code: str) -> pl.Series:
    """True where field ``code`` failed conversion (False for an unmapped field)."""
    name = f"{code}.fail"
    if name not in frame.columns:
        return pl.Series([False] * frame.height)
    return frame[name] != 0


__all__ = ["CODE", "RULES", "Converter", "failed", "value_dtype"]
