"""Benchmark of filing ingest end to end, as an operator runs it: ``supervision ingest FILE … --format json``.

Figures are printed, not asserted. For a number of detail rows it generates a valid CMP workbook
(cover 封面, detail 投诉明细 with the template's 21 columns and realistic values, summary 投诉汇总
consistent with the detail) in XlsxWriter's streaming mode (``constant_memory``: inline strings),
then, each in a fresh process:

1. ``calamine_read_s``: python-calamine ``iter_rows`` over the detail sheet, fully consumed — the
   yardstick, measured in the same run;
2. a database (SQLite file, or PostgreSQL database ``supervision_bench`` recreated) migrated, with
   the reference data, the institution and the period;
3. ``end_to_end_s``: the whole ``supervision ingest FILE --institution … --period … --kind CMP
   --format json`` process (start-up, ``store_original`` + ``submit``, the memory- and
   time-limited child: guards, column-wise validation, bulk load, commit, the §6 checks after
   acceptance, then the report). A thread polls the child's ``VmHWM`` (its peak RSS) and the
   version's ``progress`` to split the time into stages.

It prints one JSON object::

    {"rows", "backend", "calamine_read_s", "end_to_end_s", "ratio", "child_peak_mib", "stages": {...},
     "child_stages": {...}, "cube_share_of_ingest"}

``stages`` are seen from outside (a watcher thread polling the version's progress every 100 ms, so
a short stage can be missed); ``child_stages`` are the seconds the child measured itself and kept in
the version's progress (``guards`` from the child's start of work, ``read_validate``, ``store`` with
``cube`` inside it, ``commit``, ``checks`` after acceptance); ``cube_share_of_ingest`` is ``cube`` ÷
``end_to_end_s`` (issue 14's target: under 10 %).

With ``--second-quarter`` the quarter before is generated and filed first (not timed): the same
generator gives the same complaint ids with other dates, so the measured version's checks after
acceptance compare every row with an earlier one (``P01``, ``P02``: the worst case of
docs/performance.md, "(tenth session)"); ``child_stages.checks`` is the figure to watch there.

``ratio`` = end_to_end_s ÷ calamine_read_s (the target is ≤ 2); with ``--repeat N`` both are measured N
times, the run of median ratio is reported and every run is listed under ``runs`` (the machine is
shared: compare ratios measured in the same run). PostgreSQL runs use the database ``$BENCH_PG_DB``
(default ``supervision_bench``; give each engineer sharing a server their own). With ``--details`` it also gives the
status and rows stored, ``end_to_end_cpu_s`` (CPU seconds of the CLI, its child and the guard
helper) and ``ratio_cpu`` — steadier on a shared machine — and the load average before and after.
Usage::

    .venv/bin/python bench/ingest.py --rows 200000 --backend sqlite --json
    .venv/bin/python bench/ingest.py --rows 500000 --backend postgresql --json --details --workbooks /tmp/wb
    BENCH_PG_DB=sv_bench_me .venv/bin/python bench/ingest.py --rows 200000 --backend postgresql --repeat 3 --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = os.environ.get("BENCH_PG_DB", "supervision_bench")  # one per engineer on a shared server
PG_URI = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
INSTITUTION_NAME = "基准消费金融股份有限公司"
SECTOR = "CF"
EXCEL_EPOCH = dt.date(1899, 12, 30)
MiB = 1024 * 1024
SECRET = "bench-ingest-" + "x" * 40


def status_kb(field: str, pid: int | str = "self") -> int:
    """A ``/proc/PID/status`` figure in KiB (``VmRSS`` now, ``VmHWM`` peak); 0 when unavailable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def institution_code() -> str:
    """The generated (never real) USCC of the benchmark institution."""
    from supervision.domain.uscc import generate_uscc

    return generate_uscc(1, "11")


