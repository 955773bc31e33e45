"""Benchmark the candidate workbook readers for filing ingest (seconds and peak memory).

Generates 18-column 投诉明细 detail sheets with XlsxWriter (``constant_memory``, so strings are inline)
and, with ``--shared``, the same data with a shared-string table (as Excel itself writes), then
reads every row with each candidate, each in a fresh subprocess so that peak RSS is its own:

* ``calamine``     python-calamine ``iter_rows`` (Rust; materialises the sheet);
* ``openpyxl``     openpyxl ``read_only=True`` with ``reset_dimensions()``, ``values_only``;
* ``stream``       the direct expat stream of sheet XML + sharedStrings (supervision.ingest.xlsxparts);
* ``reader-auto``  ``supervision.ingest.reader.open_workbook`` as the platform uses it (normalised).

Usage::

    .venv/bin/python bench/read_bench.py                 # 100,000 rows
    .venv/bin/python bench/read_bench.py --rows 100000 500000 --shared --tracemalloc

Peak RSS is the worker's ``VmHWM`` (its own high-water mark; ``ru_maxrss``, also printed, can
carry the parent's peak across fork) minus its RSS before opening the file; ``--tracemalloc`` adds a
second run per candidate measuring the Python-heap
peak (tracemalloc does not see calamine's Rust allocations, and slows Python-side readers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["投诉编号", "受理日期", "投诉来源", "转办单号", "业务办理渠道", "业务类别", "投诉原因", "投诉类型",
           "涉及交易笔数", "投诉人所在地", "特殊群体", "涉及金额(元)", "处理状态", "办结日期", "延期情况", "处理结果",
           "赔付金额(元)", "投诉摘要"]
CANDIDATES = ("calamine", "openpyxl", "stream", "reader-auto")


def generate(path: Path, rows: int, shared: bool) -> None:
    """Write a detail sheet of ``rows`` data rows and 18 columns to ``path``."""
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    if not shared:
        options["constant_memory"] = True
    wb = xlsxwriter.Workbook(str(path), options)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("投诉明细")
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h)
    start = dt.date(2024, 1, 1)
    for i in range(rows):
        r = i + 1
        closed = i % 3 != 0
        ws.write_string(r, 0, f"CMP2024{i:09d}")
        ws.write_datetime(r, 1, start + dt.timedelta(days=i % 90), date_fmt)
        ws.write_string(r, 2, ("DIRECT", "REGULATOR", "OTHER")[i % 3])
        ws.write_string(r, 3, f"ZB{i:08d}" if i % 3 == 1 else "")
        ws.write_string(r, 4, f"A0{1 + i % 9}")
        ws.write_string(r, 5, f"B{1 + i % 14:02d}")
        ws.write_string(r, 6, f"C{1 + i % 14:02d}")
        ws.write_string(r, 7, "TXN" if i % 2 else "SVC")
        ws.write_number(r, 8, i % 7)
        ws.write_string(r, 9, "11")
        ws.write_string(r, 10, "NONE")
        ws.write_number(r, 11, (i % 10000) / 100)
        ws.write_string(r, 12, "CLOSED" if closed else "OPEN")
        if closed:
            ws.write_datetime(r, 13, start + dt.timedelta(days=i % 90 + 1), date_fmt)
        ws.write_string(r, 14, "NONE")
        ws.write_string(r, 15, "UPHELD" if closed else "")
        ws.write_number(r, 16, i % 50)
        ws.write_string(r, 17, f"客户反映第{i}笔交易扣款异常，要求退款")
    wb.close()


def _status_kb(field: str) -> int:
    """Return a ``/proc/self/status`` figure in KiB (``VmRSS`` now, ``VmHWM`` peak)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _read(candidate: str, path: str) -> int:
    cells = 0
    if candidate == "calamine":
        import python_calamine

        wb = python_calamine.CalamineWorkbook.from_path(path)
        for row in wb.get_sheet_by_name("投诉明细").iter_rows():
            cells += len(row)
        wb.close()
    elif candidate == "openpyxl":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb["投诉明细"]
        ws.reset_dimensions()
        for row in ws.iter_rows(values_only=True):
            cells += len(row)
        wb.close()
    elif candidate == "stream":
        import zipfile

        from supervision.ingest import xlsxparts, xlsxstyles

        with zipfile.ZipFile(path) as zf:
            package = xlsxparts.read_package(zf)
            shared = xlsxparts.read_shared_strings(zf)
            styles = xlsxstyles.read_styles(zf)
            for _n, row in xlsxparts.iter_sheet(zf, package.sheet("投诉明细").part, shared, styles):
                cells += len(row)
    elif candidate == "reader-auto":
        from supervision.ingest.reader import open_workbook

        with open_workbook(path) as wb:
            for _n, row in wb.rows("投诉明细"):
                cells += len(row)
    else:
        raise SystemExit(f"unknown candidate {candidate}")
    return cells


def worker(candidate: str, path: str, trace: bool) -> dict:
    """Read ``path`` with ``candidate`` in this process; return seconds and memory figures."""
    sys.path.insert(0, str(ROOT))
    base = _status_kb("VmRSS")
    if trace:
        import tracemalloc

        tracemalloc.start()
    t0 = time.perf_counter()
    cells = _read(candidate, path)
    seconds = time.perf_counter() - t0
    out = {"candidate": candidate, "seconds": round(seconds, 2), "cells": cells}
    if trace:
        import tracemalloc

        out["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    else:
        # VmHWM is this process's own high-water mark (ru_maxrss inherits the parent's across fork).
        out["peak_rss_mb"] = round((_status_kb("VmHWM") - base) / 1024, 1)
        out["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main(argv: list[str] | None = None) -> None:
    """Generate the sheets and print one line of figures per candidate and size."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000])
    ap.add_argument("--shared", action="store_true", help="also test a shared-string workbook")
    ap.add_argument("--tracemalloc", action="store_true", help="also measure the Python heap peak")
    ap.add_argument("--candidates", nargs="+", default=list(CANDIDATES))
    ap.add_argument("--worker", nargs=2, metavar=("CANDIDATE", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--generate", nargs=2, metavar=("PATH", "ROWS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate:
        generate(Path(args.generate[0]), int(args.generate[1]), args.shared)
        return
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.trace)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            for shared in ([False, True] if args.shared else [False]):
                path = Path(tmp) / f"detail_{rows}_{'shared' if shared else 'inline'}.xlsx"
                t0 = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--generate", str(path), str(rows)]
                               + (["--shared"] if shared else []), check=True)
                size = path.stat().st_size / 2**20
                print(f"# {rows:,} rows x 18 cols, {'shared' if shared else 'inline'} strings: "
                      f"{size:.1f} MiB written in {time.perf_counter() - t0:.1f} s", flush=True)
                for cand in args.candidates:
                    for trace in ([False, True] if args.tracemalloc else [False]):
                        cmd = [sys.executable, __file__, "--worker", cand, str(path)]
                        if trace:
                            cmd.append("--trace")
                        res = subprocess.run(cmd, capture_output=True, text=True, check=True,
                                             env={**os.environ, "PYTHONPATH": str(ROOT)})
                        print("  " + res.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
