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
    done = {(f.institution_id, f.period_id, f.kind) for f in db.session.scalars(select(Filing))}
    latest = periods[-1]
    counts = {"ACCEPTED": 0, "REJECTED": 0, "other": 0}
    with tempfile.TemporaryDirectory(prefix="demo-filings-") as tmp:
        tmpdir = Path(tmp)
        for pos, inst in enumerate(institutions):
            profile = gen.profile_for(inst.code, inst.name, inst.sector, seed=1000 + pos)
            rng = random.Random(f"demo-receipt-{inst.code}")
            carried: list[dict] = []
            for period in periods:
                cmp = gen.generate_cmp(profile, period.code, carried_over=carried, texts=texts)
                carried = cmp.open_at_end
                if period.id == latest.id and pos in MISSING_LATEST:
                    continue
                late = rng.random() < 0.08
                for kind in ("CMP", "DSC"):
                    if (inst.id, period.id, kind) in done:
                        continue
                    mistakes, resubmit = set(), False
                    if period.id == latest.id and kind == "CMP":
                        for p, m, r in MISTAKES:
                            if p == pos:
                                mistakes, resubmit = m, r
                    path = tmpdir / f"{inst.code}_{period.code}_{kind}.xlsx"
                    if kind == "CMP":
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
    return {"filings": sum(counts.values()), **counts}
