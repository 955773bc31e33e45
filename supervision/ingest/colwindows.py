"""Re-packaging of a worksheet's data rows into windows for the fast reader (:mod:`.colread`).

The sheet's XML (already checked by the guards) is streamed, cut after whole rows into windows of
about ``window_bytes`` bytes, and each window is written, uncompressed, as worksheet ``W0``, ``W1``…
of one temporary workbook that shares the original styles and shared strings (so fastexcel parses
the shared strings once). Each window starts with a *sentinel* row just before its first row, with
a cell in column A and one in the last column, so that its cell range starts at a known row and
spans every column: frame row ``i`` is Excel row ``first_row - 1 + i``.
"""

from __future__ import annotations

import re
import shutil
import zipfile
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
    """One window: its sheet name in the temporary workbook and its first Excel row."""

    name: str
    first_row: int


def repackage(workbook, sheet_name: str, path: Path, width: int, window_bytes: int) -> list[Window]:
    """Write the sheet's data rows (after row 1) as windows ``W0``, ``W1``… of one stored workbook at
    ``path``; return them (none for a sheet without data rows). Raises :class:`NeedsExact`."""
    zf = workbook.zip
    part = workbook.package.sheet(sheet_name).part
    parts = workbook_parts_of(workbook)
    windows: list[Window] = []
    with zf.open(part) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
        head = b""
        while (m := _SHEETDATA.search(head)) is None:
            chunk = src.read(_READ)
            if not chunk or len(head) > _HEAD_MAX:
                raise NeedsExact("no sheetData")
            head += chunk
        prefix = m.group(1) or b""
        root = _ROOT.search(head, 0, m.start())
        if root is None or m.group(2) == b"/>":
            return windows
        tags = _Tags(prefix, head[root.start():root.end()], root.group(1) or b"", width)
        buf, eof = _skip_header(src, bytearray(head[m.end():]), tags)
        end = buf.find(tags.data_close)
        while True:
            limit = end if end >= 0 else len(buf)
            cut = -1
            if limit > window_bytes:  # a full window: cut after the last row end before the budget
                cut = buf.rfind(tags.row_close, 0, window_bytes)
                if cut < 0:  # one row longer than a window: cut after it
                    cut = buf.find(tags.row_close, window_bytes, limit)
            if cut >= 0:
                cut += len(tags.row_close)
                windows.append(_write_window(out, len(windows), buf, cut, tags))
                del buf[:cut]
                end = buf.find(tags.data_close)
                continue
            if end >= 0:  # the rest of the rows: one last window
                if buf.find(tags.row_open, 0, end) >= 0:
                    windows.append(_write_window(out, len(windows), buf, end, tags))
                break
            if eof:
                raise NeedsExact("truncated sheetData")
            searched = max(0, len(buf) - len(tags.data_close))
            chunk = src.read(_READ)
            eof = not chunk
            buf += chunk
            end = buf.find(tags.data_close, searched)
        _write_package(out, zf, parts, windows, workbook.package.date1904)
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


def _write_window(out: zipfile.ZipFile, index: int, buf: bytearray, cut: int, tags: _Tags) -> Window:
    """Write ``buf[:cut]`` (whole rows) as window sheet ``W{index}`` after a sentinel row."""
    if buf.find(b"<!", 0, cut) >= 0:  # a comment or CDATA section could hide a row end: the cut would be wrong
        raise NeedsExact("comment or CDATA in sheetData")
    # The window's first row must carry its number (the sentinel goes just before it); a later row
    # without one is the previous row + 1 here as in the whole sheet, and a cell without r is placed
    # by position, as the row reader does.
    start = buf.find(tags.row_open, 0, cut)
    tag = bytes(buf[start:buf.find(b">", start) + 1]) if start >= 0 else b""
    number = _ROW_NUMBER.search(tag)
    if number is None:
        raise NeedsExact("window does not start with a numbered row")
    first = int(number.group(1))
    name = f"W{index}"
    with out.open(f"xl/worksheets/w{index}.xml", "w", force_zip64=True) as fh, memoryview(buf) as view, \
            view[:cut] as rows:
        fh.write(tags.head)
        fh.write(tags.sentinel(first - 1))
        fh.write(rows)
        fh.write(tags.tail)
    return Window(name, first)


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


