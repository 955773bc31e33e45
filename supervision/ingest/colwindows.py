"""Windows of a worksheet's data rows for the fast reader (:mod:`.colread`).

The sheet's XML (already checked by the guards) is streamed once and cut after whole rows into
windows of about ``window_bytes`` bytes (:func:`cut`). Each window starts with a *sentinel* row just
before its first row, with a cell in column A and one in the last column, so that its cell range
starts at a known row and spans every column: frame row ``i`` is Excel row ``first_row - 1 + i``.
A window is packaged, uncompressed, with the original styles and shared strings, either

* as a workbook of its own, in memory (:func:`packaged`): a reader thread takes each window as
  soon as it is cut, each a workbook of its own (the shared strings are parsed once per
  window, so this form is for workbooks whose shared strings are small); or
* as worksheet ``W0``, ``W1``… of one temporary workbook on disk (:func:`repackage`): the shared
  strings are parsed once per reader, whatever their size.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from supervision.ingest.cells import column_letter

_READ = 8 * 1024 * 1024
_HEAD_MAX = 16 * 1024 * 1024
_SENTINEL = "§"


class NeedsExact(Exception):
    """The fast path met something it cannot read exactly (the reason is the message)."""


@dataclass
class Window:
    """One window: its sheet name and first Excel row; ``data``: the window as a workbook of its own
    (in memory), or None when it is sheet ``name`` of the temporary workbook."""

    name: str
    first_row: int
    data: bytes | None = None


def cut(workbook, sheet_name: str, width: int, window_bytes: int) -> Iterator[tuple[int, list[bytes], _Tags]]:
    """Stream the sheet's data rows (after row 1) in windows of whole rows: yield ``(first_row, pieces,
    tags)`` per window, ``pieces`` consecutive runs of whole rows, about ``window_bytes`` bytes in all
    (one row longer than that: a window of its own; the consumer may empty the list once written).
    Raises :class:`NeedsExact` where a cut could be wrong or the sheet is not as expected."""
    zf = workbook.zip
    part = workbook.package.sheet(sheet_name).part
    with zf.open(part) as src:
        head = b""
        while (m := _SHEETDATA.search(head)) is None:
            chunk = src.read(_READ)
            if not chunk or len(head) > _HEAD_MAX:
                raise NeedsExact("no sheetData")
            head += chunk
        root = _ROOT.search(head, 0, m.start())
        if root is None or m.group(2) == b"/>":
            return
        tags = _Tags(m.group(1) or b"", head[root.start():root.end()], root.group(1) or b"", width)
        held, eof = _skip_header(src, bytearray(head[m.end():]), tags)
        buf, pos = bytes(held), 0
        del held, head
        pieces: list[bytes] = []  # whole rows of the window being filled
        size = 0
        close, n_close = tags.row_close, len(tags.row_close)
        end = buf.find(tags.data_close)
        while True:
            limit = end if end >= 0 else len(buf)
            room = window_bytes - size
            if limit - pos > room:  # the window fills up in this buffer: cut after its last whole row
                at = buf.rfind(close, pos, pos + room)
                if at < 0 and size == 0:  # one row longer than a window: cut after it
                    at = buf.find(close, pos, limit)
                if at >= 0:
                    at += n_close
                    pieces.append(buf[pos:at])
                    pos = at
                if pieces:
                    done, pieces, size = pieces, [], 0
                    yield _checked(done, tags)
                    continue
            elif end < 0:  # all of it fits: take its whole rows, then read on
                at = buf.rfind(close, pos, limit)
                if at >= 0:
                    at += n_close
                    pieces.append(buf[pos:at])
                    size += at - pos
                    pos = at
            if end >= 0:  # the rest of the rows (no row end in them): the last window
                if buf.find(tags.row_open, pos, end) >= 0:
                    pieces.append(buf[pos:end])
                if pieces:
                    done, pieces = pieces, []
                    yield _checked(done, tags)
                return
            if eof:
                raise NeedsExact("truncated sheetData")
            chunk = src.read(_READ)
            eof = not chunk
            kept = len(buf) - pos
            buf, pos = buf[pos:] + chunk, 0
            end = buf.find(tags.data_close, max(0, kept - len(tags.data_close)))


def _checked(pieces: list[bytes], tags: _Tags) -> tuple[int, list[bytes], _Tags]:
    """One window's rows, checked: ``(first_row, pieces, tags)``. Pieces end after a row's end tag, so
    no ``<!`` or ``<?`` lies across two of them."""
    if any(_markup(p) for p in pieces):  # a comment, CDATA section or processing instruction could hide a row end
        raise NeedsExact("comment, CDATA or processing instruction in sheetData")
    rows = pieces[0]  # it holds the window's first row (a piece is whole rows, or the rows' rest)
    # The window's first row must carry its number (the sentinel goes just before it); a later row
    # without one is the previous row + 1 here as in the whole sheet, and a cell without r is placed
    # by position, as the row reader does.
    start = rows.find(tags.row_open)
    tag = rows[start:rows.find(b">", start) + 1] if start >= 0 else b""
    number = _ROW_NUMBER.search(tag)
    if number is None:
        raise NeedsExact("window does not start with a numbered row")
    return int(number.group(1)), pieces, tags


def _markup(rows: bytes) -> bool:
    """Whether ``rows`` hold ``<!`` or ``<?`` (found by the single byte, which is fast, then its
    predecessor)."""
    for mark in (b"!", b"?"):
        i = rows.find(mark)
        while i >= 0:
            if i and rows[i - 1] == 0x3C:
                return True
            i = rows.find(mark, i + 1)
    return False


def packaged(workbook, windows: Iterator[tuple[int, list[bytes], _Tags]]) -> Iterator[Window]:
    """Each window as a stored workbook of its own, in memory (sheet ``W0``)."""
    zf, parts, date1904 = workbook.zip, workbook_parts_of(workbook), workbook.package.date1904
    for first, pieces, tags in windows:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
            window = _write_window(z, 0, first, pieces, tags)
            _write_package(z, zf, parts, [window], date1904)
        window.data = out.getvalue()
        yield window


def repackage(workbook, sheet_name: str, path: Path, width: int, window_bytes: int) -> list[Window]:
    """Write the sheet's data rows (after row 1) as windows ``W0``, ``W1``… of one stored workbook at
    ``path``; return them (none for a sheet without data rows). Raises :class:`NeedsExact`."""
    windows: list[Window] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
        for first, pieces, tags in cut(workbook, sheet_name, width, window_bytes):
            windows.append(_write_window(out, len(windows), first, pieces, tags))
        if windows:
            _write_package(out, workbook.zip, workbook_parts_of(workbook), windows, workbook.package.date1904)
    return windows


_SHEETDATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData(/>|>|\s[^>]*?(/>|>))")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>][^>]*>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")



class _Tags:
    """Byte patterns of one sheet (its element prefix) and the window sheet's head and tail."""

    def __init__(self, prefix: bytes, root_tag: bytes, root_prefix: bytes, width: int) -> None:
        p = prefix
        self.row_open = b"<" + p + b"row"
        self.row_close = b"</" + p + b"row>"
        self.data_close = b"</" + p + b"sheetData>"
        self.head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + root_tag + b"<" + p
                     + b"sheetData>")
        self.tail = b"</" + p + b"sheetData></" + root_prefix + b"worksheet>"
        self.prefix = p
        self.last = column_letter(width).encode()

    def sentinel(self, row: int) -> bytes:
        """A row before the window's first row with a cell in column A and in the last column, so that
        the window's cell range starts at that row and spans every column."""
        p, r = self.prefix, str(row).encode()
        cell = (b"<" + p + b'c r="%s' + r + b'" t="inlineStr"><' + p + b"is><" + p + b"t>"
                + _SENTINEL.encode() + b"</" + p + b"t></" + p + b"is></" + p + b"c>")
        cells = cell % b"A" + (cell % self.last if self.last != b"A" else b"")
        return b"<" + p + b'row r="' + r + b'">' + cells + b"</" + p + b"row>"


