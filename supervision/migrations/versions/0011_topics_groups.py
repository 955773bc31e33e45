"""topics and customer groups per version (spec §10.2, issue 15); the 通报 document in the export archive

* ``topic_count``, ``topic_row``, ``topic_term``: per accepted CMP version, the rows mentioning each
  lexicon topic and the most frequent other terms (derived at acceptance; removed with the version).
* ``group_fact``, ``group_cause``: per version and ``customer_group``, the counts of the
  vulnerable-group lens and the causes of each group.
* ``complaint_row``: on PostgreSQL a trigram GIN index on ``summary`` (extension ``pg_trgm``) for the
  full-text search of summaries (``LIKE '%…%'`` works for Chinese with trigrams); on SQLite an empty
  partial index of the same name (``WHERE 0``: no entries, no cost), so both have one schema.
* ``export.kind`` admits ``notice`` (the 通报 ``.docx``). SQLite rebuilds ``export`` in batch mode;
  dropping the old table would cascade to ``export_institution``, so its rows are kept aside and
  put back.

Revision ID: 0011_topics_groups
Revises: 0010_analytics_cube
Create Date: 2026-12-04 22:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011_topics_groups'
down_revision = '0010_analytics_cube'
branch_labels = None
depends_on = None

OLD_KINDS = ("summary", "feedback", "csv", "json")
NEW_KINDS = (*OLD_KINDS, "notice")


def _export_kinds(kinds) -> None:
    bind = op.get_bind()
    links = sa.table("export_institution", sa.column("export_id", sa.Integer), sa.column("institution_id", sa.Integer),
                     sa.column("data_kind", sa.String))
    kept = [dict(r._mapping) for r in bind.execute(sa.select(links))] if bind.dialect.name == "sqlite" else []
    with op.batch_alter_table("export", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_export_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_export_kind"), "kind IN (" + ",".join(f"'{k}'" for k in kinds)
                                         + ")")
    if kept:
        bind.execute(links.delete())
        bind.execute(links.insert(), kept)


def upgrade():
    op.create_table('topic_count',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['filing_version.id'], name=op.f('fk_topic_count_version_id_filing_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'topic', name=op.f('pk_topic_count'))
    )
    with op.batch_alter_table('topic_count', schema=None) as batch_op:
        batch_op.create_index('ix_topic_count_inst_period', ['institution_id', 'period_id'], unique=False)
    op.create_table('topic_row',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('row_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['filing_version.id'], name=op.f('fk_topic_row_version_id_filing_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'topic', 'row_id', name=op.f('pk_topic_row'))
    )
    op.create_table('topic_term',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=64), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['filing_version.id'], name=op.f('fk_topic_term_version_id_filing_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'term', name=op.f('pk_topic_term'))
    )
    op.create_table('group_fact',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('customer_group', sa.String(length=10), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('closed', sa.BigInteger(), nullable=False),
    sa.Column('on_time', sa.BigInteger(), nullable=False),
    sa.Column('favourable', sa.BigInteger(), nullable=False),
    sa.Column('escalated', sa.BigInteger(), nullable=False),
    sa.Column('days_sum', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['filing_version.id'], name=op.f('fk_group_fact_version_id_filing_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'customer_group', name=op.f('pk_group_fact'))
    )
    with op.batch_alter_table('group_fact', schema=None) as batch_op:
        batch_op.create_index('ix_group_fact_inst_period', ['institution_id', 'period_id'], unique=False)
    op.create_table('group_cause',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('customer_group', sa.String(length=10), nullable=False),
    sa.Column('cause', sa.String(length=4), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['filing_version.id'], name=op.f('fk_group_cause_version_id_filing_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'customer_group', 'cause', name=op.f('pk_group_cause'))
    )
    _export_kinds(NEW_KINDS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_complaint_row_summary_trgm", "complaint_row", ["summary"], unique=False,
                    postgresql_using="gin", postgresql_ops={"summary": "gin_trgm_ops"}, sqlite_where=sa.text("0"))


def downgrade():
    op.drop_index("ix_complaint_row_summary_trgm", table_name="complaint_row")
    op.get_bind().exec_driver_sql("DELETE FROM export WHERE kind = 'notice'")
    _export_kinds(OLD_KINDS)
    op.drop_table('group_cause')
    with op.batch_alter_table('group_fact', schema=None) as batch_op:
        batch_op.drop_index('ix_group_fact_inst_period')
    op.drop_table('group_fact')
    op.drop_table('topic_term')
    op.drop_table('topic_row')
    with op.batch_alter_table('topic_count', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_count_inst_period')
    op.drop_table('topic_count')
