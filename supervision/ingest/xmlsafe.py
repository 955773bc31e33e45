"""Hardened expat parsers: any DTD, entity declaration or external entity stops parsing (rule F04).

Every XML part of an uploaded workbook is parsed with these parsers (streaming, chunk by chunk),
so neither a billion-laughs expansion nor an external entity is ever resolved.
"""

from __future__ import annotations

import re
from xml.parsers import expat

#: Chunk size used for every streaming read of a zip part.
CHUNK = 64 * 1024

_DTD_BYTES = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeXMLError(Exception):
    """Raised when an XML part declares a DTD, an entity, or references an external entity."""

    def __init__(self, what: str) -> None:
        """Record ``what`` was found (``DOCTYPE``, ``ENTITY`` or ``external entity``)."""
        super().__init__(what)
        self.what = what


def _refuse_doctype(*_args) -> None:
    raise UnsafeXMLError("DOCTYPE")


def _refuse_entity(*_args) -> None:
    raise UnsafeXMLError("ENTITY")


def _refuse_external(*_args) -> int:
    raise UnsafeXMLError("external entity")


def make_parser(namespaces: bool = True) -> expat.XMLParserType:
    """Return an expat parser that refuses DTDs and entities.

    With ``namespaces`` element names are ``"{uri} local"`` joined by a space, so prefixed
    (``x:c``) and unprefixed (``c``) SpreadsheetML parse alike; compare against :func:`qname`.
    """
    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    return parser


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def qname(ns: str, local: str) -> str:
    """Return the element name expat reports for ``local`` in namespace ``ns``."""
    return f"{ns} {local}"


class DTDScanner:
    """Byte-level scan for ``<!DOCTYPE`` / ``<!ENTITY`` across chunk boundaries (defence in depth)."""

    def __init__(self) -> None:
        """Start with an empty carry-over tail."""
        self._tail = b""
        self.found: str | None = None

    def feed(self, chunk: bytes) -> str | None:
        """Scan ``chunk``; return ``"DOCTYPE"``/``"ENTITY"`` once found, else None."""
        if self.found:
            return self.found
        data = self._tail + chunk
        # every match holds a "!", which plain SpreadsheetML lacks: one memchr pass (3x the speed of
        # the pattern's search, which stops at every "<"); the pattern runs from the first one only
        bang = data.find(b"!")
        m = _DTD_BYTES.search(data, max(bang - 1, 0)) if bang >= 0 else None
        if m:
            self.found = "ENTITY" if b"ENTITY" in m.group(0).upper() else "DOCTYPE"
            return self.found
        self._tail = data[-16:]
        return None
