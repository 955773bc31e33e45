"""Test inputs for the export writers (a small league computed here, independently of the writers),
plus helpers that re-read the outputs. Also checks the builder itself."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl

HOSTILE = (
    '=HYPERLINK("http://x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "'already quoted",
    ' =cmd|" /C calc"!A0',
    '<r><t>a</t></r></is></c><c><f>1+1</f><v>2</v></c><c t="inlineStr"><is><r><t>b</t></r>',
)

METRIC_CODES = (
    "received",
    "per_10k_customers",
    "per_100m_volume",
    "on_time_rate",
    "closure_rate",
    "favourable_rate",
    "escalation_rate",
    "regulator_per_10k",
    "txn_bp",
    "disclosure_score",
)
LOWER_BETTER = {"received", "per_10k_customers", "per_100m_volume", "escalation_rate", "regulator_per_10k", "txn_bp"}

# code, name, sector, status, (received, customers, volume_yi, on_time, closed, opening, favourable,
# escalated, regulator, txn_involved, transactions, disclosure)
INSTITUTIONS = (
    ("91350100M000100Y43", "甲支付有限公司", "PAY", "ranked", (1, 80000, "2.5", 1, 1, 0, 1, 0, 0, 3, 1000000, 100)),
    (
        "914403001922038216",
        "乙支付有限公司",
        "PAY",
        "ranked",
        (400, 120000, "160", 107, 400, 20, 300, 12, 9, 50, 0, 85),
    ),
    ("PAY000000000000003", "丙支付有限公司", "PAY", "ranked", (400, 300000, "80", 380, 390, 5, 200, 0, 3, 0, 0, 90)),
    ("PAY000000000000004", "丁支付有限公司", "PAY", "ranked", (90, 20000, "0", 0, 0, 0, 0, 0, 1, 1, 3, 0)),
    ("PAY000000000000005", "戊支付有限公司", "PAY", "not_ranked", (5, 9000, "1", 5, 5, 0, 5, 0, 0, 0, 10, 100)),
    (
        "CF0000000000000001",
        "甲消费金融有限公司",
        "CF",
        "ranked",
        (867, 2675000, "123.4", 800, 850, 30, 700, 17, 40, None, None, 95),
    ),
    (
        "CF0000000000000002",
        "乙消费金融有限公司",
        "CF",
        "ranked",
        (1200, 3100000, "300", 1000, 1100, 90, 1000, 3, 51, None, None, 75),
    ),
    ("CF0000000000000003", "丙消费金融有限公司", "CF", "not_filed", None),
    (
        "BANK00000000000001",
        "甲银行股份有限公司",
        "BANK",
        "ranked",
        (2000, 5000000, "9000", 1900, 1950, 10, 1500, 20, 30, None, None, 100),
    ),
    (
        "BANK00000000000002",
        "乙银行股份有限公司",
        "BANK",
        "ranked",
        (1500, 5000000, "3000", 1400, 1500, 0, 1200, 15, 25, None, None, 80),
    ),
)
REASONS = {"not_ranked": "期末有效客户数不足10,000", "not_filed": "未报送投诉数据报表"}
MOVEMENTS = (2, -1, None, 0, None, 3, -2, None, 1, None)


def hostile_text(index: int, text: str) -> str:
    """A hostile value: exactly a HOSTILE string for odd ``index``, one prefixed to ``text`` for even."""
    attack = HOSTILE[index % len(HOSTILE)]
    return attack if index % 2 else attack + text


def half_up(value: Decimal | Fraction | str, places: int) -> Decimal:
    """Round half-up with Decimal (the test's own implementation)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def exact_text(value: Fraction) -> str:
    """A fraction as a decimal string (28 significant digits; exact when it terminates)."""
    d = Decimal(value.numerator) / Decimal(value.denominator)
    return format(d.normalize(), "f") if d else "0"


def _values(counts: tuple) -> dict[str, Fraction | None]:
    received, customers, volume, on_time, closed, opening, favourable, escalated, regulator, txn, txns, score = counts
    volume = Fraction(Decimal(volume))

    def ratio(n, d, k):
        """``n ÷ d × k`` exactly, or None for a zero denominator."""
        return None if n is None or not d else Fraction(n) / Fraction(d) * k

    return {
        "received": Fraction(received),
        "per_10k_customers": ratio(received, customers, 10000),
        "per_100m_volume": ratio(received, volume, 1),
        "on_time_rate": ratio(on_time, closed, 100),
        "closure_rate": ratio(closed, opening + received, 100),
        "favourable_rate": ratio(favourable, closed, 100),
        "escalation_rate": ratio(escalated, closed, 100),
        "regulator_per_10k": ratio(regulator, customers, 10000),
        "txn_bp": ratio(txn, txns, 10000),
        "disclosure_score": Fraction(score),
    }


def _ranks(rows: list[dict], code: str, key) -> None:
    values = sorted(
        (r["_v"][code] for r in rows if r["status"] == "ranked" and r["_v"][code] is not None),
        reverse=code not in LOWER_BETTER,
    )
    for r in rows:
        v = r["_v"][code]
        r["metrics"][code][key] = None if v is None or r["status"] != "ranked" else values.index(v) + 1


def make_league(*, hostile: bool = False, snapshot: int | None = 3) -> dict:
    """A league dict of ten institutions in four sectors, with ranks, notice order and medians."""
    rows = []
    for index, (code, name, sector, status, counts) in enumerate(INSTITUTIONS):
        values = _values(counts) if counts else dict.fromkeys(METRIC_CODES)
        metrics = {}
        for metric, v in values.items():
            places = 0 if metric == "received" else 2
            metrics[metric] = {
                "value": None if v is None else exact_text(v),
                "display": None if v is None else str(half_up(v, places)),
            }
        rows.append(
            {
                "institution_code": code,
                "name": hostile_text(index, name) if hostile else name,
                "sector": sector,
                "status": status,
                "reason": (HOSTILE[(index + 3) % len(HOSTILE)] if hostile else REASONS.get(status)),
                "composite": None,
                "grade": None,
                "rank_composite": None,
                "movement": MOVEMENTS[index],
                "notice_rank": None,
                "share": None,
                "metrics": metrics,
                "_v": values,
            }
        )
    for code in METRIC_CODES:
        _ranks(rows, code, "rank_all")
        for sector in {r["sector"] for r in rows}:
            _ranks([r for r in rows if r["sector"] == sector], code, "rank_sector")
    medians = {}
    for sector in sorted({r["sector"] for r in rows}):
        of_sector = [r for r in rows if r["sector"] == sector]
        ranked = [r for r in of_sector if r["status"] == "ranked"]
        for position, r in enumerate(
            sorted(ranked, key=lambda r: -r["_v"]["on_time_rate"] if r["_v"]["on_time_rate"] else 0), start=1
        ):
            composite = Fraction(8325, 100) - position * Fraction(20005, 1000)  # 63.245 → "63.25" half-up
            r["composite"] = str(half_up(composite, 2))
            r["grade"] = "A" if composite >= 80 else "B" if composite >= 60 else "C" if composite >= 40 else "D"
            r["rank_composite"] = position
        filers = [r for r in of_sector if r["status"] != "not_filed"]
        total = sum(r["_v"]["received"] for r in filers)
        ordered = sorted(
            filers,
            key=lambda r: (
                -r["_v"]["received"],
                r["_v"]["per_100m_volume"] is None,
                -(r["_v"]["per_100m_volume"] or 0),
                r["institution_code"],
            ),
        )
        for position, r in enumerate(ordered, start=1):
            r["notice_rank"] = position
            r["share"] = str(half_up(r["_v"]["received"] / total * 100, 2))
        medians[sector] = {}
        for code in METRIC_CODES:
            vals = sorted(r["_v"][code] for r in ranked if r["_v"][code] is not None)
            if not vals:
                medians[sector][code] = None
                continue
            mid = len(vals) // 2
            median = vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2
            medians[sector][code] = str(half_up(median, 1 if code == "received" else 2))
    for r in rows:
        del r["_v"]
    return {"period": "2024Q1", "snapshot": snapshot, "rows": rows, "medians": medians}


def make_meta(snapshot: int | None = 3) -> dict:
    """Export metadata: 2024-04-20 02:30 UTC = 10:30 in Asia/Shanghai."""
    return {
        "period": "2024Q1",
        "snapshot": snapshot,
        "ruleset_version": "rules-2024.1",
        "generated_at": datetime(2024, 4, 20, 2, 30, tzinfo=UTC),
        "producer": "scheduler:nightly",
    }


def make_reporting(*, hostile: bool = False) -> list[dict]:
    """Expected filings: CMP and DSC for every institution, with a few late and missing."""
    statuses = {
        "CMP": ("on_time", "on_time", "late", "on_time", "on_time", "on_time", "late", "missing", "on_time", "missing"),
        "DSC": ("on_time", "late", "late", "missing", "on_time", "on_time", "on_time", "missing", "on_time", "on_time"),
    }
    entries = []
    for kind, kinds in statuses.items():
        for index, ((code, name, sector, _status, _counts), status) in enumerate(zip(INSTITUTIONS, kinds, strict=True)):
            entries.append(
                {
                    "institution_code": code,
                    "sector": sector,
                    "kind": kind,
                    "status": status,
                    "name": hostile_text(index, name) if hostile else name,
                    "received_at": None if status == "missing" else "2024-04-16T01:00:00+00:00",
                }
            )
    return entries


def make_findings(*, hostile: bool = False) -> list[dict]:
    """Findings of several rules, levels and statuses."""
    specs = (
        ("S01", "high", "OPEN", 0),
        ("D02", "high", "CLOSED", 0),
        ("T01", "low", "OPEN", 2),
        ("T01", "medium", "EXPLAINED", 7),
        ("P03", "high", "REMEDIATION", 1),
        ("D03", "medium", "OPEN", 5),
        ("X02", "low", "REFERRED", 8),
        ("S02", "medium", "OPEN", 3),
    )
    findings = []
    for number, (rule, level, status, inst) in enumerate(specs, start=101):
        code, name = INSTITUTIONS[inst][0], INSTITUTIONS[inst][1]
        message = hostile_text(number, f"规则{rule}说明") if hostile else f"规则{rule}：请核实"
        findings.append(
            {
                "id": number,
                "rule": rule,
                "level": level,
                "status": status,
                "institution_code": code,
                "name": hostile_text(inst, name) if hostile else name,
                "period": "2024Q1",
                "message": message,
            }
        )
    return findings


def unescape(text: str) -> str:
    """Undo OOXML's ``_xHHHH_`` escapes (openpyxl leaves them in inline strings)."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def formula_cells(path: Path) -> list[str]:
    """Every formula found by openpyxl (data_type ``f``) or in any sheet's raw XML (``<f>`` / ``<f ``)."""
    found = []
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            found += [f"{ws.title}!{c.coordinate}" for c in row if c.data_type == "f"]
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8")
                found += [f"{name}:<f>" for _ in re.finditer(r"<f[ >/]", xml)]
    return found


def test_builder_is_consistent():
    """The builder's half-up cases really are half-up (and differ from Python's round)."""
    league = make_league()
    first = league["rows"][0]["metrics"]["per_10k_customers"]
    assert first == {"value": "0.125", "display": "0.13", "rank_sector": 1, "rank_all": 1}
    assert round(0.125, 2) == 0.12  # the trap the writers must avoid
    assert {r["sector"] for r in league["rows"]} == {"PAY", "CF", "BANK"}
    assert league["medians"]["PAY"]["received"] == "245.0"


def test_formula_scanner_detects_formulas(tmp_path):
    """The scanner used by every no-formula test does find a real formula."""
    book = openpyxl.Workbook()
    book.active["A1"] = "=1+1"
    path = tmp_path / "f.xlsx"
    book.save(path)
    assert len(formula_cells(path)) == 2
