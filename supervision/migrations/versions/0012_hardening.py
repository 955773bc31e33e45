"""hardening (issue 11): processing lease of a filing version; per-account login back-off; dry runs

* ``filing_version.lease_until``: renewed by the job processing the version; a version VALIDATING
  past it is recovered as FAILED. Added in place (ALTER TABLE ADD COLUMN): rebuilding
  ``filing_version`` on SQLite would cascade to its rows.
* ``login_throttle``: failed logins per account and per (account, address), for the exponential
  back-off of ``supervision.accounts.throttle``.
* ``dry_run``: dry runs as background work (the file in a temporary area, the report until read).

Revision ID: 0012_hardening
Revises: 0011_topics_groups
Create Date: 2026-12-04 22:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012_hardening'
down_revision = '0011_topics_groups'
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
    op.create_table(
        "dry_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"], name=op.f("fk_dry_run_institution_id_institution"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"], name=op.f("fk_dry_run_period_id_period"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_dry_run_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dry_run")),
    )
    op.create_index(op.f("ix_dry_run_user_id"), "dry_run", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_dry_run_user_id"), table_name="dry_run")
    op.drop_table("dry_run")
    op.drop_table("login_throttle")
    with op.batch_alter_table("filing_version", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("lease_until")
