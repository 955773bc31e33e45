"""Compiled byte patterns behind the worksheet scanner's fast path (see :mod:`supervision.ingest.sheetscan`).

The scanner skips expat for runs of *plain* rows: ``<row>`` elements written the way Excel, openpyxl
and XlsxWriter write them (every row and cell has its ``r``, attributes in schema order and
double-quoted, no comment, CDATA or processing instruction, only the five predefined entities). One
compiled pattern (:func:`row_pattern`) matches one such row at C speed and, at the same time,

* proves the row is well-formed XML (names matched, attributes unique, nothing but text between
  tags), so leaving it out of what expat sees changes neither expat's verdict nor its events;
* proves every cell lies in that row (a back-reference to the row number) and in a column already
  seen (the letter sets are compiled in), that no formula lacks a cached value, that no inline string
  is longer than the limit, and tells (empty groups) whether the row has a cell and a value.

Anything else (the head of the sheet, unusual rows, a new column) goes through expat with the
reference handlers. :class:`ByteChecks` finds, in bulk, what the row pattern does not rule out
itself: invalid UTF-8, U+FFFE/U+FFFF, ``]]>`` and any ``&`` that is not a predefined entity (the
pattern itself refuses control characters).
The ``TOKENS_TO_ROW``/``ONE_TOKEN`` patterns cut what goes to expat at token boundaries, so that
expat never holds half a token when the scanner resumes the fast path.
"""

from __future__ import annotations

import codecs
import re
from collections import defaultdict, deque

W = rb"[ \t\r\n]"
#: Attribute value we do not interpret: any text but ``"``, ``<`` and control characters.
VAL = rb'"[^"<\x00-\x1f]*"'
#: Character data in a plain row: no markup, no control character (``&`` is checked in bulk).
TEXT = rb"[^<\x00-\x08\x0b\x0c\x0e-\x1f]"
#: The first character of a ``<v>`` text that is not whitespace for ``str.strip`` (UTF-8 bytes; lead
#: bytes of the non-ASCII whitespace U+0085, U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F and
#: U+3000 are excluded with what follows them).
NON_SPACE = (rb"(?:[!-;=-~]|[\xc3-\xdf\xe4-\xf4]|\xc2[\x80-\x84\x86-\x9f\xa1-\xbf]|\xe0"
             rb"|\xe1(?!\x9a\x80)|\xe3(?!\x80\x80)|\xe2(?!\x80[\x80-\x8a\xa8\xa9\xaf]|\x81\x9f))")
ROW_ATTRS = (b"spans", b"s", b"customFormat", b"ht", b"hidden", b"customHeight", b"outlineLevel", b"collapsed",
             b"thickTop", b"thickBot", b"ph", b"x14ac:dyDescent")
CELL_TAIL_ATTRS = (b"cm", b"vm", b"ph")
FORMULA_ATTRS = (b"t", b"aca", b"ref", b"dt2D", b"dtr", b"del1", b"del2", b"r1", b"r2", b"ca", b"si", b"bx")

# ---- tokens for the expat side: cut only between complete tokens ------------------------------
_NAME = rb"[^ \t\r\n/>=<\"'!?][^ \t\r\n/>=<\"']*"
_ATTR = W + rb"+" + _NAME + W + rb"*=" + W + rb"*(?:\"[^\"<]*\"|'[^'<]*')"
_TAG_REST = _NAME + rb"(?:" + _ATTR + rb")*" + W + rb"*/?>"
_OTHER = (rb"[^<]+|<!--(?:[^-]|-(?!-))*-->|<!\[CDATA\[(?:[^\]]|\](?!\]>))*\]\]>|<\?(?:[^?]|\?(?!>))*\?>"
          rb"|</" + _NAME + W + rb"*>")
