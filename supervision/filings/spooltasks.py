"""What the ingest child takes from a valid CMP version's spool beside its store: the topic tally
(a forked helper) and the version's own facts of the checks (a thread), for the checks that
follow acceptance. Each is a shortcut: without it the checks read the stored rows."""

from __future__ import annotations

import contextlib
import logging

from flask import current_app

from supervision.domain.enums import FilingKind

log = logging.getLogger(__name__)


def checks_follow(kind: str) -> bool:
    """Whether a valid version of ``kind`` is accepted and checked at once (a CMP version whose
    checks after acceptance run in this process): only then is work done beside its store."""
    c = current_app.config
    return kind == FilingKind.CMP and bool(c["AUTO_ACCEPT"] and c.get("CHECKS_AFTER_ACCEPT", True))


def topic_server(kind: str):
    """For a CMP version whose checks will run once it is accepted: fork the helper that segments
    its received rows' summaries beside the store (:class:`supervision.topics.beside.TopicServer`;
    it builds its tokenizer while this process reads the file); None otherwise."""
    if not checks_follow(kind):
        return None
    from supervision.topics import beside

    return beside.serve()


def send_topics(server, spool):
    """Hand the topic server the spool's received rows (:meth:`~supervision.topics.beside.TopicServer.send`);
    the callable giving its tally, or None (no server, no spool, or sending failed: the stored rows
    are segmented after acceptance instead)."""
    if server is None or spool is None:
        return None
    try:
        return server.send(spool)
    except Exception:
        log.warning("the rows could not be sent to the topic helper: the stored rows will be segmented",
                    exc_info=True)
        server.cancel()
        return None


def own_facts_beside(result, cleanup: contextlib.ExitStack, period_end=None):
    """Start taking the version's own facts of the checks from its spool in a thread while it is
    stored (:mod:`supervision.checks.spooled`; ``O01``'s at ``period_end``, if given); the future, or
    None when there is no spool."""
    if result.spool is None:
        return None
    from concurrent.futures import ThreadPoolExecutor

    from supervision.checks.spooled import from_spool

    pool = cleanup.enter_context(ThreadPoolExecutor(1, thread_name_prefix="facts"))
    return pool.submit(from_spool, result.spool, period_end)


def own_facts(future):
    """The facts a :func:`own_facts_beside` thread took, or None (then the checks read the stored rows)."""
    if future is None:
        return None
    try:
        return future.result()
    except Exception:
        log.warning("the checks' facts could not be taken from the spool: the stored rows are read", exc_info=True)
        return None
