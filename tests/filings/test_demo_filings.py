"""`supervision demo` generates realistic filings for the shipped reference institutions and ingests
them through the real pipeline, including the typical mistakes (one rejected and resubmitted)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow, DerivedFigures
from supervision.filings.models import Filing, FilingVersion
from supervision.orgs.models import Institution
from tests.conftest import BACKENDS, PG_TEST_DB, make_app


@pytest.fixture(scope="module", params=BACKENDS)
def demo_app(request, tmp_path_factory):
    app = make_app(request.param, tmp_path_factory.mktemp(f"demo-{request.param}"), pg_db=f"{PG_TEST_DB}_demo")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "--password", "Demo-pass-123", "--limit", "14"])
    assert out.exit_code == 0, out.output
    app.config["DEMO_INFO"] = json.loads(out.output)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_every_institution_and_period_filed(demo_app):
    info = demo_app.config["DEMO_INFO"]
    with demo_app.app_context():
        insts = db.session.scalars(select(Institution).order_by(Institution.code)).all()[:14]
        n_periods = len(info["periods"])
        filings = db.session.scalar(select(func.count()).select_from(Filing))
        # every institution, period and kind, except the 13th institution's latest period (not filed)
        assert filings == len(insts) * n_periods * 2 - 2
        statuses = dict(db.session.execute(select(FilingVersion.status, func.count())
                                          .group_by(FilingVersion.status)).all())
        assert statuses["REJECTED"] == 2 and statuses["ACCEPTED"] == filings - 1
        totals = [v.rule_totals for v in db.session.scalars(select(FilingVersion).where(
            FilingVersion.status == "REJECTED"))]
        assert {r for t in totals for r in t if r[0] == "C"} >= {"C03", "C06"}
        assert any("W-COL" in (v.rule_totals or {}) for v in db.session.scalars(select(FilingVersion)))
        # the rejected-then-resubmitted filing has v1 REJECTED and v2 ACCEPTED
        twice = db.session.scalars(select(Filing).where(Filing.id.in_(
            select(FilingVersion.filing_id).group_by(FilingVersion.filing_id).having(func.count() > 1)))).all()
        assert [[v.status for v in f.versions] for f in twice] == [["REJECTED", "ACCEPTED"]]


def test_derived_figures_match_rows_and_differ_by_sector(demo_app):
    with demo_app.app_context():
        accepted = select(FilingVersion.id).where(FilingVersion.status == "ACCEPTED")
        rows = db.session.scalar(select(func.count()).select_from(ComplaintRow)
                                 .where(ComplaintRow.version_id.in_(accepted)))
        totals = db.session.execute(select(func.sum(DerivedFigures.opening + DerivedFigures.received)).where(
            DerivedFigures.business_category.is_(None), DerivedFigures.version_id.in_(accepted))).scalar()
        assert rows == totals > 0
        by_sector = dict(db.session.execute(
            select(Institution.sector, func.count(ComplaintRow.id)).join(ComplaintRow,
                                                                         ComplaintRow.institution_id == Institution.id)
            .where(ComplaintRow.complaint_type == "TXN").group_by(Institution.sector)).all())
        assert by_sector.get("PAY", 0) > 0 and by_sector.get("CF", 0) == 0