#: ``<row``, ``<x:row`` (any prefix) followed by the end of the name.
ROW_START = re.compile(rb"<(?:[^ \t\r\n/>=<\"'!?:]+:)?row[ \t\r\n/>]")
#: Complete tokens up to (not including) a row start tag; stops before an incomplete or unknown token.
TOKENS_TO_ROW = re.compile(rb"(?:" + _OTHER + rb"|<(?!(?:[^ \t\r\n/>=<\"'!?:]+:)?row[ \t\r\n/>])" + _TAG_REST
                           + rb")*")
#: Exactly one complete token.
ONE_TOKEN = re.compile(_OTHER + rb"|<" + _TAG_REST)

_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")


def utf8_declared(head: bytes, final: bool) -> bool | None:
    """Whether a part starting with ``head`` is UTF-8 (BOM or declaration); None while undecided."""
    h = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if h.startswith((codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)) or b"\x00" in h[:4]:
        return False
    if not h.startswith(b"<?xml"):
        if not final and b"<?xml".startswith(h):
            return None
        return True
    end = h.find(b"?>")
    if end < 0:
        return None if not final and len(h) < 1024 else False
    m = _ENCODING.search(h, 0, end)
    return m is None or m.group(1).lower() == b"utf-8"


def letters_pattern(words: set[bytes]) -> bytes:
    """A pattern matching exactly the column-letter strings ``words`` (a trie with character classes)."""
    if not words:
        return rb"(?!)"
    tails: dict[bytes, set[bytes]] = defaultdict(set)
    optional = False
    for w in words:
        if w:
            tails[w[:1]].add(w[1:])
        else:
            optional = True
    by_tail: dict[frozenset[bytes], list[bytes]] = defaultdict(list)
    for first, rest in tails.items():
        by_tail[frozenset(rest)].append(first)
    alts = []
    for rest, firsts in sorted(by_tail.items(), key=lambda kv: sorted(kv[1])):
        cls = firsts[0] if len(firsts) == 1 else b"[" + b"".join(sorted(firsts)) + b"]"
        alts.append(cls if rest == {b""} else cls + letters_pattern(set(rest)))
    body = alts[0] if len(alts) == 1 and not optional else b"(?:" + b"|".join(alts) + b")"
    return body + b"?" if optional else body


def _optional_attrs(names: tuple[bytes, ...]) -> bytes:
    return b"".join(b"(?:" + W + b"+" + re.escape(n) + b"=" + VAL + b")?" for n in names)


def row_pattern(prefix: bytes, data_letters: set[bytes], other_letters: set[bytes], max_cell_chars: int
                ) -> re.Pattern[bytes]:
    """Compile the plain-row pattern for element prefix ``prefix`` (``b""`` or ``b"x:"``).

    Cells may only use the column letters of ``data_letters`` (columns already counted as holding
    data: any content) or ``other_letters`` (columns already seen: no value allowed). Groups:
    1 the row number, 2 set if the row has a cell, 3 or 4 set if a cell has a value (``<v>`` text
    that is not blank, or non-empty inline text of at most ``max_cell_chars`` bytes).
    """
    p = re.escape(prefix)
    text = TEXT + b"*"
    tail = _optional_attrs(CELL_TAIL_ATTRS)
    formula = (b"<" + p + b"f" + _optional_attrs(FORMULA_ATTRS) + W + b"*(?:/>|>" + text + b"</" + p + b"f>)")
    value = b"<" + p + b"v>" + W + b"*" + NON_SPACE + text + b"</" + p + b"v>()"
    blank = b"(?:<" + p + b"v/>|<" + p + b"v>" + W + b"*</" + p + b"v>)"
    inline = (b"<" + p + b"is>" + W + b"*<" + p + b't(?: xml:space="preserve")?>(?!' + TEXT
              + b"{%d})" % (max_cell_chars + 1) + TEXT + b"+</" + p + b"t>" + W + b"*</" + p + b"is>()")
    end_c = b"</" + p + b"c>"
    style = rb'(?: s="[0-9]{1,9}")?'
    kind = rb'(?: t="[A-Za-z]{1,9}")?'
    data_rest = (style + b"(?:" + rb' t="inlineStr"' + tail + W + b"*>" + W + b"*" + inline + W + b"*" + end_c
                 + b"|" + kind + tail + W + b"*(?:/>|>" + W + b"*(?:(?:" + formula + W + b"*)?" + value + b"|"
                 + blank + b")?" + W + b"*" + end_c + b"))")
    other_rest = (style + kind + tail + W + b"*(?:/>|>" + W + b"*(?:" + blank + W + b"*)?" + end_c + b")")
    branches = []
    if data_letters:
        branches.append(letters_pattern(data_letters) + rb'\1"' + data_rest)
    if other_letters:
        branches.append(letters_pattern(other_letters) + rb'\1"' + other_rest)
    cell = b"<" + p + b'c r="()(?:' + (b"|".join(branches) or b"(?!)") + b")"
    row = (W + b"*<" + p + b'row r="([0-9]{1,7})"' + _optional_attrs(ROW_ATTRS) + W + b"*(?:/>|>(?:" + W
           + b"*(?>" + cell + b"))*" + W + b"*</" + p + b"row>)")
    return re.compile(row)


