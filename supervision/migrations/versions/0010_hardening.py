"""hardening (issue 11): processing lease of a filing version; per-account login back-off

* ``filing_version.lease_until``: renewed by the job processing the version; a version VALIDATING
  past it is recovered as FAILED. Added in place (ALTER TABLE ADD COLUMN): rebuilding
  ``filing_version`` on SQLite would cascade to its rows.
* ``login_throttle``: failed logins per account and per (account, address), for the exponential
  back-off of ``supervision.accounts.throttle``.

Revision ID: 0010_hardening
Revises: 0009_notices_register_scope
Create Date: 2026-12-04 22:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010_hardening'
down_revision = '0009_notices_register_scope'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("filing_version", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )


def downgrade():
    op.drop_table("login_throttle")
    with op.batch_alter_table("filing_version", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("lease_until")
