"""Compiled byte patterns behind the scanners' fast path (see :mod:`supervision.ingest.sheetscan`).

The worksheet scanner skips expat for runs of *plain* rows: ``<row>`` elements written the way
Excel, openpyxl and XlsxWriter write them (every row and cell has its ``r``, cell attributes in
schema order, all attributes double-quoted, no comment, CDATA or processing instruction, only the
five predefined entities). One compiled pattern (:func:`row_pattern`) matches one such row at C
speed and, at the same time,

* proves the row is well-formed XML (names matched, attributes unique, nothing but text between
  tags), so leaving it out of what expat sees changes neither expat's verdict nor its events;
* proves every cell lies in that row (a back-reference to the row number) and in a column already
  seen (the letter sets are compiled in), that no formula lacks a cached value, that no inline string
  is longer than the limit, and tells (empty groups) whether the row has a cell and a value.

Anything else (the head of the sheet, unusual rows, a new column) goes through expat with the
reference handlers. :class:`ByteChecks` finds, in bulk, what the row pattern does not rule out
itself: invalid UTF-8, control characters, U+FFFE/U+FFFF, ``]]>`` and any ``&`` that is not a
predefined entity.
Where the C module ``_cscan`` is built (``_cscan.c``, compiled at install; optional), the byte checks
and the plain rows of the common shape go through it first (:data:`native`); it takes only what it
answers exactly as the patterns and checks here do and leaves everything else to them.
The :func:`unit_patterns` and ``ONE_TOKEN`` patterns cut what goes to expat at token boundaries, so
that expat never holds half a token when the scanner resumes the fast path. The shared-strings
scanner does the same with ``<si>`` elements (:func:`si_pattern`).
"""

from __future__ import annotations

import codecs
import functools
import heapq
import re
from collections import defaultdict
from collections.abc import Iterator

try:  # the compiled fast path (supervision/ingest/_cscan.c); absent where no compiler built it
    from supervision.ingest import _cscan as native
except ImportError:  # pragma: no cover - depends on the install
    native = None

W = rb"[ \t\r\n]"
#: Attribute value we do not interpret: any text but ``"``, ``<`` and control characters.
VAL = rb'"[^"<\x00-\x1f]*"'
#: Character data in a plain row (``&`` and control characters are checked in bulk).
TEXT = rb"[^<]"
#: The first character of a ``<v>`` text that is not whitespace for ``str.strip`` (UTF-8 bytes; lead
#: bytes of the non-ASCII whitespace U+0085, U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F and
#: U+3000 are excluded with what follows them).
NON_SPACE = (rb"(?:[!-;=-\x7f]|[\xc3-\xdf\xe4-\xf4]|\xc2[\x80-\x84\x86-\x9f\xa1-\xbf]|\xe0"
             rb"|\xe1(?!\x9a\x80)|\xe3(?!\x80\x80)|\xe2(?!\x80[\x80-\x8a\xa8\xa9\xaf]|\x81\x9f))")
ROW_ATTRS = (b"spans", b"s", b"customFormat", b"ht", b"hidden", b"customHeight", b"outlineLevel", b"collapsed",
             b"thickTop", b"thickBot", b"ph", b"x14ac:dyDescent")
FORMULA_ATTRS = (b"t", b"aca", b"ref", b"dt2D", b"dtr", b"del1", b"del2", b"r1", b"r2", b"ca", b"si", b"bx")

# ---- tokens for the expat side: cut only between complete tokens ------------------------------
_NAME = rb"[^ \t\r\n/>=<\"'!?][^ \t\r\n/>=<\"']*"
_ATTR = W + rb"++" + _NAME + W + rb"*+=" + W + rb"*+(?:\"[^\"<]*+\"|'[^'<]*+')"
_TAG_REST = _NAME + rb"(?:" + _ATTR + rb")*+" + W + rb"*+/?>"
# possessive everywhere (no capture groups here): no backtracking, no stack growth on long tokens
_OTHER = (rb"[^<]++|<!--(?:[^-]++|-(?!-))*+-->|<!\[CDATA\[(?:[^\]]++|\](?!\]>))*+\]\]>"
          rb"|<\?(?:[^?]++|\?(?!>))*+\?>|</" + _NAME + W + rb"*+>")


