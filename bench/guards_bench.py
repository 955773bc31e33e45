"""Benchmark the file guards (``supervision.ingest.guards.check_file``) on large CMP workbooks.

Generates (or reuses, with ``--dir``) the CMP workbook of ``bench/ingest.py`` (XlsxWriter
``constant_memory``: 21 detail columns, inline strings; with ``--shared`` also the same data with a
shared-string table, as Excel writes it) for each ``--rows`` size, then runs ``check_file`` in a
fresh process per measurement and prints wall and CPU seconds and the peak RSS (``VmHWM``, and its
growth over the process's RSS before the call). ``--reference`` also times the expat-only scanners
the fast path replaced (``tests/ingest/sheetscan_reference.py``), and ``--calamine`` a raw
python-calamine read of the detail sheet for scale.

Usage::

    .venv/bin/python bench/guards_bench.py --rows 100000 500000 --reference --calamine --dir /tmp/gb
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def status_kb(field: str) -> int:
    """A ``/proc/self/status`` figure in KiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def worker(mode: str, path: str) -> dict:
    """Run one measurement in this (fresh) process."""
    sys.path.insert(0, str(ROOT))
    import python_calamine

    from supervision.ingest import guards

    if mode == "reference":
        from tests.ingest.sheetscan_reference import ReferenceSheetScanner, ReferenceStringScanner

        guards.SheetScanner, guards.StringScanner = ReferenceSheetScanner, ReferenceStringScanner
    base = status_kb("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    out: dict[str, object] = {"mode": mode}
    if mode == "calamine":
        book = python_calamine.CalamineWorkbook.from_path(path)
        out["rows"] = sum(1 for _ in book.get_sheet_by_name("投诉明细").iter_rows())
    else:
        result = guards.check_file(path)
        out["ok"] = result.ok
        out["sheets"] = [(f.sheet, f.actual, f.data_rows, f.data_columns) for f in result.sheets]
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["cpu"] = round(time.process_time() - c0, 2)
    out["peak_mb"] = round(status_kb("VmHWM") / 1024, 1)
    out["growth_mb"] = round((status_kb("VmHWM") - base) / 1024, 1)
    return out


@contextlib.contextmanager
def _shared_strings(on: bool) -> Iterator[None]:
    """Make ``bench.ingest.generate`` write a shared-string table (XlsxWriter without constant_memory)."""
    import xlsxwriter

    original = xlsxwriter.Workbook

    def workbook(path: str, options: dict) -> xlsxwriter.Workbook:
        return original(path, {k: v for k, v in options.items() if k != "constant_memory"})

    if on:
        xlsxwriter.Workbook = workbook
    try:
        yield
    finally:
        xlsxwriter.Workbook = original


def main(argv: list[str] | None = None) -> None:
    """Generate the workbooks and print one line per measurement (``*``: shared strings)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000])
    ap.add_argument("--dir", type=Path, help="keep (and reuse) the generated workbooks here")
    ap.add_argument("--reference", action="store_true", help="also time the expat-only reference scanner")
    ap.add_argument("--calamine", action="store_true", help="also time a raw python-calamine read")
    ap.add_argument("--shared", action="store_true", help="also a workbook with a shared-string table")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--worker", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker), ensure_ascii=False))
        return
    sys.path.insert(0, str(ROOT))
    from bench.ingest import generate

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="guards-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    modes = ["guards"] + (["reference"] if args.reference else []) + (["calamine"] if args.calamine else [])
    for n, shared in [(n, shared) for n in args.rows for shared in (False, True) if shared <= args.shared]:
        path = workdir / f"{'shared' if shared else 'cmp'}{n}.xlsx"
        if not path.exists():
            t0 = time.perf_counter()
            with _shared_strings(shared):
                info = generate(path, n, "91110000MA0000001X", "2024Q1")
            print(f"generated {path} ({info['bytes'] / 2**20:.1f} MiB) in {time.perf_counter() - t0:.0f}s", flush=True)
        for mode in modes:
            for _ in range(args.repeat):
                proc = subprocess.run([sys.executable, __file__, "--worker", mode, str(path)], capture_output=True,
                                      text=True, check=True, cwd=ROOT)
                r = json.loads(proc.stdout)
                extra = r.get("rows") if mode == "calamine" else f"ok={r['ok']} {r['sheets'][1]}"
                print(f"{n:>8} rows{'*' if shared else ' '} {mode:<9}  {r['seconds']:>6.2f}s wall  "
                      f"{r['cpu']:>6.2f}s cpu  peak {r['peak_mb']:>6.1f} MB (+{r['growth_mb']:.1f})  {extra}",
                      flush=True)


if __name__ == "__main__":
    main()
