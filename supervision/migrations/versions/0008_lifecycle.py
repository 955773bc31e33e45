"""filing lifecycle: accepted_at, institutions' active quarters, remediation overdue, parameters,
sector-scoped snapshots

* ``filing_version.accepted_at`` (lead's decision 2): ACCEPTED rows get their ``status_changed_at``;
  SUPERSEDED rows the time of their last audited move to ACCEPTED (best effort: versions superseded
  without such an audit record stay NULL, i.e. "never accepted", and are never reinstated).
* ``institution.active_from`` / ``active_until`` (decision 5): ``active_from`` = the earliest period
  with any version of the institution, else the quarter of its creation (Asia/Shanghai);
  ``active_until`` = NULL, or the last completed quarter for institutions already inactive.
* ``finding.remediation_overdue_at``: set by the daily remediation job.
* ``parameter``: §6/§8 *(config)* values set by administrators (decision 7).
* ``league_snapshot.sectors`` (decision 6): existing snapshots were whole-table publications, so
  they cover every sector.

Columns are added (never a table rebuild: on SQLite that would cascade through the foreign keys);
NOT NULL columns arrive with a temporary default that is filled and, on PostgreSQL, dropped.

Revision ID: 0008_lifecycle
Revises: 0007_complaint_row_order
Create Date: 2026-12-04 19:12:16.963781

"""
import json
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_lifecycle'
down_revision = '0007_complaint_row_order'
branch_labels = None
depends_on = None

SECTORS = ["PAY", "CF", "BANK", "INS", "AUTO"]
SHANGHAI = timezone(timedelta(hours=8))


def _quarter(moment) -> str:
    if moment is None:
        moment = datetime.now(timezone.utc)
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def _previous(code: str) -> str:
    year, quarter = int(code[:4]), int(code[5])
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def _detail(raw):
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}


def upgrade():
    op.create_table('parameter',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_parameter_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_parameter'))
    )
    op.add_column('filing_version', sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('finding', sa.Column('remediation_overdue_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('institution', sa.Column('active_from', sa.String(length=6), nullable=False,
                                           server_default='2000Q1'))
    op.add_column('institution', sa.Column('active_until', sa.String(length=6), nullable=True))
    op.add_column('league_snapshot', sa.Column('sectors', sa.JSON(), nullable=False, server_default='[]'))
    bind = op.get_bind()
    _accepted_at(bind)
    _active_quarters(bind)
    bind.execute(sa.text("UPDATE league_snapshot SET sectors = :s"), {"s": json.dumps(SECTORS)})
    if bind.dialect.name == "postgresql":
        op.alter_column('institution', 'active_from', server_default=None)
        op.alter_column('league_snapshot', 'sectors', server_default=None)


def _accepted_at(bind) -> None:
    bind.execute(sa.text("UPDATE filing_version SET accepted_at = status_changed_at WHERE status = 'ACCEPTED'"))
    superseded = {row[0] for row in bind.execute(sa.text(
        "SELECT id FROM filing_version WHERE status = 'SUPERSEDED'"))}
    if not superseded:
        return
    last: dict[int, object] = {}
    rows = bind.execute(sa.text(
        "SELECT object_id, at, detail FROM audit_event WHERE action = 'filing_status' "
        "AND object_type = 'filing_version' ORDER BY id"))
    for object_id, at, detail in rows:
        if object_id is None or not str(object_id).isdigit() or int(object_id) not in superseded:
            continue
        if _detail(detail).get("to") == "ACCEPTED":
            last[int(object_id)] = at
    for version_id, at in last.items():
        bind.execute(sa.text("UPDATE filing_version SET accepted_at = :at WHERE id = :id"),
                     {"at": at, "id": version_id})


def _active_quarters(bind) -> None:
    earliest = dict(bind.execute(sa.text(
        "SELECT f.institution_id, MIN(p.code) FROM filing f JOIN period p ON p.id = f.period_id "
        "JOIN filing_version v ON v.filing_id = f.id GROUP BY f.institution_id")).all())
    last_completed = _previous(_quarter(None))
    for inst_id, created_at, active in bind.execute(sa.text("SELECT id, created_at, active FROM institution")).all():
        start = earliest.get(inst_id) or _quarter(created_at)
        until = None
        if not active:
            until = max(last_completed, start)
        bind.execute(sa.text("UPDATE institution SET active_from = :f, active_until = :u WHERE id = :id"),
                     {"f": start, "u": until, "id": inst_id})


def downgrade():
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch rebuild would cascade on SQLite
    for table, column in (("league_snapshot", "sectors"), ("institution", "active_until"),
                          ("institution", "active_from"), ("finding", "remediation_overdue_at"),
                          ("filing_version", "accepted_at")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table('parameter')
