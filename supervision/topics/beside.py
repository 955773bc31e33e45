"""The topic tally (§10.2) of a version being ingested, segmented by forked helpers beside the store.

Segmenting the received rows' summaries with jieba is pure Python (about 0.1 ms a distinct summary
on a quiet core, plus ~0.6–0.9 s to build the tokenizer; identical summaries are segmented once):
done after acceptance it was the largest stage of an ingest after the read (issue 12), and for a
filing of all-different summaries by far the largest. The ingest child forks a
:class:`TopicServer` as it starts reading the file; the server builds the tokenizer meanwhile. The
child has every summary in its spool before it stores anything: it sends the server the received
rows, and the server tallies consecutive shares of them in itself and in share helpers it forks
then (one per CPU, up to :data:`MAX_HELPERS`, inheriting the tokenizer), while the child
bulk-loads the rows, derives the cube and commits; the after-accept derivation then
takes their merged answer (:func:`supervision.topics.derive.derive_topics`) instead of reading and
segmenting the stored rows again. The tally is the same: the same :class:`~supervision.topics.segment.Tally`
over the same texts (:func:`merge`), keyed by the rows' ``row_no``, as the stored mentions are
(``topic_row``, migration 0019).

The server and its share helpers get plain Python lists (through the request pipe; the share
helpers by inheritance) and run only Python code (jieba, pickle); they never touch polars, the
database connection or the spool's files, and they leave with ``os._exit`` (no clean-up of the
parent's objects); a share helper dies with the server. The server is forked only from a process
with a single Python thread (the ingest child); elsewhere, or if it cannot be forked or gives no
answer, the derivation segments the stored rows as before."""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
import pickle
import signal
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


#: at most this many processes (the server and its share helpers) segment one version's rows
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


def _share(server: int, rows: list[int], texts: list[str | None]) -> tuple[dict[str, list[int]], Counter]:
    """A share helper's work: :func:`_part`, in a process that dies with ``server``, the process that
    forked it (a cancelled server leaves no helper segmenting on)."""
    from supervision.filings.runner import _die_with_parent

    _die_with_parent()
    if os.getppid() != server:  # the server was gone before the death signal was asked for
        os._exit(0)
    return _part(rows, texts)


def _shares(rows: list[int], texts: list[str | None], helpers: int | None) -> SpooledTally | None:
    """The merged tally of ``rows``: this process takes the first consecutive share and forks one
    helper per further share (``helpers``: how many shares, by default one per CPU up to
    :data:`MAX_HELPERS`); None if a helper gave none."""
    from supervision.filings.child import fork_helper, helper_answer

    n = max(1, min(helpers or os.cpu_count() or 1, MAX_HELPERS, len(rows) or 1))
    cuts = [len(rows) * i // n for i in range(n + 1)]
    shares = list(itertools.pairwise(cuts))
    forked = [fork_helper(functools.partial(_share, os.getpid(), rows[a:b], texts[a:b])) for a, b in shares[1:]]
    a, b = shares[0]
    parts = [_part(rows[a:b], texts[a:b]), *(helper_answer(fd, pid) for pid, fd in forked)]
    if not all(isinstance(p, tuple) and len(p) == 2 for p in parts):
        return None
    return merge(parts)


class TopicServer:
    """A forked helper that builds the tokenizer at once (jieba's dictionary: ~0.7 s of CPU) and then
    waits for the rows to tally (:meth:`send`). The ingest child forks it as it starts reading the
    file (the guards' verdict is in; a sheet read in one piece leaves the second core idle), so neither the
    tokenizer nor a second copy of it is paid during the store: the server forks its share helpers
    only once the tokenizer is built (they inherit it). It reads nothing but its request pipe; given
    nothing (:meth:`cancel`, or the child gone) it leaves."""

    def __init__(self, helpers: int | None = None):
        from supervision.filings.child import fork_helper

        read_end, self._request = os.pipe()

        def work():
            os.close(self._request)
            from supervision.topics.segment import stopwords, term_topics, tokenizer

            tokenizer(), term_topics(), stopwords()
            with os.fdopen(read_end, "rb") as src:
                data = src.read()
            if not data:
                return None
            rows, texts = pickle.loads(data)  # noqa: S301 (the parent's own pipe)
            del data
            return _shares(rows, texts, helpers)

        try:
            self.pid, self._answer = fork_helper(work)
        except OSError:
            os.close(self._request)
            raise
        finally:
            os.close(read_end)
        self._writer: threading.Thread | None = None
        self._done: list[SpooledTally | None] = []

    def send(self, spool) -> Callable[[], SpooledTally | None]:
        """Hand the server ``spool``'s received rows (written by a thread: the server may still be
        building its tokenizer); return a callable that waits for the merged tally (None if the
        server or a helper gave none; answered once, kept)."""
        rows, texts = received_summaries(spool)
        data = pickle.dumps((rows, texts), protocol=pickle.HIGHEST_PROTOCOL)
        del rows, texts
        fd, self._request = self._request, None

        def write() -> None:
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
            except OSError:  # the server is gone: its answer is None
                pass

        self._writer = threading.Thread(target=write, name="topic-request", daemon=True)
        self._writer.start()
        return self.answer

    def answer(self) -> SpooledTally | None:
        """Wait for the server's tally (see :meth:`send`)."""
        from supervision.filings.child import helper_answer

        if not self._done:
            if self._writer is None:  # nothing was sent: the server would wait for ever
                self.cancel()
                return None
            self._writer.join()
            got = helper_answer(self._answer, self.pid) if self._answer is not None else None
            self._answer = None
            if not isinstance(got, SpooledTally):
                log.warning("the topic helper (%s) gave no tally: the stored rows are segmented instead", self.pid)
                got = None
            self._done.append(got)
        return self._done[0]

    def cancel(self) -> None:
        """Stop the server if its answer was not taken (a rejected or failed version): its pipes are
        closed and it is killed and reaped."""
        if self._done:
            return
        for fd in (self._request, self._answer):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._request = self._answer = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)  # first: a request still being written then fails at once
        if self._writer is not None:
            self._writer.join()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self._done.append(None)


def serve(helpers: int | None = None) -> TopicServer | None:
    """Fork a :class:`TopicServer` (``helpers``: how many shares it tallies at once), or None when
    this process runs another Python thread (forking it is not safe) or cannot fork now (the
    server is only a shortcut: the stored rows are segmented instead)."""
    if threading.active_count() != 1:
        return None
    try:
        return TopicServer(helpers)
    except OSError:
        log.warning("no topic helper could be forked: the stored rows will be segmented", exc_info=True)
        return None


def start(spool, helpers: int | None = None) -> Callable[[], SpooledTally | None] | None:
    """Fork a server and hand it ``spool``'s received rows at once (:func:`serve` and
    :meth:`TopicServer.send`); the callable waiting for the merged :class:`SpooledTally`, or None
    when no server was forked."""
    server = serve(helpers)
    return server.send(spool) if server is not None else None
