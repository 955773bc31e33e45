"""SpreadsheetML part readers on hardened expat: package map, shared strings, styles, sheet rows.

Used by the guards (structure) and by the streaming reader engine. Every XML part is parsed in
bounded chunks with :func:`supervision.ingest.xmlsafe.make_parser`; small metadata parts are
additionally parsed with defusedxml. Nothing here loads a worksheet into memory.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET

from supervision.ingest.cells import column_index, parse_range
from supervision.ingest.xlsxstyles import Styles, date_value
from supervision.ingest.xmlsafe import CHUNK, MAIN_NS, PKG_REL_NS, REL_NS, make_parser, qname

#: Metadata parts (content types, workbook, relationships) are read whole up to this size.
METADATA_MAX_BYTES = 16 * 1024 * 1024

WORKSHEET_REL = "/worksheet"
OFFICE_DOC_REL = "/officeDocument"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class PackageError(Exception):
    """The package structure is not that of an OOXML workbook (rule F01)."""


@dataclass(frozen=True)
class SheetRef:
    """One worksheet of the workbook: its name and zip part."""

    name: str
    part: str


@dataclass(frozen=True)
class Package:
    """The workbook part, its worksheets in order, and the date system."""

    workbook_part: str
    sheets: tuple[SheetRef, ...]
    date1904: bool

    def sheet(self, name: str) -> SheetRef:
        """Return the worksheet called ``name`` (exact name) or raise KeyError."""
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)


def unescape(text: str) -> str:
    """Decode OOXML ``_xHHHH_`` character escapes (``_x000D_`` → CR)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def part_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Map lower-cased part names (no leading slash) to the names stored in the zip."""
    return {name.lower(): name for name in zf.namelist()}


def read_small(zf: zipfile.ZipFile, name: str, limit: int = METADATA_MAX_BYTES) -> bytes:
    """Read a metadata part whole, refusing one larger than ``limit`` bytes."""
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise PackageError(f"{name} is larger than {limit} bytes")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise PackageError(f"{name} is larger than {limit} bytes")
    return data


def _rels(zf: zipfile.ZipFile, names: dict[str, str], rels_part: str) -> list[tuple[str, str, str]]:
    actual = names.get(rels_part.lower())
    if actual is None:
        return []
    root = SafeET.fromstring(read_small(zf, actual))
    out = []
    for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
        out.append((rel.get("Id", ""), rel.get("Type", ""), rel.get("Target", "")))
    return out


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def read_package(zf: zipfile.ZipFile) -> Package:
    """Locate the workbook part and its worksheets; raise PackageError if they are missing."""
    names = part_names(zf)
    if "[content_types].xml" not in names:
        raise PackageError("[Content_Types].xml is missing")
    workbook = "xl/workbook.xml"
    for _id, rtype, target in _rels(zf, names, "_rels/.rels"):
        if rtype.endswith(OFFICE_DOC_REL):
            workbook = _resolve("", target)
    if workbook.lower() not in names:
        raise PackageError(f"{workbook} is missing")
    workbook = names[workbook.lower()]
    root = SafeET.fromstring(read_small(zf, workbook))
    pr = root.find(f"{{{MAIN_NS}}}workbookPr")
    date1904 = pr is not None and pr.get("date1904", "").lower() in {"1", "true"}
    rels_part = posixpath.join(posixpath.dirname(workbook), "_rels", posixpath.basename(workbook) + ".rels")
    targets = {rid: _resolve(workbook, target)
               for rid, rtype, target in _rels(zf, names, rels_part) if rtype.endswith(WORKSHEET_REL)}
    sheets = []
    for el in root.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets.get(el.get(f"{{{REL_NS}}}id", ""))
        if target is None:
            continue  # chart sheet or dialog sheet
        actual = names.get(target.lower())
        if actual is None:
            raise PackageError(f"worksheet part {target} is missing")
        sheets.append(SheetRef(el.get("name", ""), actual))
    return Package(workbook, tuple(sheets), date1904)


class _Found(Exception):
    pass


def declared_range(zf: zipfile.ZipFile, part: str, limit: int = 1024 * 1024) -> tuple[int, int, int, int] | None:
    """Return a worksheet's declared ``<dimension>`` as 1-based ``(row1, col1, row2, col2)`` (read from
    its first bytes), or None when it declares none (or an unreadable one)."""
    found: list[str] = []

    def start(tag, attrs):
        local = tag.rpartition(":")[2]
        if local == "dimension":
            found.append(attrs.get("ref", ""))
            raise _Found
        if local == "sheetData":
            raise _Found

    parser = make_parser(namespaces=False)
    parser.StartElementHandler = start
    read = 0
    try:
        with zf.open(part) as fh:
            while read < limit and (chunk := fh.read(CHUNK)):
                read += len(chunk)
                parser.Parse(chunk, False)
    except _Found:
        pass
    if not found:
        return None
    try:
        return parse_range(found[0])
    except ValueError:
        return None


def declared_cells(zf: zipfile.ZipFile, part: str, limit: int = 1024 * 1024) -> int | None:
    """Return the cell count of a worksheet's declared ``<dimension>`` (read from its first bytes), or None."""
    ref = declared_range(zf, part, limit)
    if ref is None:
        return None
    r1, c1, r2, c2 = ref
    return (r2 - r1 + 1) * (c2 - c1 + 1)


