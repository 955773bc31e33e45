"""Benchmark of filing ingest end to end: CMP workbooks of 100,000 and 500,000 detail rows.

Figures are printed, not asserted. For each size it generates a valid CMP workbook (cover 封面,
detail 投诉明细 with the template's 21 columns and realistic values, summary 投诉汇总 consistent
with the detail) in XlsxWriter's streaming mode (``constant_memory``, so strings are inline), then
measures, each in a fresh process so that the peak RSS is that stage's own:

1. raw read: python-calamine ``iter_rows`` fully consumed, and the platform's
   ``supervision.ingest.reader.open_workbook(p).rows("投诉明细")`` (which picks calamine or the
   expat stream by the sheet's extent);
2. guards: ``supervision.ingest.guards.check_file``;
3. parse + validate: ``supervision.ingest.validate.validate`` (CMP, sector CF);
4. store, per backend (SQLite file, PostgreSQL database ``supervision_bench``, recreated for each
   run): a "web" process builds the app, runs the migrations, loads reference data, creates the
   institution and period, then times exactly what the platform does — ``store_original`` +
   ``submit`` + commit + ``start_child``/``wait_child`` (the real memory- and time-limited
   ``python -m supervision.filings.child``). While the child runs, a thread polls its
   ``/proc/PID/status`` ``VmHWM`` (its own peak after exec) and the version's ``progress`` to
   time its stages: start-up, guards, validate, store (re-read + insert + commit), and what follows
   the commit until the child exits (the §6 checks run after a version is accepted);
5. the ratio end-to-end ÷ raw calamine read (target ≤ 2), and the child's peak (target < 1 GiB).

``--store-breakdown`` adds, per backend, a process that validates and then times the re-read of
the detail rows alone (``result.rows``) and ``pipeline.store`` inside a transaction it rolls back.
``--profile`` runs the child once more under cProfile (SQLite, largest size) and prints the top
functions. The web process's own RSS is printed before and after (parsing happens in the child).

Usage::

    .venv/bin/python bench/ingest.py                                   # 100k and 500k, both backends
    .venv/bin/python bench/ingest.py --rows 100000 --backends sqlite --store-breakdown --profile

Peak RSS is ``VmHWM`` (absolute, MiB). ``ru_maxrss`` of RUSAGE_CHILDREN is printed too for the
child; it also counts the web process's pages copied at fork, before exec, so it is an upper bound.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
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
PG_DB = "supervision_bench"
PG_URI = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
INSTITUTION_NAME = "基准消费金融股份有限公司"
SECTOR = "CF"
EXCEL_EPOCH = dt.date(1899, 12, 30)
MiB = 1024 * 1024


# --------------------------------------------------------------------------- helpers


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


def mb(kb: float) -> float:
    """KiB → MiB, one decimal."""
    return round(kb / 1024, 1)


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


def detail_rows(n: int, period_start: dt.date, period_end: dt.date, seed: int = 7):
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


def generate(path: Path, n: int, code: str, period_code: str) -> dict:
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
    for i, row in enumerate(detail_rows(n, period.start, period.end), start=1):
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


# --------------------------------------------------------------------------- stage workers (fresh processes)


def stage_worker(stage: str, path: str, code: str, period_code: str) -> dict:
    """Run one stage on ``path`` in this process; return seconds, peak RSS and what it saw."""
    import python_calamine

    from supervision.domain.calendar import parse_period
    from supervision.ingest.guards import check_file
    from supervision.ingest.reader import open_workbook
    from supervision.ingest.validate import validate

    base = status_kb("VmRSS")  # after the imports: the stage's time and memory are its own
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    out: dict[str, object] = {"stage": stage}
    if stage == "calamine":
        rows = 0
        for _row in python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_name("投诉明细").iter_rows():
            rows += 1
        out["rows"] = rows
    elif stage == "reader":
        rows = 0
        with open_workbook(path) as wb:
            out["engine"] = wb.engine_for("投诉明细")
            for _row in wb.rows("投诉明细"):
                rows += 1
        out["rows"] = rows
    elif stage == "guards":
        g = check_file(path)
        out["ok"] = g.ok
        out["issues"] = [i.rule for i in g.issues][:10]
    elif stage == "validate":
        p = parse_period(period_code)
        with open_workbook(path) as wb:
            out["engine"] = wb.engine_for("投诉明细")
            result = validate(wb, kind="CMP", institution_code=code, period=p.code, period_start=p.start,
                              period_end=p.end, sector=SECTOR, registered_names=[INSTITUTION_NAME])
        out["ok"] = result.ok
        out["rows"] = dict(result.row_counts)
        out["issues"] = dict(result.issues.totals)
        if not result.ok:
            out["first_issues"] = [f"{i.rule} {i.sheet}!{i.column}{i.row} {i.message_en}"
                                   for i in result.issues.issues[:5]]
    else:
        raise SystemExit(f"unknown stage {stage}")
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["cpu"] = round(time.process_time() - cpu0, 2)
    out["peak_mb"] = mb(status_kb("VmHWM"))
    out["base_mb"] = mb(base)
    return out


# --------------------------------------------------------------------------- store (the "web" process)


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


def build_world(backend: str, workdir: Path, code: str, period_code: str):
    """App with migrated fresh database, reference data, the institution and the period (committed)."""
    import flask_migrate

    from supervision.app import create_app

    instance = workdir / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    uri = f"sqlite:///{instance / 'bench.db'}" if backend == "sqlite" else PG_URI
    app = create_app({"ENV": "testing", "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": uri,
                      "SECRET_KEY": "bench-ingest-" + "x" * 40, "TASK_BACKEND": "sync",
                      "UPLOAD_FOLDER": str(instance / "uploads")})
    ctx = app.app_context()
    ctx.push()
    from supervision.extensions import db
    from supervision.orgs.services import create_institution
    from supervision.periods.services import add_period
    from supervision.reference.services import load_reference

    flask_migrate.upgrade()
    load_reference(None)
    inst = create_institution(None, code=code, name=INSTITUTION_NAME, sector=SECTOR)
    period = add_period(None, period_code)
    db.session.commit()
    return app, uri, inst, period


class ChildWatch(threading.Thread):
    """Polls the child's VmHWM and the version's progress stage until stopped."""

    def __init__(self, pid: int, uri: str, version_id: int, t0: float) -> None:
        super().__init__(daemon=True)
        from sqlalchemy import create_engine

        self.pid, self.version_id, self.t0 = pid, version_id, t0
        self.engine = create_engine(uri)
        self.t0_wall = time.time() - (time.perf_counter() - t0)
        self.peak_kb = 0
        self.stages: dict[str, float] = {}
        #: the child's VmHWM when each stage was first seen: the peak of everything before it
        self.hwm_at: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        """Poll every 20 ms (memory) and 100 ms (progress)."""
        from sqlalchemy import text

        tick = 0
        while not self.stop.is_set():
            self.peak_kb = max(self.peak_kb, status_kb("VmHWM", self.pid))
            if tick % 5 == 0:
                try:
                    with self.engine.connect() as conn:
                        raw = conn.execute(text("SELECT progress FROM filing_version WHERE id = :id"),
                                           {"id": self.version_id}).scalar()
                    progress = json.loads(raw) if isinstance(raw, str) else raw or {}
                    stage = progress.get("stage")
                    if stage and stage not in self.stages:
                        self.hwm_at[stage] = mb(self.peak_kb)
                        at = progress.get("at")
                        seen = time.perf_counter() - self.t0
                        self.stages[stage] = min(seen, at - self.t0_wall) if at else seen
                except Exception:  # a busy database only delays the next poll
                    pass
            tick += 1
            time.sleep(0.02)
        self.engine.dispose()


def e2e_worker(backend: str, path: str, workdir: str, code: str, period_code: str, profile: str | None) -> dict:
    """The web process: set up, then time store_original + submit + commit + the child run."""
    from sqlalchemy import func, select

    from supervision.extensions import db
    from supervision.filings import runner, services
    from supervision.filings.content_models import ComplaintRow
    from supervision.filings.models import FilingVersion

    app, uri, inst, period = build_world(backend, Path(workdir), code, period_code)
    rss_before = status_kb("VmRSS")
    hwm_before = status_kb("VmHWM")
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, inst, period, "CMP", stored, Path(path).name)
    db.session.commit()
    vid = sub.version.id
    t_submitted = time.perf_counter() - t0
    if profile:
        proc = subprocess.Popen([sys.executable, "-m", "cProfile", "-o", profile, "-m", "supervision.filings.child",
                                 str(vid)], env=runner.child_env(),
                                preexec_fn=runner._limits(int(app.config["INGEST_MEMORY_LIMIT_MB"])),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    else:
        proc = runner.start_child(vid)
    t_spawned = time.perf_counter() - t0
    watch = ChildWatch(proc.pid, uri, vid, t0)
    watch.start()
    status = runner.wait_child(proc, vid)
    seconds = time.perf_counter() - t0
    web_cpu = time.process_time() - cpu0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    watch.stop.set()
    watch.join()
    db.session.rollback()
    final = db.session.get(FilingVersion, vid).progress or {}
    if final.get("at"):  # the final progress is committed with the content: its own timestamp
        watch.stages[final.get("stage", "done")] = final["at"] - watch.t0_wall
    stored_rows = db.session.scalar(select(func.count()).select_from(ComplaintRow)
                                    .where(ComplaintRow.version_id == vid))
    v = db.session.get(FilingVersion, vid)
    out = {
        "backend": backend, "status": status, "failure": v.failure, "seconds": round(seconds, 2),
        "submit_seconds": round(t_submitted, 3), "spawn_seconds": round(t_spawned, 3),
        "stages": {k: round(s, 2) for k, s in watch.stages.items()},
        "child_seconds_reported": (v.progress or {}).get("seconds"),
        "child_peak_mb": mb(watch.peak_kb), "child_hwm_at_stage_mb": watch.hwm_at,
        "children_maxrss_mb": mb(children.ru_maxrss),
        "child_cpu": round(children.ru_utime + children.ru_stime, 2), "web_cpu": round(web_cpu, 2),
        "stored_rows": stored_rows, "row_counts": v.row_counts, "warnings": v.warning_count,
        "web_rss_before_mb": mb(rss_before), "web_rss_after_mb": mb(status_kb("VmRSS")),
        "web_hwm_before_mb": mb(hwm_before), "web_hwm_after_mb": mb(status_kb("VmHWM")),
    }
    db.session.remove()
    return out


def store_breakdown_worker(backend: str, path: str, workdir: str, code: str, period_code: str) -> dict:
    """Validate in-process, then time the re-read of the detail rows and ``pipeline.store`` (rolled back)."""
    from sqlalchemy import func, select

    from supervision.extensions import db
    from supervision.filings import pipeline, services
    from supervision.filings.content_models import ComplaintRow
    from supervision.filings.models import FilingVersion
    from supervision.ingest.reader import open_workbook
    from supervision.ingest.validate import validate

    _app, _uri, inst, period = build_world(backend, Path(workdir), code, period_code)
    with open(path, "rb") as fh:
        stored = services.store_original(fh)
    vid = services.submit(None, inst, period, "CMP", stored, Path(path).name).version.id
    db.session.commit()
    out: dict[str, object] = {"backend": backend}
    version = db.session.get(FilingVersion, vid)
    with open_workbook(services.version_path(version)) as wb:
        t = time.perf_counter()
        result = validate(wb, kind="CMP", institution_code=code, period=period.code, period_start=period.start_date,
                          period_end=period.end_date, sector=SECTOR, registered_names=[INSTITUTION_NAME])
        out["validate_seconds"] = round(time.perf_counter() - t, 2)
        out["ok"] = result.ok
        t, c = time.perf_counter(), time.process_time()
        n = sum(1 for _ in pipeline._detail_rows(result, version))
        out["reread_seconds"] = round(time.perf_counter() - t, 2)
        out["reread_cpu"] = round(time.process_time() - c, 2)
        out["reread_rows"] = n
        t, c = time.perf_counter(), time.process_time()
        counts = pipeline.store(version, result)
        db.session.flush()
        out["store_seconds"] = round(time.perf_counter() - t, 2)
        out["store_cpu"] = round(time.process_time() - c, 2)
        out["store_counts"] = counts
        out["rows_in_transaction"] = db.session.scalar(select(func.count()).select_from(ComplaintRow)
                                                       .where(ComplaintRow.version_id == vid))
        t = time.perf_counter()
        db.session.rollback()
        out["rollback_seconds"] = round(time.perf_counter() - t, 2)
    out["insert_seconds_est"] = round(out["store_seconds"] - out["reread_seconds"], 2)
    out["insert_cpu_est"] = round(out["store_cpu"] - out["reread_cpu"], 2)
    out["peak_mb"] = mb(status_kb("VmHWM"))
    db.session.remove()
    return out


# --------------------------------------------------------------------------- orchestration


def run_json(args: list[str], log: Path) -> dict:
    """Run this script with ``args`` in a fresh process; return the JSON it prints last."""
    with log.open("ab") as err:
        res = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=err,
                             env=clean_env(), check=False)
    if res.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        raise SystemExit(f"worker {args[:2]} failed ({res.returncode}):\n" + "\n".join(tail))
    return json.loads(res.stdout.decode().strip().splitlines()[-1])


def print_profile(prof: Path, limit: int = 28) -> None:
    """Top functions of a cProfile dump by own time, then by cumulative time."""
    import io
    import pstats

    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(str(prof), stream=buf).strip_dirs().sort_stats(key).print_stats(limit)
        lines = buf.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
        print(f"\n# child profile, sorted by {key}")
        for line in lines[max(0, start - 3):]:
            if line.strip():
                print("  " + line[:150])


def main(argv: list[str] | None = None) -> None:
    """Generate, measure and print the table (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 500_000])
    ap.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    ap.add_argument("--store-breakdown", action="store_true", help="also time re-read vs insert of the store phase")
    ap.add_argument("--profile", action="store_true", help="profile the child once (SQLite, largest size)")
    ap.add_argument("--stages", nargs="*", choices=["reader", "guards", "validate"],
                    default=["reader", "guards", "validate"],
                    help="stand-alone stages to measure besides the raw calamine read (default: all)")
    ap.add_argument("--keep", metavar="DIR", help="write files under DIR and keep them (default: temp, deleted)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        kind, *rest = args.worker
        if kind == "generate":
            out = generate(Path(rest[0]), int(rest[1]), rest[2], rest[3])
        elif kind == "stage":
            out = stage_worker(*rest)
        elif kind == "e2e":
            out = e2e_worker(rest[0], rest[1], rest[2], rest[3], rest[4], rest[5] if len(rest) > 5 else None)
        elif kind == "store":
            out = store_breakdown_worker(*rest)
        else:
            raise SystemExit(f"unknown worker {kind}")
        print(json.dumps(out, ensure_ascii=False, default=str))
        return

    code, period_code = institution_code(), pick_period()
    print(f"# bench/ingest.py  {dt.datetime.now():%Y-%m-%d %H:%M}  python {sys.version.split()[0]}  "
          f"cpus {os.cpu_count()}  load {os.getloadavg()[0]:.1f}  institution {code} ({SECTOR})  "
          f"period {period_code}", flush=True)
    tmp_ctx = tempfile.TemporaryDirectory(prefix="ingest-bench-") if not args.keep else None
    tmp = Path(args.keep or tmp_ctx.name)
    tmp.mkdir(parents=True, exist_ok=True)
    log = tmp / "workers.log"
    results = []
    try:
        for n in args.rows:
            path = tmp / f"cmp_{n}.xlsx"
            t = time.perf_counter()
            gen = run_json(["--worker", "generate", str(path), str(n), code, period_code], log)
            print(f"\n## {n:,} rows x {gen['columns']} columns: {gen['bytes'] / MiB:.1f} MiB, generated in "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
            row: dict[str, object] = {"rows": n, "mib": round(gen["bytes"] / MiB, 1)}
            for stage in ("calamine", *args.stages):
                r = run_json(["--worker", "stage", stage, str(path), code, period_code], log)
                row[stage] = r
                extra = {k: v for k, v in r.items() if k not in ("stage", "seconds", "cpu", "peak_mb", "base_mb")}
                shown = json.dumps(extra, ensure_ascii=False)
                print(f"  {stage:<9} {r['seconds']:>7.2f} s (cpu {r['cpu']:.2f})  peak {r['peak_mb']:>7.1f} MiB"
                      f" (at start {r['base_mb']})  {shown}", flush=True)
            for backend in args.backends:
                work = tmp / f"{backend}_{n}"
                if backend == "postgresql":
                    reset_postgres()
                r = run_json(["--worker", "e2e", backend, str(path), str(work), code, period_code], log)
                row[backend] = r
                print(f"  e2e {backend:<10} {r['seconds']:>7.2f} s (child cpu {r['child_cpu']}, web cpu {r['web_cpu']})"
                      f"  status {r['status']}  stored {r['stored_rows']:,}"
                      f"  child peak {r['child_peak_mb']} MiB (RUSAGE_CHILDREN {r['children_maxrss_mb']})"
                      f"  stages {r['stages']}  child VmHWM when each stage began {r['child_hwm_at_stage_mb']}"
                      f"  web RSS {r['web_rss_before_mb']} -> {r['web_rss_after_mb']} MiB"
                      + (f"  FAILURE {r['failure']}" if r["failure"] else ""), flush=True)
                if args.store_breakdown:
                    if backend == "postgresql":
                        reset_postgres()
                    s = run_json(["--worker", "store", backend, str(path), str(tmp / f"{backend}_{n}_store"),
                                  code, period_code], log)
                    row[f"{backend}_store"] = s
                    print(f"  store-breakdown {backend}: {json.dumps(s, ensure_ascii=False)}", flush=True)
            results.append(row)
            if not args.keep:
                path.unlink(missing_ok=True)
        if args.profile:
            n = max(args.rows)
            path = tmp / f"cmp_{n}.xlsx"
            run_json(["--worker", "generate", str(path), str(n), code, period_code], log)
            prof = tmp / "child.prof"
            r = run_json(["--worker", "e2e", "sqlite", str(path), str(tmp / "profile"), code, period_code,
                          str(prof)], log)
            print(f"\n# profiled child run (sqlite, {n:,} rows, cProfile overhead included): {r['seconds']} s, "
                  f"stages {r['stages']}")
            print_profile(prof)
            path.unlink(missing_ok=True)
    finally:
        if "postgresql" in args.backends:
            drop_postgres()
        if tmp_ctx is not None:
            tmp_ctx.cleanup()
    print_table(results, args.backends)
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def print_table(results: list[dict], backends: list[str]) -> None:
    """The compact summary table: wall seconds (CPU seconds) / peak MiB."""

    def fig(r: dict | None) -> str:
        if r is None:
            return "-"
        return f"{r['seconds']} ({r['cpu']}) / {r['peak_mb']:.0f}"

    print("\nwall s (cpu s) / peak MiB; stages of the child: start-up / guards / validate / store / after commit")
    print("\n| rows | MiB | calamine | reader (engine) | guards | validate | backend | end-to-end s (child cpu)"
          " | ×calamine wall (cpu) | child peak MiB (before checks) | stored | child stages s | web RSS MiB |")
    print("|" + "---|" * 13)
    for row in results:
        c = row["calamine"]
        rd = row.get("reader")
        for b in backends:
            e = row.get(b)
            if e is None:
                continue
            st = e["stages"]
            marks = [e["spawn_seconds"], *[st.get(k) for k in ("guards", "validating", "storing", "done")],
                     e["seconds"]]
            parts = [f"{z - a:.1f}" if a is not None and z is not None else "?" for a, z in itertools.pairwise(marks)]
            before_checks = e["child_hwm_at_stage_mb"].get("done", "?")
            print(f"| {row['rows']:,} | {row['mib']} | {fig(c)} | {fig(rd)} ({rd['engine'] if rd else '-'}) | "
                  f"{fig(row.get('guards'))} | {fig(row.get('validate'))} | {b} | {e['seconds']} ({e['child_cpu']}) | "
                  f"{e['seconds'] / c['seconds']:.1f} ({e['child_cpu'] / c['cpu']:.1f}) | {e['child_peak_mb']:.0f} "
                  f"({before_checks}) | {e['stored_rows']:,} | {' / '.join(parts)} | "
                  f"{e['web_rss_before_mb']}→{e['web_rss_after_mb']} |")


if __name__ == "__main__":
    main()