def pick_period() -> str:
    """The last completed quarter if it is still open for filing (lock = end + 90 days), else the current one."""
    from supervision.config import SPEC_DEFAULTS
    from supervision.domain.calendar import period_of, today_local

    today = today_local()
    current = period_of(today)
    previous = current.previous()
    return previous.code if previous.lock_date(int(SPEC_DEFAULTS["LOCK_DAYS"])) >= today else current.code


def clean_env() -> dict[str, str]:
    """This environment without any ``SUPERVISION_*`` setting (the bench configures the app itself)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


# --------------------------------------------------------------------------- workbook


CHANNELS = (["A05"] * 45 + ["A04"] * 25 + ["A06"] * 10 + ["A03"] * 8 + ["A01"] * 4 + ["A08"] * 4 + ["A07"] * 2
            + ["A09", "A99"])
CATEGORIES = ["B14"] * 58 + ["B13"] * 12 + ["B05"] * 15 + ["B06"] * 5 + ["B03"] * 5 + ["B02"] * 2 + ["B99"] * 3
CAUSES = {
    "B14": ["C02"] * 5 + ["C10"] * 3 + ["C14"] * 4 + ["C13"] * 3 + ["C04"] * 3 + ["C06", "C08", "C01", "C99"],
    "B13": ["C13"] * 5 + ["C02"] * 3 + ["C14"] * 3 + ["C07", "C04", "C06", "C99"],
    "B05": ["C05"] * 8 + ["C04"] * 2 + ["C09"] * 2 + ["C99"],
    "B06": ["C09"] * 6 + ["C08"] * 2 + ["C11", "C99"],
}
DEFAULT_CAUSES = ["C01", "C02", "C03", "C04", "C06", "C10", "C11", "C99"]
PROVINCES = (["44"] * 12 + ["32"] * 8 + ["37"] * 7 + ["33"] * 7 + ["41"] * 6 + ["51"] * 6 + ["13"] * 5 + ["42"] * 5
             + ["43"] * 5 + ["34"] * 4 + ["35"] * 4 + ["11"] * 4 + ["31"] * 4 + ["50"] * 3 + ["36"] * 3
             + ["53", "52", "61", "45", "21", "22", "23", "14", "15", "12", "62", "65", "46", "64", "63", "54"])
GROUPS = ["NONE"] * 90 + ["ELDERLY"] * 6 + ["DISABLED", "MINOR", "FOREIGN"]
OUTCOMES = ["UPHELD"] * 35 + ["PARTIAL"] * 20 + ["SETTLED"] * 15 + ["NOT_UPHELD"] * 25 + ["WITHDRAWN"] * 5
COMPLAINT_TEXT = {
    "B14": ["提前还款违约金收取标准不清", "借款利率与宣传不符", "还款后仍被收取逾期费用", "自动扣款失败后产生罚息",
            "贷款合同条款未充分提示", "综合年化成本高于页面展示", "申请注销贷款账户未受理"],
    "B13": ["先享后付开通时未明确告知", "分期手续费计算有误", "退货后分期未同步取消", "扣款日期与约定不一致"],
    "B05": ["催收电话频繁影响正常生活", "催收人员言语威胁", "联系第三人催收", "非工作时间催收", "催收短信内容不当"],
    "B06": ["个人信息被用于营销", "未经同意查询征信", "注销后仍收到营销短信", "个人信息疑似泄露"],
}
DEFAULT_TEXT = ["客服响应不及时", "App 页面无法正常还款", "对处理结果不满意", "业务规则变更未提前告知"]
REQUESTS = ["要求核实并退还相关费用", "要求停止此类行为", "要求书面答复", "要求更正记录", "要求赔偿损失",
            "希望尽快处理", "要求说明收费依据"]


def detail_rows(n: int, period_start: dt.date, period_end: dt.date, seed: int = 7, distinct: bool = False):
    """Yield ``n`` realistic, valid 投诉明细 rows (field code → value) of a CF institution."""
    rng = random.Random(seed)
    span = (period_end - period_start).days + 1
    for i in range(n):
        carried = rng.random() < 0.04
        if carried:
            received = period_start - dt.timedelta(days=rng.randint(1, 30))
        else:
            received = period_start + dt.timedelta(days=min(span - 1, int(rng.random() ** 0.9 * span)))
        r = rng.random()
        source = "DIRECT" if r < 0.82 else "REGULATOR" if r < 0.94 else "OTHER"
        transfer_ref = None
        if source == "REGULATOR":
            transfer_ref = f"12378-{received:%Y%m%d}-{i:07d}"
        elif source == "OTHER" and rng.random() < 0.5:
            transfer_ref = f"XH{received:%Y%m%d}{i:07d}"
        cat = rng.choice(CATEGORIES)
        txn = rng.random() < 0.3
        amount = round(min(rng.lognormvariate(7.5, 1.4), 2_000_000), 2) if rng.random() < 0.7 else None
        # closing time: mostly within 15 days, some extended, a few late
        r = rng.random()
        if r < 0.80:
            days, extension = rng.randint(0, 15), "NONE"
        elif r < 0.92:
            days, extension = rng.randint(10, 30), "EXT30"
        elif r < 0.97:
            days, extension = rng.randint(25, 60), "EXT60"
        else:
            days, extension = rng.randint(16, 25), "NONE"  # closed late
        closed = received + dt.timedelta(days=days)
        if carried and closed < period_start:
            closed = period_start + dt.timedelta(days=rng.randint(0, 10))
            if (closed - received).days > 30:
                extension = "EXT60"
            elif (closed - received).days > 15:
                extension = "EXT30"
        is_closed = closed <= period_end and rng.random() < 0.97
        outcome = rng.choice(OUTCOMES) if is_closed else None
        redress = None
        if is_closed and outcome in ("UPHELD", "PARTIAL", "SETTLED") and rng.random() < 0.45:
            redress = round(min(amount or 200.0, rng.lognormvariate(5, 1.2)), 2)
        texts = COMPLAINT_TEXT.get(cat, DEFAULT_TEXT)
        if distinct:  # every row its own text, as free-text summaries are: the details make each one unique
            summary = (f"{rng.choice(texts)}，{received:%m月%d日}来电，涉及金额{amount or 0}元，"
                       f"工单尾号{i:06d}，{rng.choice(REQUESTS)}")
        else:
            summary = f"{rng.choice(texts)}，{rng.choice(REQUESTS)}" if rng.random() < 0.6 else None
        repeat_of = f"TS{rng.randint(0, i - 1):08d}" if i > 100 and rng.random() < 0.015 else None
        yield {
            "complaint_id": f"TS{i:08d}", "received_date": received, "source": source, "transfer_ref": transfer_ref,
            "channel": rng.choice(CHANNELS), "business_category": cat,
            "cause": rng.choice(CAUSES.get(cat, DEFAULT_CAUSES)), "complaint_type": "TXN" if txn else "SVC",
            "transactions_involved": rng.randint(1, 5) if txn else None,
            "product_code": f"CF{cat[1:]}-{rng.randint(1, 12):03d}" if rng.random() < 0.8 else None,
            "province": rng.choice(PROVINCES), "customer_group": rng.choice(GROUPS), "amount": amount,
            "status": "CLOSED" if is_closed else "OPEN", "closed_date": closed if is_closed else None,
            "extension": extension if is_closed else ("EXT30" if (period_end - received).days > 15
                                                       and rng.random() < 0.3 else "NONE"),
            "outcome": outcome, "redress": redress,
            "escalated": ("是" if rng.random() < 0.03 else "否") if is_closed else None,
            "repeat_of": repeat_of, "summary": summary,
        }


def generate(path: Path, n: int, code: str, period_code: str, distinct: bool = False) -> dict:
    """Write the CMP workbook of ``n`` detail rows to ``path`` (XlsxWriter, constant memory)."""
    import xlsxwriter

    from supervision.domain.calendar import parse_period
    from supervision.ingest.templates import template_for

    period = parse_period(period_code)
    fields = template_for("CMP").sheet("detail").fields
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    money_fmt = wb.add_format({"num_format": "#,##0.00"})
    cover = wb.add_worksheet("封面")
    for r, (label, value) in enumerate([("模板版本", "CMP-1"), ("机构代码", code), ("机构名称", INSTITUTION_NAME),
                                        ("报送期", period_code), ("期末有效客户数", n * 60),
                                        ("业务规模(亿元)", 1234.56), ("交易笔数", None), ("填报人", "张三"),
                                        ("联系电话", "010-66668888")]):
        cover.write_string(r, 0, label)
        if isinstance(value, str):
            cover.write_string(r, 1, value)
        elif value is not None:
            cover.write_number(r, 1, value)
    detail = wb.add_worksheet("投诉明细")
    for j, f in enumerate(fields):
        detail.write_string(0, j, f.label_zh)
    kinds = []
    for f in fields:
        kinds.append("date" if f.type == "date" else "money" if f.code in ("amount", "redress") else "any")
    per_cat: dict[str, list[int]] = {}
    for i, row in enumerate(detail_rows(n, period.start, period.end, distinct=distinct), start=1):
        for j, f in enumerate(fields):
            v = row[f.code]
            if v is None:
                continue
            kind = kinds[j]
            if kind == "date":
                detail.write_number(i, j, (v - EXCEL_EPOCH).days, date_fmt)
            elif kind == "money":
                detail.write_number(i, j, v, money_fmt)
            elif isinstance(v, str):
                detail.write_string(i, j, v)
            else:
                detail.write_number(i, j, v)
        c = per_cat.setdefault(row["business_category"], [0, 0, 0, 0, 0])
        carried = row["received_date"] < period.start
        if not carried:
            c[0] += 1
            if row["source"] == "REGULATOR":
                c[4] += 1
        if row["status"] == "CLOSED":
            c[1] += 1
            if (row["closed_date"] - row["received_date"]).days <= {"NONE": 15, "EXT30": 30,
                                                                     "EXT60": 60}[row["extension"]]:
                c[2] += 1
        else:
            c[3] += 1
    summary = wb.add_worksheet("投诉汇总")
    for j, label in enumerate(["业务类别", "本期受理", "本期办结", "按时办结", "期末未办结", "监管转办"]):
        summary.write_string(0, j, label)
    rows = [[cat, *vals] for cat, vals in sorted(per_cat.items())]
    rows.append(["合计", *[sum(v[k] for v in per_cat.values()) for k in range(5)]])
    for i, r in enumerate(rows, start=1):
        summary.write_string(i, 0, r[0])
        for j, v in enumerate(r[1:], start=1):
            summary.write_number(i, j, v)
    wb.close()
    return {"rows": n, "columns": len(fields), "categories": len(per_cat), "bytes": path.stat().st_size}


# --------------------------------------------------------------------------- workers (fresh processes)


def calamine_worker(path: str) -> dict:
    """python-calamine ``iter_rows`` over the detail sheet, fully consumed."""
    import python_calamine

    c0, t0 = time.process_time(), time.perf_counter()
    rows = sum(1 for _ in python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_name("投诉明细").iter_rows())
    return {"rows": rows, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "peak_mib": status_kb("VmHWM") / 1024}


def app_env(backend: str, instance: Path) -> dict[str, str]:
    """The ``SUPERVISION_*`` settings of the benchmark's platform."""
    env = clean_env()
    env.update({"SUPERVISION_INSTANCE_PATH": str(instance), "SUPERVISION_SECRET_KEY": SECRET,
                "SUPERVISION_UPLOAD_FOLDER": str(instance / "uploads"), "SUPERVISION_TASK_BACKEND": "sync",
                "SUPERVISION_DATABASE_URL": (f"sqlite:///{instance / 'bench.db'}" if backend == "sqlite"
                                             else PG_URI)})
    return env


