"""The version key of the bulk-loaded tables on PostgreSQL: checked once per statement, not per row.

``complaint_row.version_id`` and ``topic_row.version_id`` reference ``filing_version.id`` (declared
on the models). A foreign key checks every inserted row on its own: on PostgreSQL one trigger call
and one index probe per row, 0.6 s of the ``COPY`` of a 200,000-row version and 0.3 s of its 60,000
topic rows (docs/performance.md). Migration ``0015`` replaces those two keys on PostgreSQL by
triggers that keep the same guarantees for whole statements:

* **insert / update** (``sv_version_key_check``, ``AFTER … FOR EACH STATEMENT`` over the statement's
  transition table): every distinct ``version_id`` written must be a ``filing_version`` row; those
  rows are locked ``FOR KEY SHARE`` first, exactly as the foreign key locks its parent row, so that
  a version cannot be deleted while rows for it are written. A violation raises SQLSTATE ``23503``
  (``foreign_key_violation``, an ``IntegrityError``) naming the constraint, like the key did;
* **delete of a version** (``sv_version_key_cascade``): its rows in both tables are deleted
  (``ON DELETE CASCADE``);
* **change of a version's id** (``sv_version_key_restrict``): refused while rows reference it (the
  key's ``NO ACTION``).

SQLite keeps the declared foreign keys: its check is a primary-key probe inside the insert loop and
costs nothing measurable there. Alembic must not add the keys back on PostgreSQL:
:func:`include_object` leaves them out of its comparison (``migrations/env.py`` and
``tests/test_migrations.py``).
"""

from __future__ import annotations

from collections.abc import Callable

#: the foreign keys enforced by the triggers on PostgreSQL (table, constraint name)
KEYS = (("complaint_row", "fk_complaint_row_version_id_filing_version"),
        ("topic_row", "fk_topic_row_version_id_filing_version"))


def include_object(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for a database of ``dialect``: on PostgreSQL the foreign keys of
    :data:`KEYS` are not compared (triggers enforce them there); everything else is."""
    names = {name for _table, name in KEYS} if dialect == "postgresql" else set()

    def include(obj, name, type_, reflected, compare_to) -> bool:
        return not (type_ == "foreign_key_constraint" and name in names)

    return include
