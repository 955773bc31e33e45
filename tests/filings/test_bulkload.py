"""The bulk load (COPY / executemany from the spool) stores exactly what the converted rows hold, and the
§4.4 figures derived from the spool equal the set-based SQL over the stored rows; a valid filing with
tricky values round-trips through the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from supervision.extensions import db
from supervision.filings import bulkload, services
from supervision.filings.bulkload import DETAIL_COLUMNS, FIGURES
from supervision.filings.content_models import ComplaintRow, DerivedFigures
from supervision.filings.models import FilingVersion
from supervision.filings.pipeline import derive_figures, process_version
from supervision.ingest.guards import check_file
from supervision.ingest.reader import open_workbook
from supervision.ingest.validate import validate
from tests.analytics.independent import cube_snapshot
from tests.filings.workbooks import cmp_workbook, detail_row


def _rows(start: dt.date) -> list[dict]:
    d = lambda n: start + dt.timedelta(days=n)  # noqa: E731
    rows = []
    for i in range(120):
        r = detail_row(f"B-{i:03d}", d(i % 40), closed=d(i % 40 + i % 20), category=("B14", "B05", "B13")[i % 3],
                       outcome=("UPHELD", "NOT_UPHELD", "SETTLED")[i % 3], escalated=i % 7 == 0,
                       extension=("NONE", "EXT30", "EXT60")[i % 3], complaint_type="TXN" if i % 4 == 0 else "SVC",
                       txn=(i % 5) or None if i % 4 == 0 else None, product=f"P-{i % 6}" if i % 2 else None,
                       summary=None if i % 3 else f"引号\"与,逗号\n第 {i} 条")
        r["amount"] = f"{i * 1234.5:,.2f}" if i % 2 else Decimal(i) / 8
        r["redress"] = None if i % 3 else "0.10"
        if i % 9 == 0:
            r["status"], r["closed_date"], r["outcome"], r["escalated"] = "OPEN", None, None, None
        if i % 10 == 0:
            r["source"], r["transfer_ref"] = "REGULATOR", f"12378-{i}"
        rows.append(r)
    rows.append(detail_row("B-carried", start - dt.timedelta(days=10), closed=d(2), complaint_type="SVC"))
    return rows


def _ingest(world, tmp_path, name: str, change=None, status: str = "ACCEPTED") -> int:
    """Submit and process in this process a CMP workbook of :func:`_rows` for ``world``'s second
    institution (``change`` edits the rows first), expecting ``status``; the version id."""
    period = world.current
    rows = _rows(period.start_date)
    if change is not None:
        change(rows)
    path = cmp_workbook(tmp_path / name, code=world.inst_b.code, name=world.inst_b.name, period=period.code,
                        rows=rows, period_start=period.start_date, transactions=1000)
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    version_id = services.submit(None, world.inst_b, period, "CMP", stored, path.name).version.id
    db.session.commit()
    assert process_version(version_id) == status
    db.session.rollback()
    return version_id


@pytest.mark.parametrize("copy_slice", [bulkload.COPY_SLICE, 7])
def test_stored_rows_and_figures_match(ctx, tmp_path, monkeypatch, request, copy_slice):
    """Also with PostgreSQL's ``COPY`` written in slices of 7 rows (complaint rows and the cube), the
    sheet read in windows of a few rows and the cube's sums added up while reading, 10 rows at a
    time (the spool is then never grouped: it would fail)."""
    monkeypatch.setattr(bulkload, "COPY_SLICE", copy_slice)
    if copy_slice == 7:
        from supervision.analytics import columnar

        request.getfixturevalue("windows")
        monkeypatch.setattr("supervision.ingest.spool.SPOOL_FRAME_ROWS", 10)

        def not_grouped(_spool):
            raise AssertionError("the cube's sums were not taken while reading")
        monkeypatch.setattr(columnar, "group_spool", not_grouped)
    _app, world = ctx
    period = world.current
    path = cmp_workbook(tmp_path / "bulk.xlsx", code=world.inst_b.code, name=world.inst_b.name, period=period.code,
                        rows=_rows(period.start_date), period_start=period.start_date, transactions=1000)
    guard = check_file(path)
    with open_workbook(path, guard=guard) as book:
        result = validate(book, kind="CMP", institution_code=world.inst_b.code, period=period.code,
                          period_start=period.start_date, period_end=period.end_date, sector=world.inst_b.sector,
                          registered_names=[world.inst_b.name])
        assert result.ok, [i.message_en for i in result.issues][:5]
        expected = list(result.rows("detail"))
        result.close()
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    version_id = services.submit(None, world.inst_b, period, "CMP", stored, path.name).version.id
    db.session.commit()
    assert process_version(version_id) == "ACCEPTED"
    db.session.rollback()
    got = db.session.execute(select(ComplaintRow).where(ComplaintRow.version_id == version_id)
                             .order_by(ComplaintRow.row_no)).scalars().all()
    assert len(got) == len(expected) == 121
    filing = db.session.get(FilingVersion, version_id).filing
    for row, want in zip(got, expected, strict=True):
        assert row.row_no == want["_row"]
        assert (row.institution_id, row.period_id) == (filing.institution_id, filing.period_id)
        for col in DETAIL_COLUMNS:
            value = want[col]
            if col in ("amount", "redress") and value is not None:
                value = value.quantize(Decimal("0.01"))  # Numeric(20, 2)
            assert getattr(row, col) == value, (row.row_no, col, getattr(row, col), value)
    # the figures written from the spool equal the set-based SQL over the stored rows
    spooled = {d.business_category: tuple(getattr(d, k) for k in FIGURES) for d in db.session.scalars(
        select(DerivedFigures).where(DerivedFigures.version_id == version_id))}
    db.session.execute(DerivedFigures.__table__.delete().where(DerivedFigures.version_id == version_id))
    derive_figures(db.session.get(FilingVersion, version_id))
    recomputed = {d.business_category: tuple(getattr(d, k) for k in FIGURES) for d in db.session.scalars(
        select(DerivedFigures).where(DerivedFigures.version_id == version_id))}
    db.session.rollback()
    assert spooled == recomputed and None in spooled and len(spooled) == 4
    # the cube copied from the spool equals the set-based SQL derivation of the stored rows
    from supervision.analytics.services import delete_cube, derive_cube_sql

    copied = cube_snapshot(version_id)
    delete_cube(version_id)
    derive_cube_sql(version_id, filing.institution_id, filing.period_id)
    assert cube_snapshot(version_id) == copied and copied[0] and copied[1]
    db.session.rollback()


def test_largest_transaction_counts_sum_without_overflow(ctx, tmp_path):
    """``涉及交易笔数`` takes at most 12 digits: many rows at the limit are stored, and every sum over
    them (the §4.4 figures, the rows page) is exact; one digit more is V02, naming the limit."""
    from supervision.filings.content_models import ValidationIssue
    from supervision.filings.queries import complaint_rows
    from supervision.ingest.colconv import MAX_ROW_INTEGER

    _app, world = ctx

    def largest(rows):
        for r in rows:
            if r["complaint_type"] == "TXN":
                r["transactions_involved"] = MAX_ROW_INTEGER

    version_id = _ingest(world, tmp_path, "largest.xlsx", largest)
    version = db.session.get(FilingVersion, version_id)
    stored = db.session.scalars(select(ComplaintRow).where(ComplaintRow.version_id == version_id,
                                                           ComplaintRow.complaint_type == "TXN")).all()
    assert len(stored) > 20 and {r.transactions_involved for r in stored} == {MAX_ROW_INTEGER}
    listed = complaint_rows(version, {"complaint_type": "TXN"})  # the rows page's count and sum
    assert listed.total == len(stored) and listed.transactions == MAX_ROW_INTEGER * len(stored)
    received = sum(not r.carried_over for r in stored)
    whole = db.session.scalar(select(DerivedFigures.txn_involved).where(
        DerivedFigures.version_id == version_id, DerivedFigures.business_category.is_(None)))
    assert whole == MAX_ROW_INTEGER * received
    db.session.rollback()

    def too_large(rows):
        next(r for r in rows if r["complaint_type"] == "TXN")["transactions_involved"] = MAX_ROW_INTEGER + 1

    refused = _ingest(world, tmp_path, "too_large.xlsx", too_large, status="REJECTED")
    issues = db.session.scalars(select(ValidationIssue).where(ValidationIssue.version_id == refused,
                                                              ValidationIssue.rule == "V02")).all()
    assert len(issues) == 1
    assert "at most 12 digits" in issues[0].message_en and "不超过 12 位的整数" in issues[0].message_zh
    db.session.rollback()
