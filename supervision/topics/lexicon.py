"""The §10.2 domain lexicon and the stop words, read from ``supervision/data/reference/`` (pure).

Loaded on first use and cached; nothing is read at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
LEXICON_FILE = DATA_DIR / "topics.json"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"


@dataclass(frozen=True)
class Topic:
    """One lexicon topic: code, names and the terms that count as a mention."""

    code: str
    name_zh: str
    name_en: str
    terms: tuple[str, ...]


@cache
def topics() -> tuple[Topic, ...]:
    """The lexicon topics in file order."""
    data = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    return tuple(Topic(t["code"], t["name_zh"], t["name_en"], tuple(t["terms"])) for t in data["topics"])


@cache
def topic_codes() -> tuple[str, ...]:
    """The topic codes in lexicon order."""
    return tuple(t.code for t in topics())


def topic(code: str) -> Topic | None:
    """The topic of ``code`` (None when unknown)."""
    return next((t for t in topics() if t.code == code), None)


@cache
def term_topics() -> dict[str, frozenset[str]]:
    """Term → the codes of the topics listing it."""
    out: dict[str, set[str]] = {}
    for t in topics():
        for term in t.terms:
            out.setdefault(term, set()).add(t.code)
    return {k: frozenset(v) for k, v in out.items()}


@cache
def stopwords() -> frozenset[str]:
    """The stop words of the §10.2 terms."""
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip() for s in lines if s.strip() and not s.startswith("#"))
