"""Real filings for the export tests: demo-generator workbooks uploaded and processed through the
real pipeline (checks after accept included), with chosen receipt times. Not a test module."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

#: names that would be formulas if written naively (spec §9)
HOSTILE_NAMES = ('=HYPERLINK("http://evil.example","点击")消费金融有限公司', "+86支付有限公司",
                 "-负号消费金融有限公司", "@SUM(A1)支付有限公司")


def ingest(path: Path, inst, period, kind: str, received: dt.datetime):
    """Upload ``path`` as (inst, period, kind), received at ``received``, and process it."""
    from supervision.extensions import db
    from supervision.filings import services
    from supervision.filings.models import FilingVersion
    from supervision.filings.pipeline import process_version

    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, inst, period, kind, stored, path.name, historic=True)
    sub.version.uploaded_at = received.astimezone(dt.UTC)
    db.session.commit()
    process_version(sub.version.id)
    db.session.expire_all()
    return db.session.get(FilingVersion, sub.version.id)


def file_period(institutions: list, period, tmp: Path, late: set[str] = frozenset(),
                no_dsc: set[str] = frozenset()) -> None:
    """Generate and ingest a CMP (and a DSC unless in ``no_dsc``) for each institution; those whose
    code is in ``late`` arrive two days after the due date, the others five days before it."""
    from supervision.demo import workbooks as gen
    from supervision.domain.calendar import TZ

    due = dt.datetime.combine(period.due_date, dt.time(17, 0), tzinfo=TZ)
    for n, inst in enumerate(institutions):
        profile = gen.profile_for(inst.code, inst.name, inst.sector, seed=n + 3)
        customers = max(profile.active_customers, 50_000)
        profile = dataclasses.replace(profile, active_customers=customers,
                                      complaint_rate_per_10k=(20 + n * 7) * 10_000 / customers)
        received = due + (dt.timedelta(days=2) if inst.code in late else -dt.timedelta(days=5))
        cmp_path = tmp / f"{inst.code}_{period.code}_CMP.xlsx"
        gen.write_cmp(cmp_path, gen.generate_cmp(profile, period.code, carried_over=[]))
        assert ingest(cmp_path, inst, period, "CMP", received).status == "ACCEPTED"
        if inst.code not in no_dsc:
            dsc_path = tmp / f"{inst.code}_{period.code}_DSC.xlsx"
            gen.write_dsc(dsc_path, gen.generate_dsc(profile, period.code))
            assert ingest(dsc_path, inst, period, "DSC", received).status == "ACCEPTED"
