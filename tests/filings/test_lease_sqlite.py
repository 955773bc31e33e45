"""Taking a processing lease on SQLite after another connection has written (the stale-read case).

With the platform's explicit ``BEGIN`` on SQLite, a session that has read since its last commit holds
a read snapshot; when another connection commits a write meanwhile, the session's next write fails at
once with "database is locked" (the busy timeout does not apply to upgrading a stale snapshot). Two
concurrent API submissions hit this in ``take_lease`` and answered 500 under load
(``tests/api/test_filings_api.py::test_concurrent_submissions_get_consecutive_versions``). SQLite
only: PostgreSQL has no such upgrade.
"""

from __future__ import annotations

from sqlalchemy import select, text

from tests.conftest import make_app


def test_take_lease_survives_a_write_committed_after_its_read(tmp_path):
    from supervision.extensions import db
    from supervision.filings.models import FilingVersion
    from supervision.filings.recovery import take_lease
    from tests.factories import build_world

    app = make_app("sqlite", tmp_path / "lease")
    with app.app_context():
        world = build_world(db)
        db.session.commit()
        vid = world.filing_a.versions[0].id
        db.session.execute(text("UPDATE filing_version SET status = 'RECEIVED' WHERE id = :v"), {"v": vid})
        db.session.commit()
        # this session reads (its snapshot starts here) ...
        assert db.session.scalar(select(FilingVersion.status).where(FilingVersion.id == vid)) == "RECEIVED"
        # ... another connection writes and commits ...
        with db.engine.connect() as other:
            other.execute(text("UPDATE filing_version SET original_filename = 'other.xlsx' WHERE id = :v"),
                          {"v": vid})
            other.commit()
        # ... and the lease is still taken (before the fix: OperationalError "database is locked")
        take_lease(vid)
        db.session.expire_all()
        v = db.session.get(FilingVersion, vid)
        assert v.lease_until is not None and v.original_filename == "other.xlsx"
        db.session.remove()
        db.engine.dispose()
