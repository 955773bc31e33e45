"""Load figures of a several-machine deployment on this machine (issue 16).

Starts SeaweedFS, a fresh PostgreSQL database with the demo world (objects in the bucket), two RQ
workers, one scheduler and two gunicorn web nodes (own instance folders, no shared disk) exactly as
the multi-node test does, then drives them with Locust (``.venv-load``, created on first use) for a
bounded time with the mix of bench/locustfile.py — first through one node, then through both — and
prints requests/s, p50/p95/p99 per endpoint and errors as Markdown (docs/performance.md).

    .venv/bin/python bench/load_nodes.py [--users 20] [--seconds 60] [--institutions 6]

Needs PostgreSQL and Redis (make services); uses the test database name prefix (SUPERVISION_TEST_PG_DB).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LOAD_VENV = ROOT / ".venv-load"
PASSWORD = "Load-pass-2024"


def locust_bin() -> Path:
    """Locust in its own venv (it brings gevent; the platform's venv stays as tested)."""
    exe = LOAD_VENV / "bin" / "locust"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOAD_VENV)], check=True)
        subprocess.run([str(LOAD_VENV / "bin" / "pip"), "install", "--quiet", "locust>=2.20,<3"], check=True)
    return exe


def shell(cluster, *args: str) -> str:
    """Run ``supervision ARGS`` as an operator would, with the deployment's environment."""
    out = subprocess.run([str(Path(sys.executable).parent / "supervision"), *args], env=cluster.node_env("shell"),
                         capture_output=True, text=True, check=True, cwd=cluster.tmp)
    return out.stdout


def plan(cluster, institutions: int, files_per_filer: int, folder: Path) -> dict:
    """Load the demo world, then write the workbooks the filers will upload; returns the plan."""
    shell(cluster, "db", "upgrade")
    info = json.loads(shell(cluster, "demo", "--password", PASSWORD, "--limit", str(institutions)))
    from sqlalchemy import create_engine, text

    from supervision.demo import workbooks as gen

    engine = create_engine(cluster.db_url)
    period = info["periods"][-1]
    with engine.connect() as conn:
        period_id = conn.execute(text("SELECT id FROM period WHERE code = :c"), {"c": period}).scalar_one()
        filers = conn.execute(text(
            "SELECT u.email, i.code, i.name, i.sector FROM user_account u JOIN institution i ON i.id = u.institution_id"
            " WHERE u.role = 'filer' AND u.active ORDER BY u.email")).all()
    engine.dispose()
    out = {"password": PASSWORD, "league_period_id": period_id, "regulators": regulator_versions(cluster),
           "filers": []}
    for n, (email, code, name, sector) in enumerate(filers):
        files = []
        for k in range(files_per_filer):
            profile = gen.profile_for(code, name, sector, seed=1000 + n * 100 + k)
            path = folder / f"{code}-{k}.xlsx"
            gen.write_cmp(path, gen.generate_cmp(profile, period, carried_over=[]))
            files.append(str(path))
        out["filers"].append({"email": email, "period": period, "files": files})
    return out


def regulator_versions(cluster) -> list[dict]:
    """Each regulator with the accepted CMP versions its scope lets it open (the rows explorer of
    others' filings is a 404 by design); regulators who see none are left out."""
    from sqlalchemy import select

    from supervision.accounts.models import User
    from supervision.app import create_app
    from supervision.domain.enums import REGULATOR_ROLES
    from supervision.extensions import db
    from supervision.filings.models import Filing, FilingVersion
    from supervision.scope import visible_institution_ids

    app = create_app({"SQLALCHEMY_DATABASE_URI": cluster.db_url, "INSTANCE_PATH": str(cluster.tmp / "shell"),
                      "SECRET_KEY": cluster.env["SUPERVISION_SECRET_KEY"]})
    out = []
    with app.app_context():
        for user in db.session.scalars(select(User).where(User.role.in_(REGULATOR_ROLES), User.active.is_(True))
                                       .order_by(User.email)):
            ids = list(db.session.scalars(
                select(FilingVersion.id).join(Filing).where(Filing.kind == "CMP", FilingVersion.status == "ACCEPTED",
                                                            Filing.institution_id.in_(visible_institution_ids(user)))
                .order_by(FilingVersion.id)))
            if ids:
                out.append({"email": user.email, "versions": ids})
        db.session.remove()
        db.engine.dispose()
    return out


def run_locust(hosts: list[str], plan_path: Path, users: int, seconds: int, prefix: Path) -> list[dict]:
    """One bounded headless Locust run; returns its per-endpoint rows."""
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_HOSTS": ",".join(hosts)}
    subprocess.run([str(locust_bin()), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users),
                    "-r", str(max(1, users // 5)), "-t", f"{seconds}s", "--csv", str(prefix), "--only-summary",
                    "--loglevel", "WARNING"], env=env, check=False, cwd=ROOT)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def table(title: str, rows: list[dict], seconds: int) -> str:
    """Markdown table of one run."""
    lines = [f"**{title}**", "", "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        name = "**all**" if r["Name"] == "Aggregated" else r["Name"]
        lines.append(f"| {name} | {r['Request Count']} | {float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} | "
                     f"{r['99%']} | {r['Failure Count']} |")
    return "\n".join(lines)


def main() -> int:
    """Start the deployment, run the two loads, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--institutions", type=int, default=6)
    parser.add_argument("--files", type=int, default=6, help="distinct workbooks per filer")
    args = parser.parse_args()
    from tests.multinode.cluster import Cluster, wait_http
    from tests.seaweed import free_ports, start_seaweed

    tmp = Path(tempfile.mkdtemp(prefix="supervision-load-"))
    seaweed = start_seaweed(tmp / "weed")
    cluster = None
    try:
        # every simulated user logs in from 127.0.0.1: the per-address login limit would refuse them
        cluster = Cluster(tmp / "cluster", seaweed, db_name="load", login_limit="100000 per minute")
        (tmp / "cluster").mkdir(exist_ok=True)
        load_plan = plan(cluster, args.institutions, args.files, tmp)
        plan_path = tmp / "plan.json"
        plan_path.write_text(json.dumps(load_plan, ensure_ascii=False), encoding="utf-8")
        ports = free_ports(2, set(seaweed.ports))
        hosts = [f"http://127.0.0.1:{p}" for p in ports]
        bin_dir = Path(sys.executable).parent
        for name, port in zip(("nodeA", "nodeB"), ports, strict=True):
            cluster.start(name, [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                 "--threads", "4", "--timeout", "120", "--keep-alive", "75", "--chdir", str(ROOT),
                                 "supervision.wsgi:app"])
        for n in (1, 2):
            cluster.start(f"worker{n}", [str(bin_dir / "supervision"), "worker"])
        cluster.start("scheduler", [sys.executable, "-m", "scheduler"])
        for h in hosts:
            wait_http(f"{h}/healthz")
        print(f"# load: {args.users} users, {args.seconds} s per run, {len(load_plan['filers'])} filers, "
              f"{len(load_plan['regulators'])} regulators, 2 RQ workers, nproc={os.cpu_count()}\n")
        run_locust(hosts, plan_path, args.users, 20, tmp / "warm-up")  # caches, first logins of every account
        for label, use in (("one web node", hosts[:1]), ("two web nodes", hosts)):
            rows = run_locust(use, plan_path, args.users, args.seconds, tmp / label.replace(" ", "-"))
            print(table(f"{label} ({args.users} users, {args.seconds} s)", rows, args.seconds) + "\n", flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
        seaweed.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
