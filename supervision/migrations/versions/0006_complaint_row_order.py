"""complaint rows: index (version_id, row_no) — a version's rows in sheet order

Revision ID: 0006_complaint_row_order
Revises: 0005_jobs_exports
Create Date: 2026-12-04 19:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_complaint_row_order'
down_revision = '0005_jobs_exports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint_row', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_row_version_row', ['version_id', 'row_no'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_row', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_row_version_row')
