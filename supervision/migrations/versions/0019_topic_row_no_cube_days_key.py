"""topic_row names its rows by row_no; cube_days without a surrogate id; ids and codes bytewise

* ``topic_row.row_id`` (the stored row's ``id``) becomes ``row_no`` (the row's number in its
  version's sheet; the version's rows are looked up by ``ix_complaint_row_version_row``). The
  ingest's topic tally is keyed by ``row_no``: its mentions are now copied as they are, where an
  ``INSERT … SELECT`` joined each to the version's stored rows (0.3–0.6 s of PostgreSQL's time at
  200,000 rows, on the path after the commit), and ``K01``'s first ids per topic are read in the
  primary key's order.
* ``cube_days`` loses its ``id`` (a sequence value and a primary-key entry per row: about as much
  as the rest of its ``COPY``); a row is named by its cell and ``days``, and is only ever read and
  deleted by version. On PostgreSQL ``dim_a``/``dim_b`` (ASCII dimension names) take ``COLLATE
  "C"``, so the grain index compares them bytewise. Together: 0.66 → 0.34 s of the server's time
  for the 102,045 rows of a 200,000-row version (issue 12, docs/performance.md).
* On PostgreSQL ``complaint_row.complaint_id`` and ``topic_row.topic`` take ``COLLATE "C"`` too:
  each stored row's entry in ``ix_complaint_row_inst_complaint`` (and each mention's in
  ``pk_topic_row``) was a locale-aware comparison per step down the index. Ids are only compared
  with ids or literals (equality), so no query changes; an ordering by id is now byte order (the
  same as ``C.UTF-8``'s code-point order).

Existing mentions get the ``row_no`` of the row they named. On a large database both tables are
rewritten while the migration holds them: run it in a maintenance window (docs/deploy.md).

Revision ID: 0019_topic_row_no_cube_days_key
Revises: 0018_row_inst_complaint
Create Date: 2026-12-07 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_topic_row_no_cube_days_key'
down_revision = '0018_row_inst_complaint'
branch_labels = None
depends_on = None


#: (table, column, varchar length) compared bytewise on PostgreSQL
BYTEWISE = (("cube_days", "dim_a", 20), ("cube_days", "dim_b", 20), ("topic_row", "topic", 32),
            ("complaint_row", "complaint_id", 64))


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table("topic_row") as b:
        b.add_column(sa.Column("row_no", sa.Integer(), nullable=True))
    if _pg():
        op.execute("UPDATE topic_row AS t SET row_no = c.row_no FROM complaint_row AS c WHERE c.id = t.row_id")
    else:
        op.execute("UPDATE topic_row SET row_no = (SELECT c.row_no FROM complaint_row AS c WHERE c.id = topic_row.row_id)")
    op.execute("DELETE FROM topic_row WHERE row_no IS NULL")  # a mention of no stored row (none is expected)
    with op.batch_alter_table("topic_row", recreate="always" if not _pg() else "auto") as b:
        b.drop_constraint("pk_topic_row", type_="primary")
        b.drop_column("row_id")
        b.alter_column("row_no", existing_type=sa.Integer(), nullable=False)
        b.create_primary_key("pk_topic_row", ["version_id", "topic", "row_no"])

    with op.batch_alter_table("cube_days") as b:
        b.drop_column("id")
    if _pg():
        for table, column, size in BYTEWISE:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({size}) COLLATE "C"')


def downgrade():
    if _pg():
        for table, column, size in BYTEWISE:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({size}) COLLATE "default"')
        op.execute("ALTER TABLE cube_days ADD COLUMN id BIGSERIAL")
        op.execute("ALTER TABLE cube_days ADD CONSTRAINT pk_cube_days PRIMARY KEY (id)")
    else:
        with op.batch_alter_table("cube_days", recreate="always") as b:
            b.add_column(sa.Column("id", sa.Integer(), nullable=False, primary_key=True))

    with op.batch_alter_table("topic_row") as b:
        b.add_column(sa.Column("row_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
    if _pg():
        op.execute("UPDATE topic_row AS t SET row_id = c.id FROM complaint_row AS c "
                   "WHERE c.version_id = t.version_id AND c.row_no = t.row_no")
    else:
        op.execute("UPDATE topic_row SET row_id = (SELECT c.id FROM complaint_row AS c "
                   "WHERE c.version_id = topic_row.version_id AND c.row_no = topic_row.row_no)")
    op.execute("DELETE FROM topic_row WHERE row_id IS NULL")
    with op.batch_alter_table("topic_row", recreate="always" if not _pg() else "auto") as b:
        b.drop_constraint("pk_topic_row", type_="primary")
        b.drop_column("row_no")
        b.alter_column("row_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)
        b.create_primary_key("pk_topic_row", ["version_id", "topic", "row_id"])
