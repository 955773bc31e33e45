"""Institution name matching, defined once (docs/decisions.md, "Names").

Legal names are stored as written (official Chinese names use full-width ``（）``); two spellings
name the same institution when their *keys* are equal: NFKC (full-width → half-width), case-folded,
with every whitespace character removed (inner spaces and the ideographic space U+3000 included).
Used by the master data (a name or alias may not collide with another institution's) and by the
ingest warning ``W-NAME`` (the cover's ``institution_name`` against the registered names). Pure.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def name_key(name: str | None) -> str:
    """Matching key of a name: NFKC, case-folded, no whitespace (``None`` → ``""``)."""
    return "".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def same_name(a: str | None, b: str | None) -> bool:
    """Whether two spellings name the same institution (equal, non-empty keys)."""
    key = name_key(a)
    return bool(key) and key == name_key(b)


def matches_any(name: str | None, names: Iterable[str | None]) -> bool:
    """Whether ``name`` is one of ``names`` under :func:`name_key`."""
    key = name_key(name)
    return bool(key) and key in {name_key(n) for n in names}
