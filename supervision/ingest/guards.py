"""File guards run on the uploaded path before any parsing (rules F01–F07).

One pass over the file: sniff the first bytes (empty, OLE/encrypted, HTML, text), read the zip
directory (part count from the end record before building it), check macros, then inflate every
part in bounded chunks with our own raw-deflate loop, so that declared sizes, actual sizes,
per-part ratios, the total and CRCs are all verified, and stream every XML part through a
hardened expat scanner (DTD/entities, well-formedness; worksheets for F05/F06/F07; shared strings
for huge texts). Memory stays constant whatever the file holds.
"""

from __future__ import annotations

import contextlib
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from supervision.ingest import ole, sheettail, xlsxparts
from supervision.ingest.cells import column_letter, split_ref
from supervision.ingest.issues import Issue
from supervision.ingest.sheetscan import PlainScanner, SheetFacts, SheetScanner, Stop, StringScanner
from supervision.ingest.xmlsafe import CHUNK, DTDScanner, UnsafeXMLError

try:  # zlib-ng: zlib's inflate (same streams, same errors), 1.7x as fast on a large worksheet
    from zlib_ng import zlib_ng as _deflate
except ImportError:  # pragma: no cover (a dependency; zlib gives the same verdicts, slower)
    _deflate = zlib
#: what a corrupt deflate stream raises, whichever library inflates it
INFLATE_ERRORS = (zlib.error, _deflate.error)

MiB = 1024 * 1024
OLE_MAGIC = ole.OLE_MAGIC
ZIP_MAGIC = b"PK\x03\x04"
MACRO_CONTENT = ("macroenabled", "vbaproject", "ms-excel.macrosheet", "ms-excel.intlmacrosheet")
XML_SUFFIXES = (".xml", ".rels", ".vml")


@dataclass(frozen=True)
class Limits:
    """File limits of filing-spec §3 *(config)*; ratios apply to parts above ``ratio_grace_bytes``."""

    max_upload_bytes: int = 100 * MiB
    max_unpacked_bytes: int = 1024 * MiB
    max_ratio: int = 100
    max_rows: int = 1_000_000
    max_columns: int = 100
    max_parts: int = 10_000
    max_cell_chars: int = 32_767
    ratio_grace_bytes: int = 1 * MiB


