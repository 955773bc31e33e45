"""A pure, deterministic generator of realistic demo filings (``CMP-1`` and ``DSC-1`` workbooks).

No Flask, no database: profiles in, typed rows and ``.xlsx`` files out, every value fixed by the
institution seed and the period. Typical use::

    profile = profile_for(code, name, "CF", seed=7)
    texts = load_texts(shared_data_dir)
    q1 = generate_cmp(profile, "2026Q1", [], texts)
    q2 = generate_cmp(profile, "2026Q2", q1.open_at_end, texts)
    write_cmp(path, q2, mistakes={"text_dates"})
    write_dsc(path2, generate_dsc(profile, "2026Q2"))

The figures are *generated* (plausible, not any institution's real data); complaint summaries are
real complaint texts from the shared data when given (personal data in them is masked by the
platform on ingest, warning W-PII). The implementation is split over ``workbooks_profile``,
``workbooks_cmp``, ``workbooks_dsc`` and ``workbooks_write``; this module is the public API.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from supervision.demo.workbooks_cmp import CmpFiling, generate_cmp, on_time, summarise
from supervision.demo.workbooks_dsc import DscFiling, generate_dsc, products_for
from supervision.demo.workbooks_profile import InstitutionProfile, profile_for
from supervision.demo.workbooks_write import (
    CMP_MISTAKES,
    DSC_MISTAKES,
    FULLWIDTH_DIGITS,
    MISSING_TRANSFER_REF,
    SUMMARY_MISMATCH,
    TEXT_DATES,
    UNKNOWN_COLUMN,
    write_cmp,
    write_dsc,
)

__all__ = [
    "CMP_MISTAKES", "DSC_MISTAKES", "FULLWIDTH_DIGITS", "MISSING_TRANSFER_REF", "SUMMARY_MISMATCH", "TEXT_DATES",
    "UNKNOWN_COLUMN", "CmpFiling", "DscFiling", "InstitutionProfile", "generate_cmp", "generate_dsc", "load_texts",
    "on_time", "products_for", "profile_for", "summarise", "write_cmp", "write_dsc",
]

#: Where the real complaint texts lie under the shared data folder (headerless ``text,label`` CSVs).
TEXTS_DIR = Path("cn_complaint_texts") / "heimao_finance_complaint_classification_celineyaxin"


def load_texts(shared_data_dir: str | os.PathLike[str] | None) -> list[str]:
    """Read the real Chinese complaint texts under ``shared_data_dir`` (``../shared/data``).

    Every ``*.csv`` of the dataset's folders is read (first column), in a fixed order, trimmed and
    de-duplicated; ``[]`` when the folder is absent. ``shared_data_dir`` may also be the folder
    above ``data``.
    """
    if shared_data_dir is None:
        return []
    base = Path(shared_data_dir)
    folder = base / TEXTS_DIR
    if not folder.is_dir() and (base / "data" / TEXTS_DIR).is_dir():
        folder = base / "data" / TEXTS_DIR
    if not folder.is_dir():
        return []
    seen: dict[str, None] = {}
    for path in sorted(folder.glob("*/*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                text = row[0].strip() if row else ""
                if text:
                    seen.setdefault(text, None)
    return list(seen)
