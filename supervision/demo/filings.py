"""Demo filings: realistic CMP and DSC workbooks for every demo institution and period, ingested
through the real pipeline (guards → validate → store), with the typical mistakes of real filers.

Receipt times are simulated (most before the due date, some late, a few institutions missing the
latest period) so reporting rates and T01 have something to show; the audit log keeps real times.
"""

from __future__ import annotations

import random
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from supervision.demo import workbooks as gen
from supervision.domain.calendar import TZ
from supervision.domain.enums import FilingKind, Sector, VersionStatus
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.models import Filing, FilingVersion
from supervision.filings.pipeline import process_version
from supervision.orgs.models import Institution
from supervision.periods.models import Period

#: (position of the institution in code order, mistakes, resubmit corrected?) in the latest period
MISTAKES = [
    (3, {"summary_mismatch"}, True),
    (5, {"missing_transfer_ref"}, False),
    (7, {"text_dates"}, False),
    (9, {"fullwidth_digits"}, False),
    (11, {"unknown_column"}, False),
]
MISSING_LATEST = (13, 21, 40)  # institutions that have not filed the latest period
DROP_CARRIED = (15, 33)  # drop one carried-over complaint in the latest period (P01 for the regulator)
#: Spec §10.2 topic weights (topic code → factor) per (position of the institution in code order,
#: quarters before the latest: 0 = latest), e.g. ``{(4, 0): {"T_COLLECTION_ABUSE": 8}}`` for a spike of
#: collection complaints at one institution in the latest quarter. Unlisted quarters are unweighted.
TOPIC_PLAN: dict[tuple[int, int], dict[str, float]] = {}
#: The demo's story for the topics and the vulnerable-group lens (issue 15): the first consumer-finance
#: institution (in code order) that files every period gets a surge of collection complaints in the
#: latest quarter (rare before: factor 0.2, then 10); the busiest other one (most complaints expected,
#: so its elderly complaints are enough for G01) closes its elderly complainants' complaints late
#: (``SLOW_ELDERLY_DAYS`` after receipt, within the quarter) in every period.
SURGE_TOPIC = "T_COLLECTION_ABUSE"
SLOW_ELDERLY_DAYS = (24, 45)


def story_positions(institutions) -> tuple[int | None, int | None]:
    """Positions (code order) of the surging institution and of the one slow with elderly complaints."""
    taken = set(MISSING_LATEST) | set(DROP_CARRIED) | {p for p, _m, _r in MISTAKES}
    cf = [n for n, inst in enumerate(institutions) if inst.sector == Sector.CF and n not in taken]
    if not cf:
        return None, None
    others = cf[1:]

    def volume(n: int) -> float:
        inst = institutions[n]
        return gen.profile_for(inst.code, inst.name, inst.sector, seed=1000 + n).expected_received

    return cf[0], (max(others, key=volume) if others else None)


def story_topics(pos: int, back: int, surge: int | None) -> dict[str, float] | None:
    """The topic weights of an institution's quarter (``back`` quarters before the latest)."""
    if (pos, back) in TOPIC_PLAN:
        return TOPIC_PLAN[pos, back]
    if pos == surge:
        return {SURGE_TOPIC: 10.0} if back == 0 else {SURGE_TOPIC: 0.2}
    return None


def slow_elderly(cmp, period: Period, rng: random.Random):
    """The filing with its elderly complainants' closed complaints (received this quarter) closed
    late, when the later date still falls in the quarter; the summary sheet follows."""
    import dataclasses

    rows = []
    for r in cmp.rows:
        if r["customer_group"] == "ELDERLY" and r["status"] == "CLOSED" and r["received_date"] >= period.start_date:
            late = r["received_date"] + timedelta(days=rng.randint(*SLOW_ELDERLY_DAYS))
            if late <= period.end_date:
                r = {**r, "closed_date": late, "extension": "NONE"}
        rows.append(r)
    return dataclasses.replace(cmp, rows=rows, summary=gen.summarise(rows, period.start_date))


def _received_at(period: Period, rng: random.Random, late: bool) -> datetime:
    due = datetime.combine(period.due_date, time(17, 0), tzinfo=TZ)
    delta = timedelta(days=rng.uniform(1, 5)) if late else -timedelta(days=rng.uniform(0.2, 12))
    return (due + delta).astimezone(TZ)


def _ingest(inst: Institution, period: Period, kind: str, path: Path, received: datetime) -> FilingVersion:
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, inst, period, kind, stored, f"{inst.short_name or inst.code}_{period.code}_{kind}.xlsx",
                          historic=True)
    sub.version.uploaded_at = received
    db.session.commit()
    process_version(sub.version.id)
    return sub.version


def load_demo_filings(shared_dir: Path | None, limit: int | None = None) -> dict:
    """Generate and ingest the demo filings; idempotent (existing filings are left alone)."""
    institutions = db.session.scalars(select(Institution).order_by(Institution.code)).all()[:limit]
    periods = db.session.scalars(select(Period).order_by(Period.code)).all()
    if not periods:
        return {"filings": 0}
    texts = gen.load_texts(shared_dir)
    from flask import current_app

    # the demo runs every check once per period at the end instead of after each acceptance
    after_accept = current_app.config.get("CHECKS_AFTER_ACCEPT", True)
    current_app.config["CHECKS_AFTER_ACCEPT"] = False
    try:
        return _load(institutions, periods, texts)
    finally:
        current_app.config["CHECKS_AFTER_ACCEPT"] = after_accept


