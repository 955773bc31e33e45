"""The byte-level DTD scanner (defence in depth behind expat's own refusal, rule F04) finds a
``<!DOCTYPE`` or ``<!ENTITY`` wherever the chunks of a part are cut, and nothing in plain data,
including text holding ``!`` (it searches for ``!`` first, then runs its pattern from there)."""

from __future__ import annotations

import pytest

from supervision.ingest.xmlsafe import DTDScanner

ROWS = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Hello! fees!!</t></is></c></row>' * 3


def _scan(data: bytes, cut: list[int]) -> str | None:
    scanner, start, found = DTDScanner(), 0, None
    for end in [*cut, len(data)]:
        found = scanner.feed(data[start:end]) or found
        start = end
    return found


@pytest.mark.parametrize(("payload", "what"), [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', "DOCTYPE"),
    (b"<sheetData>" + ROWS + b'<!ENTITY e "x">' + ROWS, "ENTITY"),
    (b"<x>" + ROWS + b"<!doctype x><!-- ! -->", "DOCTYPE"),
    (b"<x>" + ROWS + b"<!  \tENTITY e 'x'>", "ENTITY"),
])
def test_found_at_every_cut(payload, what):
    for i in range(1, len(payload)):
        assert _scan(payload, [i]) == what, f"cut at {i}"
    assert _scan(payload, list(range(1, len(payload)))) == what  # one byte at a time


@pytest.mark.parametrize("payload", [
    b"<x>" + ROWS + b"</x>",
    b"<x><t>!DOCTYPE without its bracket, &lt;!ENTITY escaped</t><!-- a comment! --><![CDATA[x]]></x>",
    b"<x>" + b"!" * 5000 + b"</x>",
])
def test_plain_data_passes(payload):
    for i in range(1, len(payload), 97):
        assert _scan(payload, [i]) is None
    assert _scan(payload, []) is None