@functools.lru_cache
def unit_patterns(unit: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """For the fast path's unit element (``b"row"``, ``b"si"``): its start tag (any prefix), and the run
    of complete tokens up to (not including) one, stopping before an incomplete or unknown token."""
    start = rb"<(?:[^ \t\r\n/>=<\"'!?:]+:)?" + unit + rb"[ \t\r\n/>]"
    tokens = rb"(?:" + _OTHER + rb"|(?!" + start + rb")<" + _TAG_REST + rb")*+"
    return re.compile(start), re.compile(tokens)


#: Complete tokens, as many as there are.
TOKENS = re.compile(rb"(?:" + _OTHER + rb"|<" + _TAG_REST + rb")*+")
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


def letter_table(data_letters: set[bytes], other_letters: set[bytes]) -> bytes:
    """The column letters as :data:`native`'s ``rows`` reads them: one byte per string of one to three
    ASCII letters (``A``–``Z`` then ``a``–``z``), 1 for ``data_letters``, 2 for ``other_letters``."""
    table = bytearray(52 + 52 * 52 + 52 * 52 * 52)
    for words, mark in ((other_letters, 2), (data_letters, 1)):
        for w in words:
            table[_letters_index(w)] = mark
    return bytes(table)


def _letters_index(word: bytes) -> int:
    codes = [c - 65 if c <= 90 else c - 71 for c in word]  # A-Z: 0-25, a-z: 26-51
    if len(codes) == 1:
        return codes[0]
    if len(codes) == 2:
        return 52 + codes[0] * 52 + codes[1]
    return 52 + 52 * 52 + codes[0] * 52 * 52 + codes[1] * 52 + codes[2]


def _optional_attrs(names: tuple[bytes, ...]) -> bytes:
    return b"".join(b"(?:" + W + b"++" + re.escape(n) + b"=" + VAL + b")?" for n in names)


def row_pattern(prefix: bytes, data_letters: set[bytes], other_letters: set[bytes], max_cell_chars: int,
                spaced: bool = False) -> re.Pattern[bytes]:
    """Compile the plain-row pattern for element prefix ``prefix`` (``b""`` or ``b"x:"``).

    Cells may only use the column letters of ``data_letters`` (columns already counted as holding
    data: any content) or ``other_letters`` (columns already seen: no value allowed). Named groups:
    ``r`` the row number, ``cells`` set if the row has a cell, ``inline`` or ``value`` set if a cell
    has a value (``<v>`` text that is not blank, or non-empty inline text of at most
    ``max_cell_chars`` bytes, so never more characters). Without ``spaced`` no whitespace is
    allowed between the tags of a row (the compact XML writers produce, and a faster pattern);
    with it, whitespace may separate any two tags. Row attributes may come in any order (each at
    most once: a look-ahead refuses a name repeated later in the tag); cell attributes in schema order.
    """
    p = re.escape(prefix)
    s = W + b"*+" if spaced else b""  # possessive: adjacent runs of whitespace never backtrack
    close = s + b"/>" if spaced else b" ?/>"
    text = TEXT + b"*"
    formula = b"<" + p + b"f" + _optional_attrs(FORMULA_ATTRS) + b"(?:" + close + b"|" + s + b">" + text + b"</" + p \
        + b"f>)"
    value = b"<" + p + b"v>" + s + NON_SPACE + text + b"</" + p + b"v>(?P<value>)"
    blank = b"(?:<" + p + b"v" + close + b"|<" + p + b"v>" + s + b"</" + p + b"v>)"
    inline = (b"<" + p + b"is>" + s + b"<" + p + b't(?: xml:space="preserve")?>' + TEXT + b"{1,%d}</" % max_cell_chars
              + p + b"t>" + s + b"</" + p + b"is>(?P<inline>)")
    end_c = b"</" + p + b"c>"
    style = rb'(?: s="[0-9]{1,9}")?'
    kind = rb'(?: t="[A-Za-z]{1,9}")?'
    data_rest = (style + b'(?: t="inlineStr"' + s + b">" + s + inline + s + end_c + b"|" + kind + b"(?:" + close + b"|"
                 + s + b">" + s + b"(?:(?:" + formula + s + b")?" + value + b"|" + blank + b")?" + s + end_c + b"))")
    other_rest = style + kind + b"(?:" + close + b"|" + s + b">" + s + b"(?:" + blank + s + b")?" + end_c + b")"
    branches = [] if data_letters else [rb"(?!)(?P<inline>)(?P<value>)"]  # the groups exist in any case
    if data_letters:
        branches.append(letters_pattern(data_letters) + rb'(?P=r)"' + data_rest)
    if other_letters:
        branches.append(letters_pattern(other_letters) + rb'(?P=r)"' + other_rest)
    cell = b"<" + p + b'c r="(?P<cells>)(?:' + b"|".join(branches) + b")"
    row_attrs = _any_attrs(ROW_ATTRS, b"a")
    row = (W + b"*+<" + p + b'row r="(?P<r>[0-9]{1,7})"' + row_attrs + b"(?:" + close + b"|" + s + b">(?:" + s
           + b"(?>" + cell + b"))*" + s + b"</" + p + b"row>)")
    return re.compile(row)


def _any_attrs(names: tuple[bytes, ...], group: bytes) -> bytes:
    """Attributes among ``names`` in any order, each at most once (a look-ahead refuses a name repeated
    later in the tag; values hold no ``>``, so the look-ahead sees exactly the rest of the tag)."""
    return (b"(?:" + W + b"++(?P<" + group + b">" + b"|".join(re.escape(n) for n in names)
            + rb')="[^"<>\x00-\x1f]*"(?![^>]*' + W + b"(?P=" + group + b")=))*")


RUN_PROPERTIES = (b"b", b"i", b"strike", b"condense", b"extend", b"outline", b"shadow", b"u", b"vertAlign", b"sz",
                  b"color", b"rFont", b"family", b"charset", b"scheme")


def si_pattern(prefix: bytes, max_cell_chars: int, spaced: bool = False) -> re.Pattern[bytes]:
    """Compile the pattern of one plain ``<si>`` of a shared-string table (element prefix ``prefix``).

    A single ``<t>`` of at most ``max_cell_chars`` bytes (so never more characters), or rich-text
    runs (``<r>`` with run properties) and phonetic runs (``<rPh>``), which set the named group
    ``long``: the caller then checks that the whole element is at most ``max_cell_chars`` bytes.
    """
    p = re.escape(prefix)
    s = W + b"*+" if spaced else b""
    close = s + b"/>" if spaced else b" ?/>"
    t_open = b"<" + p + b't(?: xml:space="preserve")?'
    plain = t_open + b">" + TEXT + b"{0,%d}</" % max_cell_chars + p + b"t>|" + t_open + close
    text = t_open + b"(?:" + close + b"|>" + TEXT + b"*</" + p + b"t>)"
    prop = (b"<" + p + b"(?:" + b"|".join(RUN_PROPERTIES) + b")" + _any_attrs((b"val", b"rgb", b"theme", b"tint",
                                                                              b"indexed", b"auto"), b"pa") + close)
    run = (b"<" + p + b"r>" + s + b"(?:<" + p + b"rPr>" + s + b"(?:" + prop + s + b")*</" + p + b"rPr>" + s + b")?"
           + text + s + b"</" + p + b"r>")
    phonetic = (b"<" + p + b"rPh" + _any_attrs((b"sb", b"eb"), b"ra") + s + b">" + s + text + s + b"</" + p + b"rPh>")
    properties = b"<" + p + b"phoneticPr" + _any_attrs((b"fontId", b"type", b"alignment"), b"fa") + close
    return re.compile(W + b"*+<" + p + b"si>" + s + b"(?:" + plain + b"|(?P<long>)(?:" + run + s + b")+)" + s
                      + b"(?:(?P<ph>)" + phonetic + s + b")*(?:" + properties + s + b")?</" + p + b"si>")


def last_cell_pattern(prefix: bytes) -> re.Pattern[bytes]:
    """Letters (1) and type (2) of a plain cell's start tag (to restore the state after a fast run)."""
    return re.compile(b"<" + re.escape(prefix) + rb'c r="([A-Za-z]{1,3})[0-9]+"(?: s="[0-9]{1,9}")?'
                      rb'(?: t="([A-Za-z]{1,9})")?')


_AMP = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)")  # an ``&`` that is not a predefined entity
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NONCHAR = re.compile(rb"\xef\xbf[\xbe\xbf]")
#: Control characters map to 0, ``&`` to 1, ``]`` to 2, every other byte to 3.
_SUSPECT = bytes(0 if i < 0x20 and i not in (9, 10, 13) else 1 if i == 0x26 else 2 if i == 0x5D else 3
                 for i in range(256))
