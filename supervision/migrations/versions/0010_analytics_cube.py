"""the complaint cube (spec §10.1): cube_cell and cube_days per filing version

Both tables are new and empty; ``cube_days`` has no foreign key (one referential check per row
doubled the time to write a version's histogram; it is deleted with the version's cells); versions accepted before this revision get their cube with
``flask analytics-backfill`` (idempotent, resumable: it derives only versions without a cube).

Revision ID: 0010_analytics_cube
Revises: 0009_notices_register_scope
Create Date: 2026-12-04 22:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010_analytics_cube'
down_revision = '0009_notices_register_scope'
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _grain():
    return [sa.Column('dim_a', sa.String(length=20), nullable=False),
            sa.Column('val_a', sa.String(length=12), nullable=False),
            sa.Column('dim_b', sa.String(length=20), nullable=False),
            sa.Column('val_b', sa.String(length=12), nullable=False)]


def upgrade():
    op.create_table(
        'cube_cell',
        sa.Column('id', BIGID, nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        *_grain(),
        *[sa.Column(n, sa.BigInteger(), nullable=False)
          for n in ('received', 'closed', 'on_time', 'favourable', 'escalated', 'extended')],
        sa.Column('amount_sum', sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column('redress_sum', sa.Numeric(precision=20, scale=2), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['filing_version.id'],
                                name=op.f('fk_cube_cell_version_id_filing_version'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cube_cell')),
    )
    with op.batch_alter_table('cube_cell', schema=None) as batch_op:
        batch_op.create_index('ix_cube_cell_version_grain', ['version_id', 'dim_a', 'dim_b'], unique=False)
        batch_op.create_index('ix_cube_cell_period_grain', ['period_id', 'dim_a', 'dim_b'], unique=False)
    op.create_table(
        'cube_days',
        sa.Column('id', BIGID, nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        *_grain(),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('closed_rows', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cube_days')),
    )
    with op.batch_alter_table('cube_days', schema=None) as batch_op:
        batch_op.create_index('ix_cube_days_version_grain', ['version_id', 'dim_a', 'dim_b'], unique=False)


def downgrade():
    with op.batch_alter_table('cube_days', schema=None) as batch_op:
        batch_op.drop_index('ix_cube_days_version_grain')
    op.drop_table('cube_days')
    with op.batch_alter_table('cube_cell', schema=None) as batch_op:
        batch_op.drop_index('ix_cube_cell_period_grain')
        batch_op.drop_index('ix_cube_cell_version_grain')
    op.drop_table('cube_cell')
