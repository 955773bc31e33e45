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
import marshal
import os
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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
    """The process's jieba tokenizer with the lexicon loaded (built on first call).

    jieba's prefix dictionary (about 500,000 words) comes from :func:`prefix_dictionary`: read from a
    cache in 0.2 s, where jieba's own start takes 0.7 s from its cache and 1.0 s without one."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.FREQ, tk.total = prefix_dictionary()
                tk.initialized = True
                tk.load_userdict(io.StringIO(user_dictionary()))
                _tokenizer = tk
    return _tokenizer


def cache_name() -> str:
    """The file name of the prefix-dictionary cache of this jieba, its dictionary and this Python."""
    import jieba

    dictionary = os.stat(Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)
    return (f"jieba-{jieba.__version__}-{dictionary.st_size}-{int(dictionary.st_mtime)}"
            f"-py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}.prefix")


def cache_folders() -> list[Path]:
    """Where a prefix-dictionary cache is looked for, in order: the one :func:`build_cache` writes at
    set-up (``<venv>/share/supervision``), then this process's temporary folder (the ingest child's
    is ``instance/tmp``), where one is written on first use if none was found."""
    return [Path(sys.prefix) / "share" / "supervision", Path(tempfile.gettempdir())]


def prefix_dictionary() -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary and total frequency, exactly as ``Tokenizer.initialize`` builds them
    (from a cache of :func:`cache_folders` if there is a sound one, else built by jieba and cached)."""
    name = cache_name()
    for folder in cache_folders():
        path = folder / name
        try:
            if not _ours(path):
                continue
            freq, total = marshal.loads(path.read_bytes())  # noqa: S302 (our own file: see _ours)
        except (OSError, ValueError, EOFError, TypeError):
            continue
        if isinstance(freq, dict) and isinstance(total, int) and len(freq) > 100_000:
            return freq, total
    freq, total = _from_dictionary()
    _write_cache(cache_folders()[-1], name, freq, total)
    return freq, total


def _from_dictionary() -> tuple[dict[str, int], int]:
    """``Tokenizer.initialize``'s prefix dictionary built from jieba's dictionary file, in a private
    folder (jieba would otherwise read or write its own cache of it beside ours)."""
    import shutil

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.tmp_dir = tempfile.mkdtemp(prefix="sv-jieba-")
    try:
        tk.initialize()
    finally:
        shutil.rmtree(tk.tmp_dir, ignore_errors=True)
    return tk.FREQ, tk.total


def _ours(path: Path) -> bool:
    """Whether ``path`` is a cache this installation wrote: a regular file owned by this user or by
    root (who installs the platform, deploy.md) that nobody else may write (a temporary folder may be
    shared)."""
    st = path.stat()
    return path.is_file() and st.st_uid in (0, os.getuid()) and not st.st_mode & 0o022


def _write_cache(folder: Path, name: str, freq: dict[str, int], total: int) -> Path | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=".jieba-")
        with os.fdopen(handle, "wb") as out:
            out.write(marshal.dumps((freq, total)))
        os.chmod(tmp, 0o644)  # word frequencies, nothing private: any user of this installation may read it
        os.replace(tmp, folder / name)
        return folder / name
    except OSError:
        return None


def build_cache() -> Path | None:
    """Write the prefix-dictionary cache into the first of :func:`cache_folders` (``make setup``)."""
    return _write_cache(cache_folders()[0], cache_name(), *_from_dictionary())


if __name__ == "__main__":
    print(build_cache() or "supervision: the jieba prefix cache could not be written (it is built on first use)")


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
