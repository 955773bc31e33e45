"""filing_version.status admits WITHDRAWN (§1.3: filers withdraw their own filings)

The CHECK constraint is relaxed (one more allowed value); no row changes. PostgreSQL replaces the
named constraint. SQLite cannot alter a constraint, and rebuilding ``filing_version`` would
cascade-delete every table that references it (foreign keys are on), so the constraint text is
edited in the schema as SQLite documents for changes that leave every stored row valid
("Making Other Kinds Of Table Schema Changes", lang_altertable.html): writable_schema, bump
schema_version, integrity check.

Revision ID: 0006_version_withdrawn
Revises: 0005_jobs_exports
Create Date: 2026-11-28 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_version_withdrawn'
down_revision = '0005_jobs_exports'
branch_labels = None
depends_on = None

BEFORE = "status IN ('RECEIVED','VALIDATING','REJECTED','VALIDATED','ACCEPTED','RETURNED','SUPERSEDED','FAILED')"
AFTER = ("status IN ('RECEIVED','VALIDATING','REJECTED','VALIDATED','ACCEPTED','RETURNED','SUPERSEDED','FAILED',"
         "'WITHDRAWN')")
NAME = "ck_filing_version_status"


def _sqlite_replace(bind, old: str, new: str) -> None:
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'filing_version'").scalar()
    if old not in sql:
        raise RuntimeError(f"unexpected filing_version schema, {old!r} not found")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'filing_version'",
                         (sql.replace(old, new),))
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    check = bind.exec_driver_sql("PRAGMA integrity_check").scalar()
    if check != "ok":
        raise RuntimeError(f"integrity check after editing the schema: {check}")


def _replace(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_replace(bind, old, new)
    else:
        op.drop_constraint(op.f(NAME), "filing_version", type_="check")
        op.create_check_constraint(op.f(NAME), "filing_version", new)


def upgrade():
    _replace(BEFORE, AFTER)


def downgrade():
    if op.get_bind().exec_driver_sql("SELECT count(*) FROM filing_version WHERE status = 'WITHDRAWN'").scalar():
        raise RuntimeError("withdrawn versions exist; they cannot be stored without the WITHDRAWN state")
    _replace(AFTER, BEFORE)
