"""PostgreSQL: the version keys of complaint_row and topic_row checked once per statement

The foreign keys ``complaint_row.version_id`` and ``topic_row.version_id`` → ``filing_version.id``
are replaced, on PostgreSQL only, by statement-level triggers with the same guarantees (existence
with a ``FOR KEY SHARE`` lock on insert and update, cascade on delete, no change of a referenced
id): a per-row check cost 0.6 s of the ``COPY`` of a 200,000-row version and 0.3 s of its topic
rows (issue 12; see supervision/versionkeys.py and docs/decisions.md). SQLite keeps its keys.

Revision ID: 0015_version_key_triggers
Revises: 0014_complaint_summary
Create Date: 2026-12-06 17:10:00
"""
from alembic import op

revision = '0015_version_key_triggers'
down_revision = '0014_complaint_summary'
branch_labels = None
depends_on = None

TABLES = ("complaint_row", "topic_row")

CHECK = """
CREATE FUNCTION sv_version_key_check() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    missing integer;
BEGIN
    -- the parent rows are locked as a foreign key locks them, once per statement
    PERFORM 1 FROM filing_version v WHERE v.id IN (SELECT DISTINCT n.version_id FROM new_rows n)
        FOR KEY SHARE OF v;
    SELECT n.version_id INTO missing FROM (SELECT DISTINCT version_id FROM new_rows) n
        WHERE NOT EXISTS (SELECT 1 FROM filing_version v WHERE v.id = n.version_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            CONSTRAINT = 'fk_' || TG_TABLE_NAME || '_version_id_filing_version',
            MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"', TG_TABLE_NAME,
                             'fk_' || TG_TABLE_NAME || '_version_id_filing_version'),
            DETAIL = format('Key (version_id)=(%s) is not present in table "filing_version".',
                            coalesce(missing::text, 'NULL'));
    END IF;
    RETURN NULL;
END
$f$
"""

CASCADE = """
CREATE FUNCTION sv_version_key_cascade() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    DELETE FROM topic_row WHERE version_id IN (SELECT id FROM old_versions);
    DELETE FROM complaint_row WHERE version_id IN (SELECT id FROM old_versions);
    RETURN NULL;
END
$f$
"""

RESTRICT = """
CREATE FUNCTION sv_version_key_restrict() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF EXISTS (SELECT 1 FROM complaint_row WHERE version_id = OLD.id)
            OR EXISTS (SELECT 1 FROM topic_row WHERE version_id = OLD.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('update on table "filing_version" would orphan the rows of version %s', OLD.id);
    END IF;
    RETURN NEW;
END
$f$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(CHECK)
    op.execute(CASCADE)
    op.execute(RESTRICT)
    for table in TABLES:
        op.drop_constraint(f"fk_{table}_version_id_filing_version", table, type_="foreignkey")
        # transition tables allow one event per trigger: one for inserts (COPY included), one for updates
        for event in ("INSERT", "UPDATE"):
            op.execute(f"CREATE TRIGGER sv_{table}_version_key_{event.lower()} AFTER {event} ON {table} "
                       f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sv_version_key_check()")
    op.execute("CREATE TRIGGER sv_filing_version_key_cascade AFTER DELETE ON filing_version "
               "REFERENCING OLD TABLE AS old_versions FOR EACH STATEMENT EXECUTE FUNCTION sv_version_key_cascade()")
    op.execute("CREATE TRIGGER sv_filing_version_key_restrict BEFORE UPDATE OF id ON filing_version "
               "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION sv_version_key_restrict()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER sv_filing_version_key_restrict ON filing_version")
    op.execute("DROP TRIGGER sv_filing_version_key_cascade ON filing_version")
    for table in TABLES:
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER sv_{table}_version_key_{event} ON {table}")
        op.create_foreign_key(f"fk_{table}_version_id_filing_version", table, "filing_version", ["version_id"], ["id"],
                              ondelete="CASCADE")
    for fn in ("sv_version_key_restrict", "sv_version_key_cascade", "sv_version_key_check"):
        op.execute(f"DROP FUNCTION {fn}()")
