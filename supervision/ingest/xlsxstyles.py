"""Cell styles of a workbook: which number formats are dates, and Excel serial conversion (streamed)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zipfile
from dataclasses import dataclass

from supervision.ingest.xmlsafe import CHUNK, MAIN_NS, make_parser, qname

# Built-in number formats that are dates or times (ECMA-376 18.8.30 plus the CJK ids 27-36, 50-58).
_BUILTIN_DATE = {14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58}
_BUILTIN_TIME = {18, 19, 20, 21, 32, 33, 45, 46, 47, 55, 56}
_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKET = re.compile(r"\[[^\]]*\]")
_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)


def format_kind(code: str) -> str | None:
    """Classify a number-format code: ``date``, ``datetime``, ``time``, ``duration`` or None."""
    if _ELAPSED.search(code):
        return "duration"
    s = _BRACKET.sub("", _QUOTED.sub("", code)).split(";")[0].lower()
    s = s.replace("am/pm", "h").replace("a/p", "h")
    has_date = any(ch in s for ch in "ydeb") or ("m" in s and "h" not in s and "s" not in s)
    has_time = "h" in s or "s" in s
    if has_date and has_time:
        return "datetime"
    if has_date:
        return "date"
    if has_time:
        return "time"
    return None


@dataclass(frozen=True)
class Styles:
    """Per cell-style index (``s`` attribute), the date kind of its number format."""

    kinds: tuple[str | None, ...]

    def kind(self, index: int) -> str | None:
        """Return the date kind of style ``index`` (None for plain numbers)."""
        return self.kinds[index] if 0 <= index < len(self.kinds) else None


def read_styles(zf: zipfile.ZipFile) -> Styles:
    """Read ``cellXfs`` number formats from the styles part (streamed)."""
    name = next((n for n in zf.namelist() if n.lower() == "xl/styles.xml"), None)
    if name is None:
        return Styles(())
    numfmt, cellxfs, xf = qname(MAIN_NS, "numFmt"), qname(MAIN_NS, "cellXfs"), qname(MAIN_NS, "xf")
    custom: dict[int, str] = {}
    ids: list[int] = []
    state = {"in_xfs": False}

    def start(tag, attrs):
        if tag == numfmt:
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
        elif tag == cellxfs:
            state["in_xfs"] = True
        elif tag == xf and state["in_xfs"]:
            try:
                ids.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                ids.append(0)

    def end(tag):
        if tag == cellxfs:
            state["in_xfs"] = False

    parser = make_parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    with zf.open(name) as fh:
        while chunk := fh.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    kinds = []
    for fid in ids:
        if fid in custom:
            kinds.append(format_kind(custom[fid]))
        elif fid in _BUILTIN_DATE:
            kinds.append("date")
        elif fid in _BUILTIN_TIME:
            kinds.append("time")
        else:
            kinds.append(None)
    return Styles(tuple(kinds))


_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def serial_to_datetime(serial: float, date1904: bool = False) -> dt.datetime:
    """Convert an Excel serial to a datetime (1900 system with its 1900-02-29 quirk, or 1904)."""
    if date1904:
        base = _EPOCH_1904
    elif serial < 61:
        base = _EPOCH_1900 + dt.timedelta(days=1)
    else:
        base = _EPOCH_1900
    days = int(serial // 1)
    ms = round((serial - days) * 86_400_000)
    return base + dt.timedelta(days=days, milliseconds=ms)


def date_value(number: float, kind: str, date1904: bool) -> object:
    """Turn a number in a cell whose style is of date ``kind`` into date, datetime, time or timedelta."""
    if kind == "duration":
        return dt.timedelta(milliseconds=round(number * 86_400_000))
    if kind == "time" and 0 <= number < 1:
        return serial_to_datetime(number, date1904).time()
    if number < 0 or number > 2_958_465:
        return number
    value = serial_to_datetime(number, date1904)
    return value.date() if value.time() == dt.time(0) else value
