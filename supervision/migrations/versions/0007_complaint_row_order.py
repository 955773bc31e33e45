"""complaint rows: index (version_id, row_no); no foreign keys on the copied institution and period

A version's rows in sheet order come from the new index. ``institution_id`` and ``period_id`` are
copies of the version's filing's, written by the loader in the version's transaction; their own
foreign keys (checked for every row) tripled the bulk-load time and protect nothing the version's
key does not (see docs/decisions.md).

Revision ID: 0007_complaint_row_order
Revises: 0006_version_withdrawn
Create Date: 2026-12-04 19:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_complaint_row_order'
down_revision = '0006_version_withdrawn'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint_row', schema=None) as batch_op:
        batch_op.drop_constraint('fk_complaint_row_institution_id_institution', type_='foreignkey')
        batch_op.drop_constraint('fk_complaint_row_period_id_period', type_='foreignkey')
        batch_op.create_index('ix_complaint_row_version_row', ['version_id', 'row_no'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_row', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_row_version_row')
        batch_op.create_foreign_key('fk_complaint_row_period_id_period', 'period', ['period_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_foreign_key('fk_complaint_row_institution_id_institution', 'institution',
                                    ['institution_id'], ['id'], ondelete='RESTRICT')
