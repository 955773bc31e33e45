"""The search's trigram index moves from complaint_row to complaint_summary, filled after each
version's commit (issue 12: the index cost 1.1–5 s of the store of a 200,000-row version on
PostgreSQL)

Revision ID: 0014_complaint_summary
Revises: 0013_api_tokens
Create Date: 2026-12-06 12:00:00

On PostgreSQL the summaries of every stored version are copied over before the index is built (one
bulk build is much cheaper than keeping the index up row by row). On SQLite the table stays empty:
the search scans there, as before.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_complaint_summary'
down_revision = '0013_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_summary',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('row_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['filing_version.id'], name=op.f('fk_complaint_summary_version_id_filing_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'row_id', name=op.f('pk_complaint_summary'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO complaint_summary (version_id, row_id, summary) "
                   "SELECT version_id, id, summary FROM complaint_row WHERE summary IS NOT NULL")
    op.create_index("ix_complaint_summary_trgm", "complaint_summary", ["summary"], unique=False,
                    postgresql_using="gin", postgresql_ops={"summary": "gin_trgm_ops"}, sqlite_where=sa.text("0"))
    op.drop_index("ix_complaint_row_summary_trgm", table_name="complaint_row")


def downgrade():
    op.create_index("ix_complaint_row_summary_trgm", "complaint_row", ["summary"], unique=False,
                    postgresql_using="gin", postgresql_ops={"summary": "gin_trgm_ops"}, sqlite_where=sa.text("0"))
    op.drop_index("ix_complaint_summary_trgm", table_name="complaint_summary")
    op.drop_table('complaint_summary')
