"""The column-wise cube read in small chunks (issue 12: bounded memory at 1,000,000 rows) equals
the set-based SQL reading of §10.1 over all rows at once, cell by cell and day by day."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supervision.analytics.models import CubeCell
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from tests.analytics.independent import cube_snapshot


@pytest.fixture()
def cw(cube_world):
    with cube_world.app.app_context():
        yield cube_world
        db.session.remove()


_snapshot = cube_snapshot


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunked_derivation_equals_sql(cw, monkeypatch, chunk):
    """Every version's rows span several chunks; the added-up cube is the SQL cube exactly."""
    from supervision.analytics import columnar
    from supervision.analytics.services import delete_cube, derive_cube, derive_cube_sql

    monkeypatch.setattr(columnar, "CHUNK_ROWS", chunk)
    spanned = 0
    for key, vid in cw.versions.items():
        rows = db.session.scalar(select(func.count()).where(ComplaintRow.version_id == vid))
        spanned += rows > chunk
        inst_id, period_id = db.session.execute(select(CubeCell.institution_id, CubeCell.period_id)
                                                .where(CubeCell.version_id == vid).limit(1)).one()
        delete_cube(vid)
        n = derive_cube(vid, inst_id, period_id)
        chunked = _snapshot(vid)
        delete_cube(vid)
        derive_cube_sql(vid, inst_id, period_id)
        assert _snapshot(vid) == chunked and chunked[0] and chunked[1] and n == len(chunked[0]), key
        db.session.rollback()
    assert spanned, "no version spans more than one chunk: the test would prove nothing"


def test_spool_money_is_exact_cents():
    """The spool path reads plain money text as integer cents and refuses anything it would have to
    round (more than two decimals, 17+ integer digits): those versions read the stored rows."""
    import polars as pl

    from supervision.analytics import columnar
    from supervision.ingest.spool import Spool

    def spool_of(amounts):
        frame = pl.DataFrame({c: [None] * len(amounts) for c in columnar.COLUMNS},
                             schema={c: pl.String for c in columnar.COLUMNS})
        spool = Spool()
        spool.add(frame.with_columns(pl.Series("amount", amounts, pl.String),
                                     pl.Series("redress", ["0.5"] * len(amounts), pl.String)))
        return spool

    got = next(columnar._spool_chunks(spool_of(["12", "3.4", "0.05", None, "1234567890123456.99"])))
    assert got["amount"].to_list() == [1200, 340, 5, None, 123456789012345699]
    assert got["redress"].to_list() == [50] * 5
    for odd in (["1.005"], ["12345678901234567"], ["1e3"]):
        with pytest.raises(columnar._NotPlain):
            next(columnar._spool_chunks(spool_of(odd)))


def test_spool_with_odd_money_falls_back_to_stored_rows(cw):
    """Given a spool it cannot take exactly, the derivation reads the version's stored rows: the
    cube is still the SQL cube."""
    import polars as pl

    from supervision.analytics import columnar
    from supervision.analytics.services import delete_cube, derive_cube, derive_cube_sql
    from supervision.ingest.spool import Spool

    vid = cw.versions["b", cw.cur]
    inst_id, period_id = db.session.execute(select(CubeCell.institution_id, CubeCell.period_id)
                                            .where(CubeCell.version_id == vid).limit(1)).one()
    odd = Spool()
    odd.add(pl.DataFrame({c: ["1.005"] for c in columnar.COLUMNS}, schema={c: pl.String for c in columnar.COLUMNS}))
    delete_cube(vid)
    derive_cube(vid, inst_id, period_id, odd)
    fallback = _snapshot(vid)
    delete_cube(vid)
    derive_cube_sql(vid, inst_id, period_id)
    assert _snapshot(vid) == fallback and fallback[0]
    db.session.rollback()
