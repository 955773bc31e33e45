"""Ingest generated (and deliberately altered) CMP/DSC workbooks through the real pipeline."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from supervision.demo import workbooks as gen
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.models import FilingVersion
from supervision.filings.pipeline import process_version


def profile(inst, seed: int, received: int = 150, **overrides):
    """A generator profile for a test institution with about ``received`` complaints a quarter
    (the complaint rate follows ``active_customers`` when that is overridden)."""
    p = gen.profile_for(inst.code, inst.name, inst.sector, seed=seed)
    if "active_customers" in overrides and "complaint_rate_per_10k" not in overrides:
        overrides["complaint_rate_per_10k"] = received * 10000 / overrides["active_customers"]
    return dataclasses.replace(p, **overrides) if overrides else p


def resummarise(filing) -> None:
    """Recompute the 投诉汇总 after rows were altered, so the file stays valid (C05/C06)."""
    filing.summary = gen.summarise(filing.rows, filing.period.start)


def ingest(tmp: Path, inst, period, kind: str, filing, name: str, uploaded_at=None) -> FilingVersion:
    """Write ``filing`` and run it through store → submit → process_version (auto-accept)."""
    path = tmp / f"{name}.xlsx"
    (gen.write_cmp if kind == "CMP" else gen.write_dsc)(path, filing)
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, inst, period, kind, stored, path.name, historic=True)
    if uploaded_at is not None:
        sub.version.uploaded_at = uploaded_at
    db.session.commit()
    process_version(sub.version.id)
    db.session.rollback()
    return db.session.get(FilingVersion, sub.version.id)
