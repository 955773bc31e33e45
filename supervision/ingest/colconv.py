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
* plain decimal text (ASCII digits, optional sign, thousands groups, a fraction) for numbers;
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
_SAFE_TEXT = r"^[\x20-\x7e\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e\u2010-\u2027\u2030-\u205e]*$"
_PLAIN_NUMBER = r"^([+-]?)((?:[0-9]{1,3}(?:,[0-9]{3})+)|[0-9]+)(?:\.([0-9]+))?$"
_INT64 = (-(2**63), 2**63 - 1)
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
        frame = raw.frame
        out: list[pl.Series] = [frame["_row"]]
        mapped = {f.code for _i, f in self.columns}
        for f in self.all_fields:
            if f.code not in mapped:
                out.append(pl.Series(f.code, [None] * frame.height, dtype=value_dtype(f)))
                continue
            value, fail = self._field(f, raw)
            out += [value.alias(f.code), fail.alias(f"{f.code}.fail")]
        return pl.DataFrame(out)

    def _field(self, f: Field, raw: cr.RawWindow) -> tuple[pl.Series, pl.Series]:
        frame = raw.frame
        k, s, d = frame[f"{f.code}.k"], frame[f"{f.code}.s"], frame[f"{f.code}.d"]
        height = frame.height
        value = pl.Series([None] * height, dtype=value_dtype(f))
        fail = pl.Series([0] * height, dtype=pl.UInt8)
        done = k == cr.EMPTY
        if f.type == TEXT:
            value, fail, done = _text(f, k, s, value, fail, done)
        elif f.type == DECIMAL:
            value, fail, done = _decimal(f, k, s, value, fail, done)
        elif f.type == DATE:
            hit = (k == cr.DATETIME) & (d >= _MIN_DATE).fill_null(False)
            value = pl.select(pl.when(hit).then(d.dt.date()).otherwise(value)).to_series()
            done = done | hit
        todo = ~done
        if todo.any():
            value, fail = self._python(f, raw, todo, value, fail)
        if f.required:
            missing = value.is_null() & (fail == 0)
            fail = pl.select(pl.when(missing).then(pl.lit(1, pl.UInt8)).otherwise(fail)).to_series()
        return value, fail

    def _python(self, f: Field, raw: cr.RawWindow, todo: pl.Series, value: pl.Series,
                fail: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Decide the ``todo`` cells with ``classify``, once per distinct raw value."""
        frame = raw.frame
        c = f.code
        key = pl.select(pl.concat_str([frame[f"{c}.k"].cast(pl.String),
                                       pl.coalesce(frame[f"{c}.s"], frame[f"{c}.n"].cast(pl.String),
                                                   frame[f"{c}.d"].cast(pl.String), pl.lit(""))],
                                      separator="|")).to_series()
        others = {i for (code, i) in raw.others if code == c}
        if others:  # cells with no column form (times, durations): a key of their own
            idx = pl.Series(range(frame.height))
            key = pl.select(pl.when(idx.is_in(list(others))).then(pl.lit("o|") + idx.cast(pl.String))
                            .otherwise(key)).to_series()
        memo = self._memo.setdefault(c, {})
        sub = pl.DataFrame({"key": key, "i": pl.int_range(0, frame.height, eager=True)}).filter(todo)
        firsts = sub.unique(subset="key", keep="first", maintain_order=True)
        for k_text, i in firsts.iter_rows():
            if k_text in memo:
                continue
            if k_text.startswith("o|"):
                raw_value = raw.others[(c, i)]
            else:
                raw_value = cr.raw_value(frame[f"{c}.k"][i], frame[f"{c}.s"][i], frame[f"{c}.n"][i],
                                         frame[f"{c}.d"][i])
            converted, failure = classify(f, raw_value)
            stored = _store_form(f, converted)
            code = _CODES[failure[0]] if failure else 2 if stored is None and converted is not None else 0
            memo[k_text] = (stored, code)
        keys = firsts["key"].to_list()
        got_values = key.replace_strict(keys, [memo[k][0] for k in keys], default=None,
                                        return_dtype=value_dtype(f))
        got_fails = key.replace_strict(keys, [memo[k][1] for k in keys], default=0, return_dtype=pl.UInt8)
        value = pl.select(pl.when(todo).then(got_values).otherwise(value)).to_series()
        fail = pl.select(pl.when(todo).then(got_fails).otherwise(fail)).to_series()
        return value, fail


def _store_form(f: Field, value: object) -> object:
    """A converted value in its column form (decimals as text; integers beyond 64 bits refused)."""
    if value is None:
        return None
    if f.type == DECIMAL:
        return str(value)
    if f.type == INTEGER and not _INT64[0] <= value <= _INT64[1]:
        return None
    return value


def _text(f: Field, k: pl.Series, s: pl.Series, value: pl.Series, fail: pl.Series,
          done: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    safe = (k == cr.TEXT) & s.str.contains(_SAFE_TEXT).fill_null(False)
    if not safe.any():
        return value, fail, done
    text = pl.select(pl.when(safe).then(s)).to_series().str.normalize("NFKC").str.strip_chars(" ")
    text = pl.select(pl.when(text.str.len_chars() == 0).then(None).otherwise(text)).to_series()
    if f.max_length is not None:
        too_long = safe & (text.str.len_chars() > f.max_length).fill_null(False)
        fail = pl.select(pl.when(too_long).then(pl.lit(2, pl.UInt8)).otherwise(fail)).to_series()
        text = pl.select(pl.when(too_long).then(None).otherwise(text)).to_series()
    value = pl.select(pl.when(safe).then(text).otherwise(value)).to_series()
    return value, fail, done | safe


def _decimal(f: Field, k: pl.Series, s: pl.Series, value: pl.Series, fail: pl.Series,
             done: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    if f.minimum not in (None, 0):
        return value, fail, done
    ascii_text = (k == cr.TEXT) & s.str.contains(r"^[\x20-\x7e]*$").fill_null(False)
    stripped = s.str.strip_chars(" ")
    parts = stripped.str.extract_groups(_PLAIN_NUMBER)
    sign, whole, frac = parts.struct.field("1"), parts.struct.field("2"), parts.struct.field("3")
    plain = ascii_text & whole.is_not_null()
    if not plain.any():
        return value, fail, done
    whole = whole.str.replace_all(",", "").str.strip_chars_start("0")
    whole = pl.select(pl.when(whole == "").then(pl.lit("0")).otherwise(whole)).to_series()
    fits = (whole.str.len_chars() <= 20) & (frac.str.len_chars().fill_null(0) <= 10)
    ok = plain & fits.fill_null(False)
    text = pl.select(pl.concat_str([sign, whole, pl.when(frac.is_not_null()).then(pl.lit(".") + frac)
                                    .otherwise(pl.lit(""))])).to_series()
    negative = (sign == "-") & ((whole != "0") | frac.str.contains("[1-9]").fill_null(False))
    below = ok & negative.fill_null(False) if f.minimum == 0 else ok & False
    value = pl.select(pl.when(ok & ~below).then(text).otherwise(value)).to_series()
    fail = pl.select(pl.when(below).then(pl.lit(2, pl.UInt8)).otherwise(fail)).to_series()
    return value, fail, done | ok


def failed(frame: pl.DataFrame, code: str) -> pl.Series:
    """True where field ``code`` failed conversion (False for an unmapped field)."""
    name = f"{code}.fail"
    if name not in frame.columns:
        return pl.Series([False] * frame.height)
    return frame[name] != 0


__all__ = ["CODE", "RULES", "Converter", "failed", "value_dtype"]
