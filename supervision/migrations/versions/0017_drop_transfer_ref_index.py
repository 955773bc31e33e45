"""complaint_row: the index on transfer_ref dropped

No query reads ``complaint_row`` by ``transfer_ref``: the §6 register checks (X01, X02) take a
version's references through its ``version_id`` (``ix_complaint_row_version_row``), and the register
is looked up on ``register_entry``. Every stored row paid for the index all the same, most of them
for a NULL (rows not transferred by a regulator): 0.09 s of SQLite's copy of a 200,000-row version
and a share of PostgreSQL's ``COPY`` (issue 12, docs/performance.md).

Revision ID: 0017_drop_transfer_ref_index
Revises: 0016_drop_version_category_index
Create Date: 2026-12-07 02:50:00
"""
from alembic import op

revision = '0017_drop_transfer_ref_index'
down_revision = '0016_drop_version_category_index'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_complaint_row_transfer_ref", table_name="complaint_row")


def downgrade():
    op.create_index("ix_complaint_row_transfer_ref", "complaint_row", ["transfer_ref"], unique=False)
