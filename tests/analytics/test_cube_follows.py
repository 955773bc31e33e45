"""The cube follows the version that counts (spec §10, §7a): a re-filing supersedes the earlier
cube, returning the new version reinstates the earlier one's numbers."""

from __future__ import annotations

import dataclasses

from sqlalchemy import inspect

from supervision.analytics.queries import View, read_view
from supervision.demo import workbooks as gen
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.models import FilingVersion
from tests.analytics.independent import breakdown
from tests.checks.helpers import ingest, profile, resummarise


def _fresh(obj):
    return db.session.get(type(obj), inspect(obj).identity[0])


def _cells(period, code):
    res = read_view(View(period=period, rows="business_category", institutions=[code]), None)
    return {r: d["received"] for r, d in res.row_totals.items()}


def test_view_follows_supersede_and_return(ctx, tmp_path):
    _app, world = ctx
    inst, cur = _fresh(world.inst_b), _fresh(world.current)
    code, period = inst.code, cur.code
    q = gen.generate_cmp(profile(inst, 71, received=120), period)
    v1 = ingest(tmp_path, inst, cur, "CMP", q, "f-v1")
    assert v1.status == "ACCEPTED"
    want1 = {k[0]: w["received"] for k, w in breakdown([q], "business_category", None).items() if w["received"]}
    assert {k: v for k, v in _cells(period, code).items() if v} == want1
    fewer = dataclasses.replace(q, rows=q.rows[: len(q.rows) // 2])
    resummarise(fewer)
    v2 = ingest(tmp_path, _fresh(world.inst_b), _fresh(world.current), "CMP", fewer, "f-v2")
    assert v2.status == "ACCEPTED"
    want2 = {k[0]: w["received"] for k, w in breakdown([fewer], "business_category", None).items() if w["received"]}
    assert {k: v for k, v in _cells(period, code).items() if v} == want2 != want1
    services.return_version(None, db.session.get(FilingVersion, v2.id), "数据有误 / wrong data")
    db.session.commit()
    assert {k: v for k, v in _cells(period, code).items() if v} == want1
