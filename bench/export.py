"""Benchmark of the summary workbook export (spec §9) on a synthetic league.

Generates a league of N institutions (default 5,000) with a realistic spread across sectors — many
small banks and insurers, fewer payment and consumer-finance firms, log-normal customer bases and
complaint rates, a few not ranked (under 10,000 customers) or not filed — plus findings
(``--findings-per-institution``, default 1: the outliers, late filers and disclosure findings of a
typical quarter) and a CMP and DSC reporting entry for each. Then writes the summary workbook twice:

1. timed, without tracing: wall-clock seconds and the process's peak RSS (``ru_maxrss``; the baseline
   after generating the data is printed too, since the data itself lives in the same process);
2. under ``tracemalloc``: the peak of Python allocations during the write.

It also times the CSV and JSON exports. Figures are printed, not asserted (target: < 10 s, < 300 MB).

Usage: ``.venv/bin/python bench/export.py [--institutions 5000] [--seed 7] [--out DIR]``
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.workbook.summary import write_summary
from reports.workbook.tabular import write_league_csv, write_league_json

SECTORS = {  # share of institutions, median complaints per 10k customers, median customers
    "BANK": (0.55, 1.2, 400_000),
    "INS": (0.20, 3.0, 250_000),
    "PAY": (0.15, 2.0, 1_500_000),
    "CF": (0.05, 8.0, 3_000_000),
    "AUTO": (0.05, 4.0, 150_000),
}
METRICS = (
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
LOWER = {"received", "per_10k_customers", "per_100m_volume", "escalation_rate", "regulator_per_10k", "txn_bp"}
WEIGHTS = {
    "per_10k_customers": 30,
    "on_time_rate": 25,
    "favourable_rate": 15,
    "escalation_rate": 15,
    "disclosure_score": 15,
}
CTX = Context(prec=12)


def exact(value: Fraction) -> str:
    """A fraction as a decimal string with 12 significant digits."""
    d = CTX.divide(Decimal(value.numerator), Decimal(value.denominator))
    return format(d, "f") if d else "0"


def half_up(text: str, places: int) -> str:
    """Half-up display text."""
    return str(Decimal(text).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def ranks(items: list[tuple[str, Fraction]], lower: bool) -> dict[str, int]:
    """Competition ranks (1, 2, 2, 4) of (code, value) pairs."""
    ordered = sorted(items, key=lambda kv: kv[1], reverse=not lower)
    result, previous, rank = {}, None, 0
    for position, (code, value) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        result[code] = rank
    return result


def institution(rng: random.Random, index: int, sector: str) -> tuple[dict, dict]:
    """One synthetic institution: its row skeleton and its exact metric values."""
    _, rate, customers_median = SECTORS[sector]
    customers = int(customers_median * rng.lognormvariate(0, 1.2))
    status = "not_filed" if rng.random() < 0.03 else "ranked" if customers >= 10_000 else "not_ranked"
    code = f"{sector}{index:0{18 - len(sector)}d}"
    row = {
        "institution_code": code,
        "name": f"{sector}测试机构{index:05d}有限公司",
        "sector": sector,
        "status": status,
        "reason": {"not_ranked": "期末有效客户数不足10,000", "not_filed": "未报送"}.get(status),
        "movement": rng.choice([None, -3, -1, 0, 1, 2, 5]) if status == "ranked" else None,
    }
    if status == "not_filed":
        return row, dict.fromkeys(METRICS)
    received = max(0, int(customers / 10_000 * rate * rng.lognormvariate(0, 0.7)))
    opening = int(received * rng.uniform(0, 0.2))
    closed = min(opening + received, int((opening + received) * rng.uniform(0.8, 1.0)))
    on_time = int(closed * rng.uniform(0.85, 1.0))
    volume = Fraction(int(customers * rng.uniform(0.5, 20)), 10_000)
    transactions = int(customers * rng.uniform(50, 500)) if sector == "PAY" else 0

    def ratio(n: int, d: Fraction | int, k: int) -> Fraction | None:
        """``n ÷ d × k`` exactly, or None for a zero denominator."""
        return Fraction(n) / d * k if d else None

    values = {
        "received": Fraction(received),
        "per_10k_customers": ratio(received, customers, 10_000),
        "per_100m_volume": ratio(received, volume, 1),
        "on_time_rate": ratio(on_time, closed, 100),
        "closure_rate": ratio(closed, opening + received, 100),
        "favourable_rate": ratio(int(closed * rng.uniform(0.3, 0.9)), closed, 100),
        "escalation_rate": ratio(int(closed * rng.uniform(0, 0.05)), closed, 100),
        "regulator_per_10k": ratio(int(received * rng.uniform(0, 0.3)), customers, 10_000),
        "txn_bp": ratio(int(received * rng.uniform(0, 3)), transactions, 10_000) if sector == "PAY" else None,
        "disclosure_score": Fraction(rng.choice([100, 100, 95, 90, 85, 80, 70, 0])),
    }
    return row, values


def make_league(n: int, seed: int, findings_per_institution: float = 1.0) -> tuple[dict, list[dict], list[dict]]:
    """A synthetic league of ``n`` institutions, with findings and reporting entries."""
    rng = random.Random(seed)
    sectors = rng.choices(list(SECTORS), weights=[s[0] for s in SECTORS.values()], k=n)
    pairs = [institution(rng, i, s) for i, s in enumerate(sectors)]
    rows = [row for row, _ in pairs]
    values = {row["institution_code"]: v for row, v in pairs}
    sector_rank: dict[tuple[str, str], dict[str, int]] = {}
    all_rank: dict[str, dict[str, int]] = {}
    ranked = [r for r in rows if r["status"] == "ranked"]
    for metric in METRICS:
        items = [
            (r["institution_code"], values[r["institution_code"]][metric])
            for r in ranked
            if values[r["institution_code"]][metric] is not None
        ]
        all_rank[metric] = ranks(items, metric in LOWER)
        for sector in SECTORS:
            of_sector = [(c, v) for c, v in items if c.startswith(sector)]
            sector_rank[(sector, metric)] = ranks(of_sector, metric in LOWER)
    medians: dict[str, dict[str, str | None]] = {}
    for sector in SECTORS:
        medians[sector] = {}
        for metric in METRICS:
            vals = sorted(
                values[r["institution_code"]][metric]
                for r in ranked
                if r["sector"] == sector and values[r["institution_code"]][metric] is not None
            )
            if not vals:
                medians[sector][metric] = None
                continue
            mid = len(vals) // 2
            median = vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2
            medians[sector][metric] = half_up(exact(median), 1 if metric == "received" else 2)
    for row in rows:
        code, sector = row["institution_code"], row["sector"]
        row["metrics"] = {}
        for metric in METRICS:
            v = values[code][metric]
            text = None if v is None else exact(v)
            row["metrics"][metric] = {
                "value": text,
                "display": None if text is None else half_up(text, 0 if metric == "received" else 2),
                "rank_sector": sector_rank[(sector, metric)].get(code),
                "rank_all": all_rank[metric].get(code),
            }
        composite = None
        if row["status"] == "ranked":
            scores = []
            for metric, weight in WEIGHTS.items():
                rank = sector_rank[(sector, metric)].get(code)
                n_sector = len(sector_rank[(sector, metric)])
                if rank is not None:
                    scores.append(
                        (weight, Fraction(100) if n_sector == 1 else Fraction(100 * (n_sector - rank), n_sector - 1))
                    )
            composite = half_up(exact(sum(w * s for w, s in scores) / sum(w for w, _ in scores)), 2)
        row["composite"] = composite
        row["grade"] = (
            None
            if composite is None
            else "A"
            if Decimal(composite) >= 80
            else "B"
            if Decimal(composite) >= 60
            else "C"
            if Decimal(composite) >= 40
            else "D"
        )
    for sector in SECTORS:
        of_sector = [r for r in rows if r["sector"] == sector]
        by_composite = sorted((r for r in of_sector if r["composite"]), key=lambda r: -Decimal(r["composite"]))
        for position, r in enumerate(by_composite, start=1):
            r["rank_composite"] = position
        filers = [r for r in of_sector if r["status"] != "not_filed"]
        total = sum(values[r["institution_code"]]["received"] for r in filers) or 1
        filers.sort(key=lambda r: (-values[r["institution_code"]]["received"], r["institution_code"]))
        for position, r in enumerate(filers, start=1):
            r["notice_rank"] = position
            r["share"] = half_up(exact(values[r["institution_code"]]["received"] / total * 100), 2)
    for r in rows:
        r.setdefault("rank_composite", None)
        r.setdefault("notice_rank", None)
        r.setdefault("share", None)
    rules = [
        ("S01", "high"),
        ("S02", "medium"),
        ("S03", "medium"),
        ("T01", "low"),
        ("D03", "medium"),
        ("P01", "medium"),
        ("X02", "low"),
        ("D02", "high"),
    ]
    findings = []
    for number in range(round(findings_per_institution * n)):
        row = rows[rng.randrange(n)]
        rule, level = rng.choice(rules)
        findings.append(
            {
                "id": number + 1,
                "rule": rule,
                "level": level,
                "status": rng.choice(["OPEN", "EXPLAINED", "CLOSED", "REMEDIATION", "REFERRED"]),
                "institution_code": row["institution_code"],
                "name": row["name"],
                "period": "2024Q1",
                "message": f"规则{rule}：第{number}号发现，请核实相关数据并说明原因。",
            }
        )
    reporting = [
        {
            "institution_code": r["institution_code"],
            "name": r["name"],
            "sector": r["sector"],
            "kind": kind,
            "status": "missing" if r["status"] == "not_filed" else rng.choice(["on_time"] * 9 + ["late"]),
            "received_at": "2024-04-14T03:00:00+00:00",
        }
        for r in rows
        for kind in ("CMP", "DSC")
    ]
    return {"period": "2024Q1", "snapshot": 1, "rows": rows, "medians": medians}, findings, reporting


def main() -> None:
    """Generate the data, write the exports, print seconds and memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--findings-per-institution", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="export-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "period": "2024Q1",
        "snapshot": 1,
        "ruleset_version": "bench",
        "producer": "bench/export.py",
        "generated_at": datetime(2024, 4, 20, 2, 30, tzinfo=UTC),
    }

    started = time.perf_counter()
    league, findings, reporting = make_league(args.institutions, args.seed, args.findings_per_institution)
    print(
        f"generated {len(league['rows'])} institutions, {len(findings)} findings, {len(reporting)} reporting "
        f"entries in {time.perf_counter() - started:.2f} s"
    )
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    path = out / "summary.xlsx"
    started, cpu_started = time.perf_counter(), time.process_time()
    result = write_summary(path, league, meta, reporting, findings)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()
    write_summary(out / "summary-traced.xlsx", league, meta, reporting, findings)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    timings = {}
    for name, writer, target in (
        ("csv", write_league_csv, out / "league.csv"),
        ("json", write_league_json, out / "league.json"),
    ):
        started = time.perf_counter()
        writer(target, league, meta)
        timings[name] = time.perf_counter() - started

    print(
        f"summary workbook: {seconds:.2f} s wall, {cpu:.2f} s CPU, {result.size / 2**20:.1f} MiB, "
        f"sha256 {result.sha256[:16]}…"
    )
    print(f"peak RSS: {peak_rss:.0f} MB (after generating the data: {baseline:.0f} MB)")
    print(f"tracemalloc peak during the write: {traced_peak / 2**20:.1f} MB")
    print(f"csv: {timings['csv']:.2f} s, json: {timings['json']:.2f} s; files in {out}")


if __name__ == "__main__":
    main()
