"""The topic tally (§10.2) of a version being ingested, segmented in a forked helper beside the store.

Segmenting the received rows' summaries with jieba is pure Python (about 8 µs a row, plus ~0.5 s
to build the tokenizer): done after acceptance it was the largest single stage of an ingest after
the read (issue 12). The ingest child has every summary in its spool before it stores anything, so
:func:`start` forks a helper that builds the tokenizer and tallies the summaries on the second core
while the child bulk-loads the rows, derives the cube and commits; the after-accept derivation then
takes the helper's answer (:func:`supervision.topics.derive.derive_topics`) instead of reading and
segmenting the stored rows again. The tally is the same: the same :class:`~supervision.topics.segment.Tally`
over the same texts, keyed by the rows' ``row_no`` instead of their ids (mapped to ids when stored).

The helper gets plain Python lists made before the fork and runs only Python code (jieba,
pickle); it never touches polars, the database connection or the spool's files, and it leaves
with ``os._exit`` (no clean-up of the parent's objects). It is forked only from a process with a
single Python thread (the ingest child); elsewhere, or if the helper gives no answer, the
derivation segments the stored rows as before.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class SpooledTally:
    """A version's topic tally keyed by ``row_no``: rows per topic and the top other terms."""

    topic_rows: dict[str, list[int]]
    top_terms: list[tuple[str, int]]


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


def tally(rows: list[int], texts: list[str | None]) -> SpooledTally:
    """Segment and count (pure: the helper's work, also callable in-process)."""
    from supervision.topics.segment import Tally

    t = Tally()
    for row_no, text in zip(rows, texts, strict=True):
        t.add(row_no, text)
    return SpooledTally(topic_rows=t.topic_rows, top_terms=t.top_terms())


def start(spool) -> Callable[[], SpooledTally | None] | None:
    """Fork the helper over ``spool``'s received rows; return a callable that waits for its
    :class:`SpooledTally` (None if it gave none), or None when no helper was forked (another
    Python thread runs in this process: forking it is not safe)."""
    if threading.active_count() != 1:
        return None
    from supervision.filings.child import fork_helper, helper_answer

    pid, fd = fork_helper(functools.partial(tally, *received_summaries(spool)))  # plain lists
    done: list = []

    def answer() -> SpooledTally | None:
        if not done:
            got = helper_answer(fd, pid)
            if not isinstance(got, SpooledTally):
                log.warning("the topic helper %s gave no tally: the stored rows are segmented instead", pid)
                got = None
            done.append(got)
        return done[0]

    return answer