def _load(institutions, periods, texts) -> dict:
    done = {(f.institution_id, f.period_id, f.kind) for f in db.session.scalars(select(Filing))}
    latest = periods[-1]
    counts = {VersionStatus.ACCEPTED: 0, VersionStatus.REJECTED: 0, "other": 0}
    register_rows: list[tuple[Institution, dict]] = []
    with tempfile.TemporaryDirectory(prefix="demo-filings-") as tmp:
        tmpdir = Path(tmp)
        surge, slow = story_positions(institutions)
        for pos, inst in enumerate(institutions):
            profile = gen.profile_for(inst.code, inst.name, inst.sector, seed=1000 + pos)
            rng = random.Random(f"demo-receipt-{inst.code}")
            carried: list[dict] = []
            for back, period in zip(range(len(periods) - 1, -1, -1), periods, strict=True):
                cmp = gen.generate_cmp(profile, period.code, carried_over=carried, texts=texts,
                                       topics=story_topics(pos, back, surge))
                if pos == slow:
                    cmp = slow_elderly(cmp, period, random.Random(f"demo-slow-{inst.code}-{period.code}"))
                carried = cmp.open_at_end
                register_rows.extend((inst, r) for r in cmp.rows
                                     if r["source"] == "REGULATOR" and r.get("transfer_ref")
                                     and r["received_date"] >= period.start_date)
                if period.id == latest.id and pos in MISSING_LATEST:
                    continue
                if period.id == latest.id and pos in DROP_CARRIED:
                    cmp = _drop_one_carried(cmp, period)
                late = rng.random() < 0.08
                for kind in (FilingKind.DSC, FilingKind.CMP):  # disclosures first, so D06 sees the period's products
                    if (inst.id, period.id, kind) in done:
                        continue
                    mistakes, resubmit = set(), False
                    if period.id == latest.id and kind == FilingKind.CMP:
                        for p, m, r in MISTAKES:
                            if p == pos:
                                mistakes, resubmit = m, r
                    path = tmpdir / f"{inst.code}_{period.code}_{kind}.xlsx"
                    if kind == FilingKind.CMP:
                        gen.write_cmp(path, cmp, mistakes=mistakes)
                    else:
                        gen.write_dsc(path, gen.generate_dsc(profile, period.code))
                    received = _received_at(period, rng, late)
                    version = _ingest(inst, period, kind, path, received)
                    if resubmit:
                        fixed = tmpdir / f"{inst.code}_{period.code}_{kind}_v2.xlsx"
                        gen.write_cmp(fixed, cmp)
                        version = _ingest(inst, period, kind, fixed, received + timedelta(hours=20))
                    db.session.refresh(version)
                    counts[version.status if version.status in counts else "other"] += 1
        register = _demo_register(tmpdir, register_rows, periods)
    checks = _demo_checks(periods)
    return {"filings": sum(counts.values()), **counts, "register": register, "checks": checks}


def _drop_one_carried(cmp, period: Period):
    """The filing without one of its carried-over complaints (a typical under-reporting slip)."""
    import dataclasses

    carried = [r for r in cmp.rows if r["received_date"] < period.start_date]
    if not carried:
        return cmp
    rows = [r for r in cmp.rows if r is not carried[0]]
    return dataclasses.replace(cmp, rows=rows, summary=gen.summarise(rows, period.start_date))


def _demo_register(tmpdir: Path, rows: list[tuple[Institution, dict]], periods: list[Period]) -> dict:
    """The regulator's register of transferred complaints, as the hotline systems would export it:
    nearly every transfer the institutions reported, a few they did not report (X01), and a few
    reported references missing from the register (X02)."""
    import csv

    from supervision.register.services import import_register

    rng = random.Random("demo-register")
    lines = []
    seen: set[str] = set()
    for n, (inst, r) in enumerate(rows):
        if n % 37 == 5 or r["transfer_ref"] in seen:
            continue  # reported by the institution but not in the register → X02
        seen.add(r["transfer_ref"])
        lines.append([r["transfer_ref"], inst.code, r["received_date"].isoformat(), r["transfer_ref"][:5]
                      if r["transfer_ref"][:5] in ("12378", "12363") else "OTHER", r["business_category"],
                      r["cause"], ""])
    institutions = sorted({inst.code: inst for inst, _r in rows}.values(), key=lambda i: i.code)
    for k, inst in enumerate(institutions[::7]):
        period = periods[k % len(periods)]
        day = period.start_date + timedelta(days=rng.randint(5, 80))
        hotline = "12363" if inst.sector == Sector.PAY else "12378"
        lines.append([f"{hotline}-{period.code}-UNREPORTED-{k:03d}", inst.code, day.isoformat(), hotline,
                      "B11" if inst.sector == Sector.PAY else "B14", "C04", "转办后未见机构登记"])
    path = tmpdir / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["转办单号", "机构代码", "转办日期", "来源热线", "业务类别", "投诉原因", "投诉摘要"])
        w.writerows(lines)
    with path.open("rb") as fh:
        upload = import_register(None, fh, "12378-12363-转办登记.csv")
    db.session.commit()
    return {"status": upload.status, "rows": upload.rows, **(upload.counts or {})}


def _demo_checks(periods: list[Period]) -> dict:
    """Run every check of every demo period (S* and T01 need all peers)."""
    from supervision.checks.engine import run_period

    out = {}
    for period in periods:
        out[period.code] = run_period(period, trigger="demo")
        db.session.commit()
    return out