def _skip_header(src, buf: bytearray, tags: _Tags) -> tuple[bytearray, bool]:
    """Drop row 1 (the header, read separately) from the start of ``buf``."""
    eof = False
    while True:
        start = buf.find(tags.row_open)
        close = buf.find(b">", start) if start >= 0 else -1
        if close >= 0:
            break
        chunk = src.read(_READ)
        if not chunk:
            raise NeedsExact("no row")
        buf += chunk
    tag = bytes(buf[start:close + 1])
    number = _ROW_NUMBER.search(tag)
    if number is None or int(number.group(1)) != 1 or bytes(buf[:start]).strip():
        raise NeedsExact("first row is not row 1")
    if tag.endswith(b"/>"):
        del buf[:close + 1]
        return buf, eof
    while (end := buf.find(tags.row_close, close)) < 0:
        chunk = src.read(_READ)
        if not chunk:
            raise NeedsExact("unterminated row 1")
        buf += chunk
    del buf[:end + len(tags.row_close)]
    return buf, eof


def _write_window(out: zipfile.ZipFile, index: int, first: int, pieces: list[bytes], tags: _Tags) -> Window:
    """Write ``pieces`` (whole rows from Excel row ``first``) as window sheet ``W{index}`` after a
    sentinel row; the list is emptied as it is written (its bytes are not needed twice)."""
    with out.open(f"xl/worksheets/w{index}.xml", "w", force_zip64=True) as fh:
        fh.write(tags.head)
        fh.write(tags.sentinel(first - 1))
        pieces.reverse()
        while pieces:
            fh.write(pieces.pop())
        fh.write(tags.tail)
    return Window(f"W{index}", first)


def workbook_parts_of(workbook) -> dict[str, str]:
    """The original styles and shared-strings parts."""
    from supervision.ingest.xlsxparts import workbook_parts

    return workbook_parts(workbook.zip, workbook.package)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _write_package(out: zipfile.ZipFile, zf: zipfile.ZipFile, parts: dict[str, str], windows: list[Window],
                   date1904: bool) -> None:
    sheets = "".join(f'<sheet name="{w.name}" sheetId="{i + 1}" r:id="w{i}"/>' for i, w in enumerate(windows))
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    out.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" '
                                    f'xmlns:r="{_REL}">{pr}<sheets>{sheets}</sheets></workbook>')
    rels = [f'<Relationship Id="w{i}" Type="{_REL}/worksheet" Target="worksheets/w{i}.xml"/>'
            for i in range(len(windows))]
    overrides = [f'<Override PartName="/xl/worksheets/w{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
                 for i in range(len(windows))]
    for kind, target, ctype in (("styles", "styles.xml", "styles"), ("sharedStrings", "sharedStrings.xml",
                                                                        "sharedStrings")):
        if kind in parts:
            with zf.open(parts[kind]) as src, out.open(f"xl/{target}", "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, _READ)
            rels.append(f'<Relationship Id="{kind}" Type="{_REL}/{kind}" Target="{target}"/>')
            overrides.append(f'<Override PartName="/xl/{target}" ContentType="{_CT}.{ctype}+xml"/>')
    out.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                                               f'xmlns="{_PKG}">{"".join(rels)}</Relationships>')
    out.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
                                f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                                "</Relationships>")
    out.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                 'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                 'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/'
                 f'xml"/><Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
                 f'{"".join(overrides)}</Types>')


