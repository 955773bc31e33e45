"""complaint_row: one index (institution_id, complaint_id) for (complaint_id) and (institution_id, period_id)

Complaint ids are the institution's own (spec §4.2): every query that looks rows up by id also
names the institution — P02's earlier receipt dates, C09's look-up of earlier complaints, the
drill-down's ``ids`` and the §6 facts of a version's own rows — and no query reads rows by
(institution, period) without their version. One index on (institution_id, complaint_id) serves
them all, without probing other institutions' rows that carry the same id, and every stored row pays
for one index instead of two: 0.3 s of the server's CPU in PostgreSQL's ``COPY`` of a 200,000-row
version (issue 12, docs/performance.md).

On a large ``complaint_row`` the new index is built while the migration holds the table: run it in a
maintenance window (docs/deploy.md).

Revision ID: 0018_row_inst_complaint
Revises: 0017_drop_transfer_ref_index
Create Date: 2026-12-07 05:30:00
"""
from alembic import op

revision = '0018_row_inst_complaint'
down_revision = '0017_drop_transfer_ref_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_complaint_row_inst_complaint", "complaint_row", ["institution_id", "complaint_id"],
                    unique=False)
    op.drop_index("ix_complaint_row_complaint_id", table_name="complaint_row")
    op.drop_index("ix_complaint_row_inst_period", table_name="complaint_row")


def downgrade():
    op.create_index("ix_complaint_row_inst_period", "complaint_row", ["institution_id", "period_id"], unique=False)
    op.create_index("ix_complaint_row_complaint_id", "complaint_row", ["complaint_id"], unique=False)
    op.drop_index("ix_complaint_row_inst_complaint", table_name="complaint_row")
