"""The topic tally (§10.2) of a version being ingested, segmented by forked helpers beside the store.

Segmenting the received rows' summaries with jieba is pure Python (about 0.1 ms a distinct summary
on a quiet core, plus ~0.6–0.9 s to build the tokenizer; identical summaries are segmented once):
done after acceptance it was the largest stage of an ingest after the read (issue 12), and for a
filing of all-different summaries by far the largest. The ingest child has every summary in its
spool before it stores anything, so :func:`start` forks helpers (one per CPU, up to
:data:`MAX_HELPERS`), each building the tokenizer and tallying a consecutive share of the rows,
while the child bulk-loads the rows, derives the cube and commits; the after-accept derivation then
takes their merged answer (:func:`supervision.topics.derive.derive_topics`) instead of reading and
segmenting the stored rows again. The tally is the same: the same :class:`~supervision.topics.segment.Tally`
over the same texts (:func:`merge`), keyed by the rows' ``row_no`` instead of their ids (mapped to
ids when stored).

The helpers get plain Python lists made before the fork and run only Python code (jieba,
pickle); they never touch polars, the database connection or the spool's files, and they leave
with ``os._exit`` (no clean-up of the parent's objects). They are forked only from a process with a
single Python thread (the ingest child); elsewhere, or if a helper gives no answer, the derivation
segments the stored rows as before."""

from __future__ import annotations

import functools
import itertools
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class SpooledTally:
    """A version's topic tally keyed by ``row_no``: rows per topic and the top other terms."""

    topic_rows: dict[str, list[int]]
    top_terms: list[tuple[str, int]]


#: at most this many helpers segment one version (each holds jieba's dictionary, ~100 MB)
MAX_HELPERS = 4


def received_summaries(spool) -> tuple[list[int], list[str | None]]:
    """``row_no`` and summary of every received (not carried-over) spooled row, in order."""
    import polars as pl

    rows: list[int] = []
    texts: list[str | None] = []
    for frame in spool.frames():
        part = frame.filter(pl.col("carried_over").not_()).select("_row", "summary")
        rows.extend(part["_row"].to_list())
        texts.extend(part["summary"].to_list())
    return rows, texts


def _part(rows: list[int], texts: list[str | None]) -> tuple[dict[str, list[int]], Counter]:
    """One helper's work: the rows per topic and every other term's count over its share of the rows."""
    from supervision.topics.segment import Tally

    t = Tally()
    for row_no, text in zip(rows, texts, strict=True):
        t.add(row_no, text)
    return t.topic_rows, t.terms


def merge(parts: list[tuple[dict[str, list[int]], Counter]]) -> SpooledTally:
    """The tally of all rows from the tallies of consecutive shares of them: rows per topic joined in
    order, term counts added, then the top terms as :meth:`~supervision.topics.segment.Tally.top_terms`
    ranks them (each row counts once per topic and per term in exactly one share, so the result is
    the tally of the whole)."""
    from supervision.topics.segment import Tally

    whole = Tally()
    for topic_rows, terms in parts:
        for code, rows in topic_rows.items():
            whole.topic_rows.setdefault(code, []).extend(rows)
        whole.terms.update(terms)
    return SpooledTally(topic_rows=whole.topic_rows, top_terms=whole.top_terms())


def tally(rows: list[int], texts: list[str | None]) -> SpooledTally:
    """Segment and count in this process (what the helpers give together)."""
    return merge([_part(rows, texts)])


def start(spool, helpers: int | None = None) -> Callable[[], SpooledTally | None] | None:
    """Fork the helpers over ``spool``'s received rows (``helpers``: how many, by default one per CPU
    up to :data:`MAX_HELPERS`; each takes a consecutive share of the rows); return a callable that
    waits for their merged :class:`SpooledTally` (None if one gave none), or None when no helper
    was forked (another Python thread runs in this process: forking it is not safe)."""
    if threading.active_count() != 1:
        return None
    from supervision.filings.child import fork_helper, helper_answer

    rows, texts = received_summaries(spool)
    n = max(1, min(helpers or os.cpu_count() or 1, MAX_HELPERS, len(rows) or 1))
    cuts = [len(rows) * i // n for i in range(n + 1)]
    forked = [fork_helper(functools.partial(_part, rows[a:b], texts[a:b])) for a, b in itertools.pairwise(cuts)]
    del rows, texts
    done: list = []

    def answer() -> SpooledTally | None:
        if not done:
            parts = [helper_answer(fd, pid) for pid, fd in forked]
            if all(isinstance(p, tuple) and len(p) == 2 for p in parts):
                done.append(merge(parts))
            else:
                log.warning("a topic helper (%s) gave no tally: the stored rows are segmented instead",
                            [pid for pid, _fd in forked])
                done.append(None)
        return done[0]

    return answer