def world_worker(code: str, period_code: str, earlier: str | None = None) -> dict:
    """Migrate the configured database; load reference data, the institution and the period (and the
    ``earlier`` period, unlocked for a week, when a quarter is filed before the measured one)."""
    import flask_migrate

    from supervision.app import create_app

    app = create_app()
    with app.app_context():
        from supervision.domain.calendar import today_local
        from supervision.extensions import db
        from supervision.orgs.services import create_institution
        from supervision.periods.services import add_period, unlock_period
        from supervision.reference.services import load_reference

        flask_migrate.upgrade()
        load_reference(None)
        create_institution(None, code=code, name=INSTITUTION_NAME, sector=SECTOR,
                           active_from=earlier or period_code)
        if earlier:
            before = add_period(None, earlier)
            unlock_period(None, before, max(before.end_date, today_local() + dt.timedelta(days=7)),
                          reason="bench/ingest.py --second-quarter")
        add_period(None, period_code)
        db.session.commit()
    return {"ok": True}


def reset_postgres() -> None:
    """Drop and recreate this benchmark's own database (never any other)."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def drop_postgres() -> None:
    """Drop this benchmark's database at the end."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


class Watch(threading.Thread):
    """Polls the ingest child's ``VmHWM`` and the version's ``progress`` stage while the CLI runs."""

    def __init__(self, cli_pid: int, uri: str, t0: float, after: int = 0) -> None:
        super().__init__(daemon=True)
        from sqlalchemy import create_engine

        self.cli_pid, self.t0, self.after = cli_pid, t0, after  # after: versions up to this id are not ours
        self.engine = create_engine(uri)
        self.peak_kb = 0
        self.child: int | None = None
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    @staticmethod
    def _parent(pid: str) -> tuple[int | None, int | None]:
        """(parent pid, session id) of ``pid``."""
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None, None
        fields = stat.rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[3])

    def _find_child(self) -> None:
        """The CLI's own ingest child (not its guard helper, nor anyone else's child)."""
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            parent, session = self._parent(pid)
            if parent != self.cli_pid:
                continue
            # a started child names its module; a child forked by the command (supervision.filings.forked)
            # has the command's name but a session of its own (its guard helper has not)
            if b"supervision.filings.child" in cmd or session == int(pid):
                self.child = int(pid)
                self.seen.setdefault("child_started", time.perf_counter() - self.t0)
                return

    def run(self) -> None:
        """Poll every 20 ms (memory) and 100 ms (progress)."""
        from sqlalchemy import text

        tick = 0
        while not self.stop.is_set():
            if self.child is None:
                self._find_child()
            else:
                self.peak_kb = max(self.peak_kb, status_kb("VmHWM", self.child))
            if tick % 5 == 0:
                try:
                    with self.engine.connect() as conn:
                        raw = conn.execute(text("SELECT progress FROM filing_version WHERE id > :a "
                                                "ORDER BY id DESC LIMIT 1"), {"a": self.after}).scalar()
                    progress = json.loads(raw) if isinstance(raw, str) else raw or {}
                    stage = progress.get("stage")
                    if stage and stage not in self.seen:
                        self.seen[stage] = time.perf_counter() - self.t0
                except Exception:  # no table or row yet, or a busy database: try again
                    pass
            tick += 1
            time.sleep(0.02)
        self.engine.dispose()