_LOOKAHEAD = 8
#: At most this many suspicious offsets are kept at a time.
_MAX_BAD = 1024


class ByteChecks:
    """Bulk checks of a part's bytes for what the row pattern cannot see (positions are absolute).

    ``feed`` is called with the whole pending buffer and its absolute offset each time bytes arrive;
    each byte is examined once (a few bytes of look-ahead are re-read). :meth:`limit` is the first
    absolute offset, at or after ``pos``, that the fast path must not reach: a suspicious byte or the
    end of what has been checked.
    """

    def __init__(self) -> None:
        """Start with nothing checked."""
        self.bad: list[int] = []  # heap of absolute offsets of suspicious bytes
        self.checked = 0  # suspicious sequences found if they start before this offset
        self.utf8 = 0  # valid UTF-8 (and no U+FFFE/U+FFFF) up to this offset
        self.utf8_broken = False
        self._native = native

    def feed(self, buf: bytes, base: int, final: bool) -> None:
        """Check the not yet checked bytes of ``buf`` (which starts at absolute offset ``base``)."""
        n = len(buf)
        bad = self.bad
        while bad and bad[0] < base:  # behind the buffer: expat has read those bytes
            heapq.heappop(bad)
        if not self.utf8_broken:
            start = self.utf8 - base
            if start <= 0:  # expat read up to or past the checked bytes: resume at the next character start
                start = 0
                while start < min(n, 3) and 0x80 <= buf[start] < 0xC0:
                    start += 1
                self.utf8 = base + start
            done = self._native.utf8(buf, start, final) if self._native is not None else None
            if done is not None:  # all valid (None: something is not; the decoder below says where)
                used, nonchars = done
                for k in nonchars:
                    heapq.heappush(self.bad, base + start + k)
                self.utf8 += used
            else:
                seg = buf[start:] if start else buf
                if seg.isascii():
                    self.utf8 += len(seg)
                else:
                    try:
                        text, used = codecs.utf_8_decode(seg, "strict", final)
                    except UnicodeDecodeError as exc:
                        self.utf8_broken = True
                        self.utf8 += exc.start
                    else:
                        if "\ufffe" in text or "\uffff" in text:
                            for m in _NONCHAR.finditer(seg, 0, used):
                                heapq.heappush(self.bad, base + start + m.start())
                        self.utf8 += used
        c = max(self.checked - base, 0)  # bytes expat read past the checked ones were checked by expat
        e = n if final else n - _LOOKAHEAD
        if e <= c:
            return
        found = self._native.suspects(buf, c, e) if self._native is not None else None
        if found is None:  # no C module, or more than _MAX_BAD: found and capped here
            kinds = buf[c:e].translate(_SUSPECT)
            found = [i for kind, finder in ((0, self._controls), (1, self._amps), (2, self._cdata_ends))
                     if kinds.find(kind) >= 0 for i in finder(buf, c, e)]
        if len(found) > _MAX_BAD:  # keep the heap small: check the rest once the scan has moved on
            found.sort()
            e = found[_MAX_BAD]
            del found[_MAX_BAD:]
        for i in found:
            heapq.heappush(bad, base + i)
        self.checked = base + e

    @staticmethod
    def _controls(buf: bytes, c: int, e: int) -> Iterator[int]:
        for n, m in enumerate(_CONTROL.finditer(buf, c, e)):
            yield m.start()
            if n > _MAX_BAD:
                return

    @staticmethod
    def _amps(buf: bytes, c: int, e: int) -> Iterator[int]:
        for n, m in enumerate(_AMP.finditer(buf, c)):
            if m.start() >= e or n > _MAX_BAD:
                return
            yield m.start()

    @staticmethod
    def _cdata_ends(buf: bytes, c: int, e: int) -> Iterator[int]:
        i = buf.find(b"]]>", c, e + 2)
        for _ in range(_MAX_BAD + 2):
            if i < 0:
                return
            yield i
            i = buf.find(b"]]>", i + 1, e + 2)

    def limit(self, pos: int) -> int:
        """The first absolute offset at or after ``pos`` that the fast path must not reach."""
        bad = self.bad
        while bad and bad[0] < pos:
            heapq.heappop(bad)
        end = min(self.checked, self.utf8)
        return min(bad[0], end) if bad else end

    def clean_until(self, end: int) -> bool:
        """True when no suspicious byte lies before absolute offset ``end`` (bad bytes cannot be waited out)."""
        return (not self.bad or self.bad[0] >= end) and not (self.utf8_broken and self.utf8 < end)
