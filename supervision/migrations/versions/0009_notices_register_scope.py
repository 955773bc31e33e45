"""notifications for every event that asks someone to act; register uploads scoped by agency; display names

* ``notification.kind``: longer (``remediation_overdue``) and admits the new kinds of
  :class:`supervision.domain.enums.NotificationKind` (filing returned/rejected, finding answered,
  referral received/accepted/answered/declined, remediation due/overdue, period about to lock).
  Nothing references ``notification``, so SQLite rebuilds it (batch mode) and PostgreSQL alters it.
* ``register_upload.agency_id``: the agency of the supervisor who uploaded it (the report of an
  upload is shown to supervisors of that agency and the agencies above it, issue 10 item 6);
  filled from the uploader's agency. ``register_entry`` references ``register_upload`` with
  ON DELETE CASCADE, so the column is added in place (ALTER TABLE ADD COLUMN) — rebuilding the
  table on SQLite would delete every entry — and it carries no foreign key (agencies are never
  deleted; SQLite cannot drop a column that has one, which the downgrade needs).
* ``user_account.name``: names that were only the e-mail's local part (filled in when no name was
  given) are cleared, so the page asks for a display name instead of greeting "analyst".

Revision ID: 0009_notices_register_scope
Revises: 0008_lifecycle
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009_notices_register_scope'
down_revision = '0008_lifecycle'
branch_labels = None
depends_on = None

OLD_KINDS = ("reminder", "finding_opened", "job_failed")
NEW_KINDS = ("reminder", "filing_returned", "filing_rejected", "finding_opened", "finding_answered",
             "referral_received", "referral_accepted", "referral_answered", "referral_declined", "remediation_due",
             "remediation_overdue", "period_locking", "job_failed")


def _kinds(kinds) -> str:
    return "kind IN (" + ",".join(f"'{k}'" for k in kinds) + ")"


def _notification_kinds(kinds, length: int) -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.alter_column("kind", existing_type=sa.String(length=24 if length == 16 else 16),
                              type_=sa.String(length=length), existing_nullable=False)
        batch_op.create_check_constraint(op.f("ck_notification_kind"), _kinds(kinds))


def upgrade():
    _notification_kinds(NEW_KINDS, 24)
    bind = op.get_bind()
    bind.exec_driver_sql("ALTER TABLE register_upload ADD COLUMN agency_id INTEGER")
    bind.exec_driver_sql(
        "UPDATE register_upload SET agency_id = (SELECT u.agency_id FROM user_account u "
        "WHERE u.id = register_upload.uploaded_by_id)")
    users = sa.table("user_account", sa.column("id", sa.Integer), sa.column("email", sa.String),
                     sa.column("name", sa.String))
    for uid, email, name in bind.execute(sa.select(users.c.id, users.c.email, users.c.name)).all():
        if name and name == (email or "").split("@")[0]:
            bind.execute(users.update().where(users.c.id == uid).values(name=""))


def downgrade():
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT count(*) FROM notification WHERE kind NOT IN ("
                            + ",".join(f"'{k}'" for k in OLD_KINDS) + ")").scalar():
        bind.exec_driver_sql("DELETE FROM notification WHERE kind NOT IN (" + ",".join(f"'{k}'" for k in OLD_KINDS)
                             + ")")
    _notification_kinds(OLD_KINDS, 16)
    bind.exec_driver_sql("ALTER TABLE register_upload DROP COLUMN agency_id")
