"""The guards computed early by the child's helper are used only for that very file and those limits;
a helper that died, or a verdict about another file, means the guards run again before parsing."""

from __future__ import annotations

from supervision.extensions import db
from supervision.filings import services
from supervision.filings.child import early_guard
from supervision.filings.models import FilingVersion
from supervision.filings.pipeline import limits_from_config, process_version
from supervision.ingest.guards import GuardResult
from supervision.ingest.issues import Issue
from tests.filings.workbooks import cmp_workbook, detail_row


def _version(world, tmp_path, name: str) -> FilingVersion:
    period = world.current
    path = cmp_workbook(tmp_path / f"{name}.xlsx", code=world.inst_c.code, name=world.inst_c.name, period=period.code,
                        rows=[detail_row(f"{name}-1", period.start_date, closed=period.start_date)],
                        period_start=period.start_date)
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    version = services.submit(None, world.inst_c, period, "CMP", stored, path.name).version
    db.session.commit()
    return version


def test_helper_verdict_is_used_for_its_own_file(ctx, tmp_path):
    _app, world = ctx
    v = _version(world, tmp_path, "own")
    path = str(services.version_path(v))
    refused = GuardResult(path, [Issue.make("F01", sheet=None)])
    assert process_version(v.id, early_guard=lambda: (path, limits_from_config(), refused)) == "REJECTED"
    db.session.rollback()
    assert db.session.get(FilingVersion, v.id).rule_totals == {"F01": 1}


def test_verdict_about_another_file_or_limits_is_ignored(ctx, tmp_path):
    _app, world = ctx
    for name, make in (("other", lambda p: ("/elsewhere.xlsx", limits_from_config())),
                       ("limits", lambda p: (p, limits_from_config().__class__(max_rows=1))),
                       ("died", None)):
        v = _version(world, tmp_path, name)
        path = str(services.version_path(v))
        verdict = None
        if make is not None:
            target, limits = make(path)
            verdict = (target, limits, GuardResult(target, [Issue.make("F01", sheet=None)]))
        assert process_version(v.id, early_guard=lambda verdict=verdict: verdict) == "ACCEPTED", name


def test_forked_helper_guards_the_file(ctx, tmp_path):
    _app, world = ctx
    v = _version(world, tmp_path, "forked")
    path = str(services.version_path(v))
    got_path, limits, result = early_guard(path)()
    assert got_path == path and limits == limits_from_config() and result.ok and result.sheets
