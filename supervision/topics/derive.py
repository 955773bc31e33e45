"""Deriving a version's topic facts (§10.2) and group facts at acceptance; flushes only.

:func:`derive_after_accept` is the one call of the after-accept hook
(:func:`supervision.checks.engine.run_after_accept`); :func:`ensure_derived` fills in versions that
were accepted before the derivations existed (the period checks call it).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, exists, insert, select

from supervision.domain.enums import FilingKind
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from supervision.filings.models import FilingVersion
from supervision.topics.beside import SpooledTally
from supervision.topics.models import TopicCount, TopicRow, TopicTerm
from supervision.topics.segment import Tally
from supervision.vulnerable import derive as groups

_BATCH = 5000


def is_derived(version_id: int) -> bool:
    """Whether the version's topic counts are stored (one row per lexicon topic once derived)."""
    return bool(db.session.scalar(select(exists().where(TopicCount.version_id == version_id))))


def derive_topics(version_id: int, institution_id: int, period_id: int,
                  spooled: SpooledTally | None = None) -> dict[str, int]:
    """(Re)compute the version's topic counts, topic rows and top terms over its received rows.

    ``spooled``: the tally the ingest made beside its store (:mod:`supervision.topics.beside`), keyed
    by ``row_no`` as the stored mentions are; without it the stored rows are read and segmented
    here."""
    for model in (TopicCount, TopicRow, TopicTerm):
        db.session.execute(delete(model).where(model.version_id == version_id))
    c = ComplaintRow
    tally = Tally()
    if spooled is None:
        result = db.session.execute(select(c.row_no, c.summary).where(c.version_id == version_id,
                                                                      c.carried_over.is_(False))
                                    .order_by(c.row_no).execution_options(yield_per=_BATCH))
        for row_no, summary in result:
            tally.add(row_no, summary)
        top_terms = tally.top_terms()
    else:
        tally.topic_rows = spooled.topic_rows  # by row_no, as the stored mentions
        top_terms = spooled.top_terms
    counts = tally.topic_counts()
    db.session.execute(insert(TopicCount.__table__), [
        {"version_id": version_id, "topic": code, "institution_id": institution_id, "period_id": period_id,
         "count": n} for code, n in counts.items()])
    _insert_topic_rows(version_id, tally.topic_rows)
    terms = [{"version_id": version_id, "term": term[:64], "rank": n, "count": count}
             for n, (term, count) in enumerate(top_terms, start=1)]
    if terms:
        db.session.execute(insert(TopicTerm.__table__), terms)
    db.session.flush()
    return counts


def _insert_topic_rows(version_id: int, topic_rows: dict[str, list[int]]) -> None:
    """Bulk insert of (version, topic, row_no) on the session's connection: ``COPY`` on PostgreSQL,
    ``executemany`` of tuples on SQLite (tens of thousands of mentions: no dict or ORM row each).
    The row numbers are the version's own (its spool's, or its stored rows'): nothing is joined."""
    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy("COPY topic_row (version_id, topic, row_no) FROM STDIN") as copy:
            for code, rows in sorted(topic_rows.items()):  # in the primary key's order: appended at its end
                # COPY's text format written per topic in one piece (version and row numbers are
                # integers, topic codes are the lexicon's own: nothing to escape)
                if any(ch in code for ch in "\t\n\r\\"):
                    raise ValueError(f"topic code {code!r} cannot be written to COPY as it is")
                head = f"{int(version_id)}\t{code}\t"
                for i in range(0, len(rows), _BATCH * 10):
                    copy.write("".join(f"{head}{int(n)}\n" for n in rows[i:i + _BATCH * 10]).encode())
        return
    cur = raw.cursor()
    try:
        for code, rows in topic_rows.items():
            for i in range(0, len(rows), _BATCH):  # in batches: never one tuple per mention of the whole version
                cur.executemany("INSERT INTO topic_row (version_id, topic, row_no) VALUES (?, ?, ?)",
                                [(version_id, code, int(n)) for n in rows[i:i + _BATCH]])
    finally:
        cur.close()


def derive_version(version: FilingVersion, force: bool = False, spooled: Callable[[], SpooledTally | None]
                   | None = None) -> None:
    """Topic and group facts of an accepted CMP version (nothing for other kinds; skipped when
    already derived unless ``force``). ``spooled``: waits for the ingest's tally made beside its
    store (:func:`supervision.topics.beside.start`), if any."""
    if version.filing.kind != FilingKind.CMP:
        return
    inst, period = version.filing.institution_id, version.filing.period_id
    if force or not is_derived(version.id):
        derive_topics(version.id, inst, period, spooled() if spooled is not None else None)
    if force or not groups.is_derived(version.id):
        groups.derive_groups(version.id, inst, period)


def derive_after_accept(version_id: int, spooled: Callable[[], SpooledTally | None] | None = None) -> None:
    """The after-accept derivations of §10 for one version (topics, customer groups); ``spooled``:
    see :func:`derive_version`."""
    version = db.session.get(FilingVersion, version_id)
    if version is not None:
        derive_version(version, spooled=spooled)


def ensure_derived(version: FilingVersion | None) -> None:
    """Derive a counting version's facts when they are missing (versions accepted earlier)."""
    if version is not None:
        derive_version(version)