def workbook_parts(zf: zipfile.ZipFile, package: Package) -> dict[str, str]:
    """The workbook's ``styles`` and ``sharedStrings`` parts (type → zip name), those that exist."""
    names = part_names(zf)
    wb = package.workbook_part
    rels_part = posixpath.join(posixpath.dirname(wb), "_rels", posixpath.basename(wb) + ".rels")
    out: dict[str, str] = {}
    for _id, rtype, target in _rels(zf, names, rels_part):
        kind = rtype.rpartition("/")[2]
        actual = names.get(_resolve(wb, target).lower())
        if kind in ("styles", "sharedStrings") and actual is not None:
            out.setdefault(kind, actual)
    return out


def _stream(zf: zipfile.ZipFile, name: str, parser) -> None:
    with zf.open(name) as fh:
        while chunk := fh.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def read_shared_strings(zf: zipfile.ZipFile) -> list[str]:
    """Return the shared-string table (rich runs joined, phonetic ``rPh`` runs left out)."""
    names = part_names(zf)
    name = names.get("xl/sharedstrings.xml")
    strings: list[str] = []
    if name is None:
        return strings
    si, t, rph = qname(MAIN_NS, "si"), qname(MAIN_NS, "t"), qname(MAIN_NS, "rPh")
    buf: list[str] = []
    state = {"collect": False, "rph": 0}

    def start(tag, _attrs):
        if tag == t and not state["rph"]:
            state["collect"] = True
        elif tag == rph:
            state["rph"] += 1
        elif tag == si:
            buf.clear()

    def end(tag):
        if tag == t:
            state["collect"] = False
        elif tag == rph:
            state["rph"] -= 1
        elif tag == si:
            strings.append(unescape("".join(buf)))

    def chars(data):
        if state["collect"]:
            buf.append(data)

    parser = make_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    _stream(zf, name, parser)
    return strings


def iter_sheet(zf: zipfile.ZipFile, part: str, shared: list[str], styles: Styles,
               date1904: bool = False) -> Iterator[tuple[int, list[object]]]:
    """Stream a worksheet part, yielding ``(row_number, values)`` for rows with a value."""
    done: list[tuple[int, list[object]]] = []
    cells: dict[int, object] = {}
    buf: list[str] = []
    tags: dict[str, int] = {}
    cols: dict[str, int] = {}
    row = col = style = rph = 0
    ctype = "n"
    collect = False

    def start(tag, attrs):
        nonlocal row, col, style, ctype, collect, rph
        code = tags.get(tag)
        if code is None:
            code = tags[tag] = _TAG_CODES.get(tag.rpartition(":")[2], 0)
        if code == 1:  # c
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                index = cols.get(letters)
                if index is None:
                    index = cols[letters] = column_index(letters)
                col = index
            else:
                col += 1
            ctype = attrs.get("t", "n")
            s = attrs.get("s")
            style = int(s) if s and s.isdigit() else 0
            buf.clear()
        elif code == 2 or (code == 3 and not rph):  # v, t
            collect = True
        elif code == 4:  # row
            r = attrs.get("r")
            row = int(r) if r and r.isdigit() else row + 1
            col = 0
            cells.clear()
        elif code == 5:  # rPh
            rph += 1
        elif code == 6:  # is
            buf.clear()

    def end(tag):
        nonlocal collect, rph
        code = tags.get(tag, 0)
        if code == 1:
            if buf:
                value = _cell_value("".join(buf), ctype, style, shared, styles, date1904)
                if value is not None and value != "":
                    cells[col] = value
        elif code == 2 or code == 3:
            collect = False
        elif code == 4:
            if cells:
                values: list[object] = [None] * max(cells)
                for c, value in cells.items():
                    values[c - 1] = value
                done.append((row, values))
        elif code == 5:
            rph -= 1

    def chars(data):
        if collect:
            buf.append(data)

    parser = make_parser(namespaces=False)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    with zf.open(part) as fh:
        while chunk := fh.read(CHUNK):
            parser.Parse(chunk, False)
            if done:
                yield from done
                done.clear()
    parser.Parse(b"", True)
    yield from done


_TAG_CODES = {"c": 1, "v": 2, "t": 3, "row": 4, "rPh": 5, "is": 6}


def _cell_value(text: str, t: str, s: int, shared: list[str], styles: Styles, date1904: bool) -> object:
    if t == "s":
        try:
            return shared[int(text)]
        except (ValueError, IndexError):
            return None
    if t in ("inlineStr", "str"):
        return unescape(text)
    if t == "b":
        return text.strip() in ("1", "true")
    if t == "e":
        return None
    if t == "d":
        try:
            value = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return text
        return value.date() if value.time() == dt.time(0) else value
    try:
        number = float(text)
    except ValueError:
        return text
    kind = styles.kind(s) if s else None
    if kind:
        return date_value(number, kind, date1904)
    return number
