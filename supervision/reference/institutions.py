"""The shipped reference facts about real institutions (``supervision/data/reference/``).

Pure: no Flask, no database. Legal names, short names, licence numbers, provinces, sectors and
aliases are public facts (each list's source is named in ``SOURCES.md`` beside the data file); the
USCCs are *generated* (they pass the GB 32100-2015 check character but are not the institutions'
real codes) and every institution loaded from here is flagged ``code_generated``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from supervision.domain.codes import CODE_LISTS
from supervision.domain.uscc import is_valid_uscc

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
REFERENCE_CSV = DATA_DIR / "institutions.csv"
COLUMNS = ("sector", "licence_no", "name", "short_name", "province", "aliases", "generated_uscc", "source")
#: Keys of the ``source`` column, each described in ``SOURCES.md``.
SOURCES = ("nfra-cf", "pboc-pay-2011")

_PLACE = re.compile(r"^(" + "|".join(sorted(
    (n for c, n in CODE_LISTS["province"].items() if c < "70"), key=len, reverse=True)) + r")(省|市|自治区)?")
_FORM = re.compile(r"(股份有限公司|有限责任公司|有限公司|股份公司)$")


def name_core(name: str) -> str:
    """A name without a leading province/municipality and a trailing company form, for matching
    spellings of one company across lists (重庆蚂蚁消费金融有限公司 → 蚂蚁消费金融)."""
    core = _FORM.sub("", name.strip())
    return _PLACE.sub("", core) or core


@dataclass(frozen=True)
class ReferenceInstitution:
    """One institution of the shipped reference data (see the module docstring)."""

    sector: str
    licence_no: str
    name: str
    short_name: str
    province: str
    aliases: tuple[str, ...]
    generated_uscc: str
    source: str

    def __post_init__(self) -> None:
        """Refuse a row whose facts are inconsistent (unknown sector, province or source, bad USCC)."""
        if self.sector not in CODE_LISTS["sector"]:
            raise ValueError(f"{self.name}: unknown sector {self.sector!r}")
        if self.province not in CODE_LISTS["province"]:
            raise ValueError(f"{self.name}: unknown province {self.province!r}")
        if self.source not in SOURCES:
            raise ValueError(f"{self.name}: unknown source {self.source!r}")
        if not is_valid_uscc(self.generated_uscc):
            raise ValueError(f"{self.name}: generated USCC {self.generated_uscc!r} fails the check character")


@lru_cache(maxsize=1)
def reference_institutions() -> tuple[ReferenceInstitution, ...]:
    """Every shipped reference institution, in file order (consumer-finance companies, then payment
    institutions)."""
    with REFERENCE_CSV.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{REFERENCE_CSV.name}: columns {reader.fieldnames} differ from {COLUMNS}")
        return tuple(
            ReferenceInstitution(
                sector=row["sector"], licence_no=row["licence_no"], name=row["name"],
                short_name=row["short_name"], province=row["province"],
                aliases=tuple(a for a in row["aliases"].split("|") if a),
                generated_uscc=row["generated_uscc"], source=row["source"])
            for row in reader)
