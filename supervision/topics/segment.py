"""Segmenting complaint summaries with jieba and the §10.2 lexicon as its user dictionary (pure core).

The segmenter is built once per process, lazily, on first use (never at import): jieba's own
dictionary plus every lexicon term as a user word, so 暴力催收 or 自动扣款 stay one segment. HMM
discovery of unknown words is off so a row's segments depend only on the dictionaries
(docs/decisions.md). A row *mentions* topic T when any term of T is among its segments (§10.2);
each row counts once per topic. *Terms* are the other segments of two or more characters that
are not stop words, counted once per row.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from supervision.topics.lexicon import stopwords, term_topics, topics

#: user-dictionary frequency of a lexicon term: high enough to win over jieba's own splits
TERM_FREQ = 2_000_000
#: how many other terms are kept per version (§10.2)
TOP_TERMS = 50

_lock = threading.Lock()
_tokenizer = None


def user_dictionary() -> str:
    """The lexicon as a jieba user dictionary (``term frequency`` per line)."""
    terms = sorted({term for t in topics() for term in t.terms})
    return "".join(f"{term} {TERM_FREQ}\n" for term in terms)


def tokenizer():
    """The process's jieba tokenizer with the lexicon loaded (built on first call)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                tk.load_userdict(io.StringIO(user_dictionary()))
                _tokenizer = tk
    return _tokenizer


#: segmented blocks kept per process (a block is a run of CJK/ASCII word characters, or what lies between);
#: bounded (about 1 KB a block) so a long-lived worker that derives many versions holds ~50 MB at most
BLOCK_CACHE = 50_000
_blocks: dict[str, tuple[tuple[str, ...], frozenset[str], frozenset[str]]] = {}


def segments(text: str | None) -> list[str]:
    """The segments of ``text`` (empty for None/blank): jieba's ``lcut(text, HMM=False)`` without
    blank segments.

    jieba cuts a text block by block (its ``re_han_default`` splits the text into runs of word
    characters and what lies between; each run is cut on its own), so the cut of a block is kept and
    reused: summaries that differ only in a date, an amount or a reference share most of their
    blocks, and the result is exactly jieba's (``tests/unit/test_topic_segments.py``)."""
    if not text or not text.strip():
        return []
    out: list[str] = []
    for block in _split_blocks(text):
        if block:
            out.extend(_block(block)[0])
    return out


def analyse(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """``(mentions(segments(text)), frozenset(other_terms(segments(text))))``, from the facts of
    each block kept once per block (both are unions over the segments, so over the blocks)."""
    if not text or not text.strip():
        return frozenset(), frozenset()
    found: set[str] = set()
    terms: set[str] = set()
    for block in _split_blocks(text):
        if block:
            _segs, block_topics, block_terms = _block(block)
            found |= block_topics
            terms |= block_terms
    return frozenset(found), frozenset(terms)


def _block(block: str) -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    """A block's non-blank segments, the topics they mention and their other terms (kept per block)."""
    facts = _blocks.get(block)
    if facts is None:
        segs = tuple(s for s in tokenizer().lcut(block, HMM=False) if s.strip())
        facts = (segs, mentions(segs), frozenset(other_terms(segs)))
        if len(_blocks) < BLOCK_CACHE:
            _blocks[block] = facts
    return facts


def _split_blocks(text: str) -> list[str]:
    import jieba

    return jieba.re_han_default.split(text)


def mentions(segs: Iterable[str]) -> frozenset[str]:
    """Codes of the lexicon topics mentioned by a row with these segments."""
    index = term_topics()
    found: set[str] = set()
    for s in segs:
        found |= index.get(s, frozenset())
    return frozenset(found)


def other_terms(segs: Iterable[str]) -> set[str]:
    """The row's distinct segments of ≥ 2 characters that are neither lexicon terms nor stop words."""
    index, stop = term_topics(), stopwords()
    return {s for s in segs if len(s) >= 2 and s not in index and s not in stop and not s.isdigit()
            and any(ch.isalnum() for ch in s)}


@dataclass
class Tally:
    """Topic and term counts over the received rows of one version, with the row keys per topic."""

    topic_rows: dict[str, list] = field(default_factory=dict)
    terms: Counter = field(default_factory=Counter)
    #: summaries already segmented in this tally (identical texts are common: segmented once)
    seen: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)

    def add(self, key, text: str | None) -> frozenset[str]:
        """Count one received row (``key`` identifies it); returns the topics it mentions."""
        cached = self.seen.get(text or "")
        if cached is None:
            cached = analyse(text)
            if len(self.seen) < 200_000:
                self.seen[text or ""] = cached
        found, terms = cached
        for code in found:
            self.topic_rows.setdefault(code, []).append(key)
        self.terms.update(terms)
        return found

    def topic_counts(self) -> dict[str, int]:
        """Topic code → rows mentioning it (every lexicon topic, zeros included)."""
        return {t.code: len(self.topic_rows.get(t.code, ())) for t in topics()}

    def top_terms(self, n: int = TOP_TERMS) -> list[tuple[str, int]]:
        """The ``n`` most frequent other terms (rows mentioning each), ties by the term."""
        return sorted(self.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