def run_json(args: list[str], log: Path, env: dict[str, str] | None = None) -> dict:
    """Run this script with ``args`` in a fresh process; return the JSON it prints last."""
    with log.open("ab") as err:
        res = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=err,
                             env=env or clean_env(), check=False)
    if res.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        raise SystemExit(f"worker {args[:2]} failed ({res.returncode}):\n" + "\n".join(tail))
    return json.loads(res.stdout.decode().strip().splitlines()[-1])


def end_to_end(path: Path, backend: str, work: Path, code: str, period_code: str, log: Path,
               earlier: tuple[Path, str] | None = None) -> dict:
    """Time ``supervision ingest … --format json`` as a whole process, with the child's stages and peak.
    ``earlier``: a workbook and its period, ingested (not timed) before the measured one."""
    instance = work / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    if backend == "postgresql":
        reset_postgres()
    env = app_env(backend, instance)
    run_json(["--worker", "world", code, period_code, *([earlier[1]] if earlier else [])], log, env)
    uri = env["SUPERVISION_DATABASE_URL"]
    cli = [str(ROOT / ".venv" / "bin" / "supervision"), "ingest", str(path), "--institution", code, "--period",
           period_code, "--kind", "CMP", "--format", "json"]
    if earlier:  # the quarter before, filed first: its ids are the measured quarter's (P01, P02 on every row)
        first = [*cli[:2], str(earlier[0]), *cli[3:6], earlier[1], *cli[7:]]
        with log.open("ab") as err:
            done = subprocess.run(first, stdout=subprocess.PIPE, stderr=err, env=env, check=False)
        status = json.loads(done.stdout.decode().strip().splitlines()[-1]).get("status") if done.stdout else None
        if status != "ACCEPTED":
            raise SystemExit(f"the earlier quarter {earlier[1]} was not accepted: {status}")
    from sqlalchemy import create_engine, text

    engine = create_engine(uri)
    with engine.connect() as conn:  # the versions before the measured one (the earlier quarter's)
        last_before = conn.execute(text("SELECT coalesce(max(id), 0) FROM filing_version")).scalar()
    engine.dispose()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with log.open("ab") as err:
        proc = subprocess.Popen(cli, stdout=subprocess.PIPE, stderr=err, env=env)
        watch = Watch(proc.pid, uri, t0, last_before)
        watch.start()
        out, _ = proc.communicate()
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the CLI, its child and the guard helper
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    watch.stop.set()
    watch.join()
    lines = out.decode().strip().splitlines()
    if not lines:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        raise SystemExit(f"supervision ingest printed nothing ({proc.returncode}):\n" + "\n".join(tail))
    report = json.loads(lines[-1])
    engine = create_engine(uri)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM complaint_row WHERE version_id > :a"),
                              {"a": last_before}).scalar()
        row = conn.execute(text("SELECT progress FROM filing_version ORDER BY id DESC LIMIT 1")).scalar()
    engine.dispose()
    progress = json.loads(row) if isinstance(row, str) else row or {}
    s = watch.seen
    marks = [("cli_startup_and_submit", 0.0, s.get("child_started")),
             ("child_startup", s.get("child_started"), s.get("guards")),
             ("guards", s.get("guards"), s.get("validating")),
             ("validate", s.get("validating"), s.get("storing")),
             ("store_and_commit", s.get("storing"), s.get("checks")),
             ("checks_after_accept", s.get("checks"), s.get("done")),
             ("exit_and_report", s.get("done"), seconds)]
    stages = {name: round(b - a, 2) for name, a, b in marks if a is not None and b is not None}
    return {"seconds": seconds, "cpu": cpu, "status": report.get("status"), "stored_rows": stored,
            "child_peak_mib": round(watch.peak_kb / 1024, 1), "stages": stages,
            "child_seconds_reported": progress.get("seconds"), "checks_seconds": progress.get("checks_seconds"),
            "child_stages": {**(progress.get("timings") or {}), "checks": progress.get("checks_seconds")}}


