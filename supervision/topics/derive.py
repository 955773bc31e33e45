"""Deriving a version's topic facts (§10.2) and group facts at acceptance; flushes only.

:func:`derive_after_accept` is the one call of the after-accept hook
(:func:`supervision.checks.engine.run_after_accept`); :func:`ensure_derived` fills in versions that
were accepted before the derivations existed (the period checks call it).
"""

from __future__ import annotations

import json
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
#: topic mentions joined to their rows per statement
_PAIRS = 250_000


def is_derived(version_id: int) -> bool:
    """Whether the version's topic counts are stored (one row per lexicon topic once derived)."""
    return bool(db.session.scalar(select(exists().where(TopicCount.version_id == version_id))))


def derive_topics(version_id: int, institution_id: int, period_id: int,
                  spooled: SpooledTally | None = None) -> dict[str, int]:
    """(Re)compute the version's topic counts, topic rows and top terms over its received rows.

    ``spooled``: the tally the ingest made beside its store (:mod:`supervision.topics.beside`), keyed
    by ``row_no``: its rows are mapped to the stored rows' ids; without it the stored rows are read
    and segmented here."""
    for model in (TopicCount, TopicRow, TopicTerm):
        db.session.execute(delete(model).where(model.version_id == version_id))
    c = ComplaintRow
    tally = Tally()
    if spooled is None:
        result = db.session.execute(select(c.id, c.summary).where(c.version_id == version_id,
                                                                  c.carried_over.is_(False))
                                    .execution_options(yield_per=_BATCH))
        for row_id, summary in result:
            tally.add(row_id, summary)
        top_terms = tally.top_terms()
    else:
        tally.topic_rows = spooled.topic_rows  # by row_no: mapped to the rows' ids by the insert below
        top_terms = spooled.top_terms
    counts = tally.topic_counts()
    db.session.execute(insert(TopicCount.__table__), [
        {"version_id": version_id, "topic": code, "institution_id": institution_id, "period_id": period_id,
         "count": n} for code, n in counts.items()])
    if spooled is None:
        _insert_topic_rows(version_id, tally.topic_rows)
    else:
        _insert_topic_rows_by_row_no(version_id, spooled.topic_rows)
    terms = [{"version_id": version_id, "term": term[:64], "rank": n, "count": count}
             for n, (term, count) in enumerate(top_terms, start=1)]
    if terms:
        db.session.execute(insert(TopicTerm.__table__), terms)
    db.session.flush()
    return counts


def _insert_topic_rows_by_row_no(version_id: int, topic_rows: dict[str, list[int]]) -> None:
    """Insert (version, topic, row id) for rows given by ``row_no`` (the spooled tally), joining the
    row numbers to the version's stored rows in SQL, so that no ``row_no → id`` map of the whole
    version is read into Python: on SQLite one ``INSERT … SELECT`` per topic over a JSON array
    (``json_each``), each number looked up in ``ix_complaint_row_version_row``; on PostgreSQL one
    statement over two parallel arrays (``unnest``: a single hash join with the version's rows).
    Every row number must match one stored row of the version (else ``LookupError``: the caller's
    transaction is then rolled back)."""
    conn = db.session.connection()
    cur = conn.connection.dbapi_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            # each topic's row numbers go as one comma-separated text (split by the server): binding
            # tens of thousands of integers one by one costs more client CPU than the join itself
            for part in _topic_parts(topic_rows):
                cur.execute("INSERT INTO topic_row (version_id, topic, row_id) SELECT %s, t.topic, c.id "
                            "FROM unnest(%s::text[], %s::text[]) AS t(topic, numbers) "
                            "CROSS JOIN LATERAL unnest(string_to_array(t.numbers, ',')::integer[]) AS u(n) "
                            "JOIN complaint_row AS c ON c.version_id = %s AND c.row_no = u.n",
                            (version_id, [code for code, _rows in part],
                             [",".join(map(str, rows)) for _code, rows in part], version_id))
                _found(cur.rowcount, sum(len(rows) for _code, rows in part), version_id)
            return
        for code, rows in topic_rows.items():  # CROSS JOIN: SQLite loops over the numbers, then the index
            for i in range(0, len(rows), _PAIRS):
                part = rows[i:i + _PAIRS]
                cur.execute("INSERT INTO topic_row (version_id, topic, row_id) SELECT ?, ?, c.id "
                            "FROM json_each(?) AS j CROSS JOIN complaint_row AS c "
                            "ON c.version_id = ? AND c.row_no = j.value",
                            (version_id, code, json.dumps(part), version_id))
                _found(cur.rowcount, len(part), version_id)
    finally:
        cur.close()


def _topic_parts(topic_rows: dict[str, list[int]]) -> list[list[tuple[str, list[int]]]]:
    """``topic_rows`` as statements of at most :data:`_PAIRS` mentions each: lists of (topic, row
    numbers), a topic with more mentions than that split across statements, in order."""
    parts: list[list[tuple[str, list[int]]]] = [[]]
    room = _PAIRS
    for code, rows in topic_rows.items():
        start = 0
        while start < len(rows):
            if room == 0:
                parts.append([])
                room = _PAIRS
            piece = rows[start:start + room]
            parts[-1].append((code, piece))
            start += len(piece)
            room -= len(piece)
    return [p for p in parts if p]


def _found(inserted: int, given: int, version_id: int) -> None:
    if inserted != given:
        raise LookupError(f"{inserted} of {given} topic mentions matched a stored row of version {version_id}")


def _insert_topic_rows(version_id: int, topic_rows: dict[str, list[int]]) -> None:
    """Bulk insert of (version, topic, row id) on the session's connection: ``COPY`` on PostgreSQL,
    ``executemany`` of tuples on SQLite (tens of thousands of mentions: no dict or ORM row each)."""
    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy("COPY topic_row (version_id, topic, row_id) FROM STDIN") as copy:
            for code, ids in topic_rows.items():
                # COPY's text format written per topic in one piece (version and row ids are
                # integers, topic codes are the lexicon's own: nothing to escape)
                if any(ch in code for ch in "\t\n\r\\"):
                    raise ValueError(f"topic code {code!r} cannot be written to COPY as it is")
                head = f"{int(version_id)}\t{code}\t"
                for i in range(0, len(ids), _BATCH * 10):
                    copy.write("".join(f"{head}{int(rid)}\n" for rid in ids[i:i + _BATCH * 10]).encode())
        return
    cur = raw.cursor()
    try:
        for code, ids in topic_rows.items():
            for i in range(0, len(ids), _BATCH):  # in batches: never one tuple per mention of the whole version
                cur.executemany("INSERT INTO topic_row (version_id, topic, row_id) VALUES (?, ?, ?)",
                                [(version_id, code, rid) for rid in ids[i:i + _BATCH]])
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
