"""Derive the shipped reference facts (``supervision/data/reference/institutions.csv``) from the
public master lists under ``../shared/data/master`` (see ``supervision/data/reference/SOURCES.md``).

The master files are not copied: only the facts the platform uses are kept, in our own compact
format (one row per institution: sector, licence number, legal name, short name, province, aliases,
a *generated* USCC and the source key). Run it when a master list changes::

    .venv/bin/python tools/derive_reference.py [--master ../shared/data/master] [--check]

``--check`` compares instead of writing (exit 1 on a difference). The test suite runs the same
derivation when ``../shared`` exists (``tests/unit/test_reference_data.py``, marked ``realdata``).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from supervision.domain.uscc import generate_uscc  # noqa: E402
from supervision.reference.institutions import (  # noqa: E402
    COLUMNS,
    REFERENCE_CSV,
    ReferenceInstitution,
    name_core,
)

CF_FILE = "cn_consumer_finance_companies_nfra31.csv"
PAY_FILE = "cn_payment_institutions_first_batch_2011.csv"
ALIAS_FILE = "cn_financial_institutions_aliases.csv"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _cf_aliases(master: Path) -> dict[str, list[str]]:
    """Aliases of consumer-finance companies from the public alias list, keyed by name core.

    The alias list spells some companies differently from the NFRA list (蚂蚁消费金融有限公司 vs
    重庆蚂蚁消费金融有限公司, 宁银 vs 浙江宁银, 招联 有限公司 vs 股份有限公司): its legal name then
    becomes one more alias of the NFRA company with the same name core.
    """
    out: dict[str, list[str]] = {}
    path = master / ALIAS_FILE
    for row in _read(path) if path.exists() else []:
        if row.get("kind") != "consumer-finance":
            continue
        names = [row["legal_name"], *(a.strip() for a in row.get("aliases", "").split("|"))]
        out.setdefault(name_core(row["legal_name"]), []).extend(n for n in names if n)
    return out


def derive(master: Path) -> list[ReferenceInstitution]:
    """The reference institutions derived from the master lists, in a fixed order (CF list order,
    then payment licences in number order); USCCs generated from that position (seed 1, 2, …)."""
    aliases = _cf_aliases(master)
    out: list[ReferenceInstitution] = []
    seed = 0
    for row in _read(master / CF_FILE):
        seed += 1
        name, licence = row["legal_name"], row["nfra_institution_code"]
        province = licence[7:9]  # X0007H2[44]030001: the registration division of the licence code
        extra = list(aliases.get(name_core(name), []))
        note = row.get("note", "")
        if "spell" in note:  # "other sources spell 招联消费金融有限公司 (older name)"
            extra.append(note.split("spell", 1)[1].split("(")[0].strip())
        short = row.get("short_name", "")
        out.append(ReferenceInstitution(
            sector="CF", licence_no=licence, name=name, short_name=short, province=province,
            aliases=_unique(a for a in extra if a not in (name, short)),
            generated_uscc=generate_uscc(seed, province), source="nfra-cf"))
    for row in sorted(_read(master / PAY_FILE), key=lambda r: r["license_no"]):
        seed += 1
        licence = row["license_no"]
        old = row["company_name_at_2011"]
        note = row.get("note", "")
        name = note[4:].strip() if note.startswith("now ") else old  # "now 财付通支付科技有限公司"
        province = licence[6:8]  # Z20004[44]000013
        out.append(ReferenceInstitution(
            sector="PAY", licence_no=licence, name=name, short_name="", province=province,
            aliases=(old,) if old != name else (), generated_uscc=generate_uscc(seed, province),
            source="pboc-pay-2011"))
    return out


def _unique(items) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return tuple(seen)


def render(rows: list[ReferenceInstitution]) -> str:
    """The CSV text of ``rows`` (UTF-8, ``\\n`` line ends, aliases joined with ``|``)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.sector, r.licence_no, r.name, r.short_name, r.province, "|".join(r.aliases),
                         r.generated_uscc, r.source])
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write (or ``--check``) the shipped reference file."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--master", type=Path, default=ROOT.parent / "shared" / "data" / "master")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    text = render(derive(args.master))
    if args.check:
        same = REFERENCE_CSV.read_text(encoding="utf-8") == text
        print("reference data up to date" if same else f"{REFERENCE_CSV} differs from the master lists")
        return 0 if same else 1
    REFERENCE_CSV.write_text(text, encoding="utf-8")
    print(f"wrote {REFERENCE_CSV.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