def main(argv: list[str] | None = None) -> None:
    """Generate, measure and print the JSON object (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--details", action="store_true",
                    help="add to it: status, rows stored, CPU seconds and ratio, workbook size, load average")
    ap.add_argument("--workbooks", metavar="DIR", help="keep generated workbooks in DIR and reuse them")
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure N times (yardstick and ingest each time); report the run of median ratio "
                         "and every run's figures under \"runs\"")
    ap.add_argument("--distinct-summaries", action="store_true",
                    help="every row has its own summary text (free text as filed; by default 60 %% of the rows "
                         "carry one of a few dozen texts, which the topic segmentation does once each)")
    ap.add_argument("--second-quarter", action="store_true",
                    help="file the quarter before first (not timed; the same generator, so the same complaint "
                         "ids with other dates), then measure this quarter: the checks after acceptance then "
                         "compare every row with an earlier one (P01, P02)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        kind, *rest = args.worker
        out = {"generate": lambda: generate(Path(rest[0]), int(rest[1]), rest[2], rest[3], rest[4:] == ["distinct"]),
               "calamine": lambda: calamine_worker(rest[0]),
               "world": lambda: world_worker(rest[0], rest[1], *rest[2:3])}[kind]()
        print(json.dumps(out, ensure_ascii=False, default=str))
        return
    code, period_code = institution_code(), pick_period()
    load0 = os.getloadavg()[0]
    runs = []
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp_name:
        tmp = Path(tmp_name)
        log = tmp / "workers.log"
        books = Path(args.workbooks) if args.workbooks else tmp
        books.mkdir(parents=True, exist_ok=True)
        path = books / f"cmp_{args.rows}_{period_code}{'_distinct' if args.distinct_summaries else ''}.xlsx"
        if not path.exists():
            run_json(["--worker", "generate", str(path), str(args.rows), code, period_code,
                      *(["distinct"] if args.distinct_summaries else [])], log)
        size = path.stat().st_size
        earlier = None
        if args.second_quarter:
            from supervision.domain.calendar import parse_period

            before = parse_period(period_code).previous().code
            earlier = (books / f"cmp_{args.rows}_{before}{'_distinct' if args.distinct_summaries else ''}.xlsx",
                       before)
            if not earlier[0].exists():
                run_json(["--worker", "generate", str(earlier[0]), str(args.rows), code, before,
                          *(["distinct"] if args.distinct_summaries else [])], log)
        for i in range(args.repeat):  # the yardstick and the ingest one after the other, each time
            read = run_json(["--worker", "calamine", str(path)], log)
            try:
                e2e = end_to_end(path, args.backend, tmp / f"work{i}", code, period_code, log, earlier)
            finally:
                if args.backend == "postgresql":
                    drop_postgres()
            runs.append((read, e2e))
    ratios = sorted(range(len(runs)), key=lambda i: runs[i][1]["seconds"] / runs[i][0]["seconds"])
    read, e2e = runs[ratios[len(ratios) // 2]]  # the run of median ratio
    result = {"rows": args.rows, "backend": args.backend, "distinct_summaries": args.distinct_summaries,
              "second_quarter": earlier[1] if earlier else None,
              "calamine_read_s": round(read["seconds"], 2),
              "end_to_end_s": round(e2e["seconds"], 2), "ratio": round(e2e["seconds"] / read["seconds"], 2),
              "child_peak_mib": e2e["child_peak_mib"], "stages": e2e["stages"],
              "child_stages": e2e["child_stages"]}
    cube = (e2e["child_stages"] or {}).get("cube")
    if cube is not None:  # issue 14: the cube's derivation as a share of the whole ingest
        result["cube_share_of_ingest"] = round(cube / e2e["seconds"], 3)
    details = {"status": e2e["status"], "stored_rows": e2e["stored_rows"],
               "calamine_cpu_s": round(read["cpu"], 2), "end_to_end_cpu_s": round(e2e["cpu"], 2),
               "ratio_cpu": round(e2e["cpu"] / read["cpu"], 2), "workbook_mib": round(size / MiB, 1),
               "load_average": [round(load0, 1), round(os.getloadavg()[0], 1)]}
    if args.details:
        result.update(details)
    if args.repeat > 1:
        result["runs"] = [{"calamine_read_s": round(r["seconds"], 2), "end_to_end_s": round(e["seconds"], 2),
                           "ratio": round(e["seconds"] / r["seconds"], 2),
                           "ratio_cpu": round(e["cpu"] / r["cpu"], 2), "status": e["status"],
                           "stored_rows": e["stored_rows"]} for r, e in runs]
    if not args.json:
        print(f"# bench/ingest.py {dt.datetime.now():%Y-%m-%d %H:%M} python {sys.version.split()[0]} "
              f"cpus {os.cpu_count()} institution {code} period {period_code}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