def last_cell_pattern(prefix: bytes) -> re.Pattern[bytes]:
    """Letters (1) and type (2) of a plain cell's start tag (to restore the state after a fast run)."""
    return re.compile(b"<" + re.escape(prefix) + rb'c r="([A-Za-z]{1,3})[0-9]+"(?: s="[0-9]{1,9}")?'
                      rb'(?: t="([A-Za-z]{1,9})")?')


_BAD = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)|\]\]>|\xef\xbf[\xbe\xbf]")
_LOOKAHEAD = 8


class ByteChecks:
    """Bulk checks of a part's bytes for what the row pattern cannot see (positions are absolute).

    ``feed`` is called with the whole pending buffer and its absolute offset each time bytes arrive;
    each byte is examined once (a few bytes of look-ahead are re-read). :meth:`limit` is the first
    absolute offset, at or after ``pos``, that the fast path must not reach: a suspicious byte or the
    end of what has been checked.
    """

    def __init__(self) -> None:
        """Start with nothing checked."""
        self.bad: deque[int] = deque()
        self.checked = 0  # patterns checked for matches starting before this offset
        self.utf8 = 0  # valid UTF-8 up to this offset
        self.utf8_broken = False

    def feed(self, buf: bytes, base: int, final: bool) -> None:
        """Check the not yet checked bytes of ``buf`` (which starts at absolute offset ``base``)."""
        n = len(buf)
        if not self.utf8_broken:
            start = self.utf8 - base
            if start < 0:  # expat read past the checked bytes: resume at the next character
                start = 0
                while start < min(n, 3) and 0x80 <= buf[start] < 0xC0:
                    start += 1
                self.utf8 = base + start
            seg = buf[start:] if start else buf
            if seg.isascii():
                self.utf8 += len(seg)
            else:
                try:
                    self.utf8 += codecs.utf_8_decode(seg, "strict", final)[1]
                except UnicodeDecodeError as exc:
                    self.utf8_broken = True
                    self.utf8 += exc.start
        c = max(self.checked - base, 0)  # bytes expat read past the checked ones were checked by expat
        e = n if final else n - _LOOKAHEAD
        if e <= c:
            return
        if buf.find(b"&", c, e) >= 0 or buf.find(b"]]>", c, e + 2) >= 0 or buf.find(b"\xef\xbf", c, e + 1) >= 0:
            for m in _BAD.finditer(buf, c):
                if m.start() >= e:
                    break
                self.bad.append(base + m.start())
        self.checked = base + e

    def limit(self, pos: int) -> int:
        """The first absolute offset at or after ``pos`` that the fast path must not reach."""
        bad = self.bad
        while bad and bad[0] < pos:
            bad.popleft()
        end = min(self.checked, self.utf8)
        return min(bad[0], end) if bad else end

    def clean_until(self, end: int) -> bool:
        """True when no suspicious byte lies before absolute offset ``end`` (bad bytes cannot be waited out)."""
        return (not self.bad or self.bad[0] >= end) and not (self.utf8_broken and self.utf8 < end)