@dataclass
class GuardResult:
    """Outcome of :func:`check_file`: the issues (all blocking) and what the scan learnt per sheet."""

    path: Path
    issues: list[Issue] = field(default_factory=list)
    sheets: list[SheetFacts] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file may be parsed."""
        return not self.issues

    def rules(self) -> set[str]:
        """IDs of the rules that failed."""
        return {i.rule for i in self.issues}


class _Abort(Exception):
    """Stop the whole check (the file cannot be examined further)."""


def check_file(path: str | os.PathLike[str], limits: Limits | None = None, *, split: bool = False) -> GuardResult:
    """Check the file at ``path`` against F01–F07 and ``limits`` before any parsing. ``split``: scan the
    tail of each large worksheet in a forked helper at the same time (:mod:`.sheettail`; the verdict
    is the same) — only in a process with a single thread, such as the guard helpers."""
    limits = limits or Limits()
    result = GuardResult(Path(path))
    with contextlib.suppress(_Abort):
        _check(result, limits, split)
    return result


def _issue(result: GuardResult, rule: str, variant: str | None = None, *, sheet: str | None = None,
           row: int | None = None, column: str | None = None, **params: object) -> None:
    result.issues.append(Issue.make(rule, variant=variant, sheet=sheet, row=row, column=column, **params))


def _sniff(result: GuardResult, head: bytes, size: int, limits: Limits) -> None:
    if size == 0:
        _issue(result, "F01", "empty")
        raise _Abort
    if head.startswith(OLE_MAGIC):
        kind = _ole_kind(result.path, limits)
        if kind == ole.ENCRYPTED:
            _issue(result, "F02", "encrypted")
        else:  # a legacy .xls or another OLE document is not OOXML (decisions.md: F01, not F02)
            _issue(result, "F01", kind)
        raise _Abort
    if size > limits.max_upload_bytes:
        _issue(result, "F05", "upload_size", size=size, limit=limits.max_upload_bytes)
        raise _Abort
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<table", b"<meta")):
        _issue(result, "F01", "html")
    elif _looks_text(head):
        _issue(result, "F01", "text")
    else:
        _issue(result, "F01", "not_zip", magic=head[:8].hex(" ").upper() or "-")
    raise _Abort


def _ole_kind(path: Path, limits: Limits) -> str:
    """``encrypted``, ``xls`` or ``ole`` from the compound file's directory (a byte search when the
    directory cannot be read)."""
    names = ole.stream_names(path)
    if names is not None:
        return ole.classify(names)
    if _contains(path, "EncryptedPackage".encode("utf-16-le"), limits.max_upload_bytes):
        return ole.ENCRYPTED
    if _contains(path, "Workbook".encode("utf-16-le"), limits.max_upload_bytes):
        return ole.LEGACY_XLS
    return ole.OTHER


def _opendocument_type(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> str | None:
    """The ``mimetype`` of an OpenDocument package (its small first part), else None."""
    info = names.get("mimetype")
    if info is None or info.file_size > 200 or info.compress_size > 400:
        return None
    try:
        return zf.read(info).decode("ascii", errors="replace").strip()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, zlib.error):
        return None


def _looks_text(head: bytes) -> bool:
    for enc in ("utf-8", "gb18030", "utf-16"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        if text and sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.95 * len(text):
            return True
    return False


def _contains(path: Path, needle: bytes, limit: int) -> bool:
    tail = b""
    read = 0
    with open(path, "rb") as fh:
        while read < limit and (chunk := fh.read(CHUNK)):
            read += len(chunk)
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


def _entry_count(fh, size: int) -> int | None:
    """Read the number of zip entries from the end-of-central-directory record (zip64 aware)."""
    back = min(size, 65_557)
    fh.seek(size - back)
    data = fh.read(back)
    pos = data.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(data):
        return None
    count = struct.unpack("<H", data[pos + 10:pos + 12])[0]
    loc = data.rfind(b"PK\x06\x07", 0, pos)
    if count == 0xFFFF and loc >= 0:
        offset = struct.unpack("<Q", data[loc + 8:loc + 16])[0]
        if offset + 56 <= size:
            fh.seek(offset)
            rec = fh.read(56)
            if rec[:4] == b"PK\x06\x06":
                return struct.unpack("<Q", rec[32:40])[0]
    return count


def _check(result: GuardResult, limits: Limits, split: bool = False) -> None:
    path = result.path
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(512)
        _sniff(result, head, size, limits)
        count = _entry_count(fh, size)
    if count is None:
        _issue(result, "F01", "truncated", detail="no end-of-central-directory record")
        raise _Abort
    if count > limits.max_parts:
        _issue(result, "F05", "part_count", count=count, limit=limits.max_parts)
        raise _Abort
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        _issue(result, "F01", "truncated", detail=str(exc)[:120])
        raise _Abort from None
    with zf:
        _check_zip(result, zf, limits, split)


def _check_zip(result: GuardResult, zf: zipfile.ZipFile, limits: Limits, split: bool = False) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_parts:
        _issue(result, "F05", "part_count", count=len(infos), limit=limits.max_parts)
        raise _Abort
    names = {i.filename.lower(): i for i in infos}
    if "[content_types].xml" not in names and (odf := _opendocument_type(zf, names)):
        if odf.startswith("application/vnd.oasis.opendocument.spreadsheet"):
            _issue(result, "F01", "ods")
        else:
            _issue(result, "F01", "odf", mimetype=odf[:80])
        raise _Abort
    for required in ("[Content_Types].xml", "xl/workbook.xml"):
        if required.lower() not in names:
            _issue(result, "F01", "missing_part", part=required)
            raise _Abort
    for info in infos:
        low = info.filename.lower()
        if low.endswith("vbaproject.bin") or "/macrosheets/" in low or low.endswith("vbadata.xml"):
            _issue(result, "F03", part=info.filename)
            raise _Abort
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_unpacked_bytes:
        _issue(result, "F05", "unpacked_size", size=declared, limit=limits.max_unpacked_bytes)
        raise _Abort
    for info in infos:
        if info.file_size > limits.ratio_grace_bytes and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            _issue(result, "F05", "ratio", part=info.filename, ratio=info.file_size // max(info.compress_size, 1),
                   limit=limits.max_ratio, size=info.file_size, compressed=info.compress_size)
            raise _Abort
    # Metadata first (content types, relationships, workbook), then every other part.
    meta = [i for i in infos if _is_meta(i.filename)]
    budget = [limits.max_unpacked_bytes]
    for info in meta:
        scanner = PlainScanner()
        _inflate(result, zf, info, scanner, limits, budget)
        _collect(result, scanner)
    sheets = _sheet_map(result, zf)
    for info in infos:
        if not _is_meta(info.filename):
            scanner = _scanner_for(info.filename, sheets, limits)
            tail = _tail_helper(result.path, info, scanner, limits) if split else None
            try:
                _inflate(result, zf, info, scanner, limits, budget)
            finally:
                if tail is not None:
                    tail.close()
            _collect(result, scanner)


def _tail_helper(path: Path, info: zipfile.ZipInfo, scanner, limits: Limits):
    """Start the tail helper of a large worksheet part (:mod:`.sheettail`) and hand it to ``scanner``."""
    if not isinstance(scanner, SheetScanner) or info.file_size < sheettail.split_min_bytes():
        return None
    plan = info.file_size // 2
    helper = sheettail.start(str(path), info.filename, scanner.facts.sheet, plan, limits)
    if helper is not None:
        scanner.take_tail(plan, helper)
    return helper


def _is_meta(name: str) -> bool:
    low = name.lower()
    return low in ("[content_types].xml", "xl/workbook.xml") or low.endswith(".rels")


def _sheet_map(result: GuardResult, zf: zipfile.ZipFile) -> dict[str, str]:
    """Map worksheet part names to sheet names; also check macro content types (F03)."""
    try:
        ct = xlsxparts.read_small(zf, next(n for n in zf.namelist() if n.lower() == "[content_types].xml"))
        low = ct.lower()
        for marker in MACRO_CONTENT:
            if marker.encode() in low:
                _issue(result, "F03", part=f"[Content_Types].xml: {marker}")
                raise _Abort
        package = xlsxparts.read_package(zf)
    except xlsxparts.PackageError as exc:
        _issue(result, "F01", "missing_part", part=str(exc)[:120])
        raise _Abort from None
    except (expat.ExpatError, SyntaxError, ValueError) as exc:
        _issue(result, "F01", "bad_xml", part="workbook", detail=str(exc)[:120])
        raise _Abort from None
    return {s.part: s.name for s in package.sheets}


def _scanner_for(name: str, sheets: dict[str, str], limits: Limits):
    if name in sheets:
        return SheetScanner(sheets[name], name, max_rows=limits.max_rows, max_columns=limits.max_columns,
                            max_cell_chars=limits.max_cell_chars)
    low = name.lower()
    if low == "xl/sharedstrings.xml":
        return StringScanner(name, limits.max_cell_chars)
    if low.endswith(XML_SUFFIXES):
        return PlainScanner()
    return None


def _collect(result: GuardResult, scanner) -> None:
    if scanner is None:
        return
    if isinstance(scanner, SheetScanner):
        facts = scanner.facts
        result.sheets.append(facts)
        for rule, variant, params in facts.failures:
            row = column = None
            if rule == "F06":
                try:
                    row, col = split_ref(str(params["cell"]))
                    column = column_letter(col)
                except ValueError:
                    pass
            _issue(result, rule, variant, sheet=facts.sheet, row=row, column=column, **params)
    else:
        for rule, variant, params in scanner.failures:
            _issue(result, rule, variant, **params)


def _raw_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Yield the raw (still compressed) bytes of ``info`` in bounded chunks."""
    fp = zf.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != ZIP_MAGIC:
        raise zipfile.BadZipFile("bad local file header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    while left > 0:
        chunk = fp.read(min(CHUNK, left))
        if not chunk:
            raise zipfile.BadZipFile("truncated part data")
        left -= len(chunk)
        yield chunk


def _inflate(result: GuardResult, zf: zipfile.ZipFile, info: zipfile.ZipInfo, scanner, limits: Limits,
             budget: list[int]) -> None:
    """Inflate one part in bounded chunks, checking sizes, ratio and CRC, feeding ``scanner``."""
    name = info.filename
    if info.flag_bits & 0x1:
        _issue(result, "F02", "zip_encrypted", part=name)
        raise _Abort
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        _issue(result, "F01", "compression", part=name, method=info.compress_type)
        raise _Abort
    dtd = DTDScanner() if name.lower().endswith(XML_SUFFIXES) else None
    inflater = _deflate.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    actual, crc = 0, 0
    try:
        for raw in _raw_chunks(zf, info):
            pending = raw
            while pending:
                if inflater is None:
                    out, pending = pending, b""
                else:
                    out = inflater.decompress(pending, CHUNK)
                    pending = inflater.unconsumed_tail
                if not out:
                    continue
                actual += len(out)
                if actual > info.file_size:
                    _issue(result, "F05", "size_mismatch", part=name, declared=info.file_size)
                    raise _Abort
                budget[0] -= len(out)
                if budget[0] < 0:
                    _issue(result, "F05", "unpacked_size", size=limits.max_unpacked_bytes - budget[0],
                           limit=limits.max_unpacked_bytes)
                    raise _Abort
                if actual > limits.ratio_grace_bytes and actual > limits.max_ratio * max(info.compress_size, 1):
                    _issue(result, "F05", "ratio", part=name, ratio=actual // max(info.compress_size, 1),
                           limit=limits.max_ratio, size=f"≥{actual}", compressed=info.compress_size)
                    raise _Abort
                crc = _deflate.crc32(out, crc)
                if dtd is not None and (what := dtd.feed(out)):
                    _issue(result, "F04", part=name, what=what)
                    raise _Abort
                if scanner is not None:
                    scanner.feed(out)
        if inflater is not None and not inflater.eof:
            raise zipfile.BadZipFile("deflate stream is truncated")
        if actual != info.file_size:
            raise zipfile.BadZipFile(f"inflated {actual} bytes, {info.file_size} declared")
        if crc != info.CRC:
            raise zipfile.BadZipFile("CRC-32 mismatch")
        if scanner is not None:
            scanner.feed(b"", True)
    except Stop:
        return
    except UnsafeXMLError as exc:
        _issue(result, "F04", part=name, what=exc.what)
        raise _Abort from None
    except expat.ExpatError as exc:
        _issue(result, "F01", "bad_xml", part=name, detail=str(exc)[:120])
        raise _Abort from None
    except (zipfile.BadZipFile, *INFLATE_ERRORS, OSError) as exc:
        _issue(result, "F01", "corrupt_part", part=name, detail=str(exc)[:120])
        raise _Abort from None
