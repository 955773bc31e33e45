"""complaint_row: the index (version_id, business_category) dropped

Every stored row paid for it (0.3-0.4 s of the store of a 200,000-row version on SQLite, 0.2-0.7 s
of PostgreSQL's ``COPY``; issue 12, docs/performance.md) for one reader: the complaint-row list
filtered by business category, which now reads the version's rows through
``ix_complaint_row_version_row`` like its ten other code filters (count of a rare category in a
200,000-row version on SQLite: 8 → 48 ms).

Revision ID: 0016_drop_version_category_index
Revises: 0015_version_key_triggers
Create Date: 2026-12-06 23:40:00
"""
from alembic import op

revision = '0016_drop_version_category_index'
down_revision = '0015_version_key_triggers'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_complaint_row_version_category", table_name="complaint_row")


def downgrade():
    op.create_index("ix_complaint_row_version_category", "complaint_row", ["version_id", "business_category"],
                    unique=False)
