"""Locust scenario of bench/load_nodes.py (run by it in its own venv, ``.venv-load``; needs only locust).

A realistic quarter-end mix against one or several web nodes (each simulated user sticks to one
node, as a load balancer with sticky connections would place it): filers upload a workbook, poll its
progress until a worker has processed it and open the result; regulators read the league table,
the findings list and dashboard, and the rows explorer of filings. ``LOAD_PLAN`` (JSON written by
bench/load_nodes.py) names the users, files, periods and versions; ``LOAD_HOSTS`` the nodes.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
HOSTS = os.environ["LOAD_HOSTS"].split(",")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_next_host = itertools.count()
_next_filer = itertools.count()
_next_regulator = itertools.count()


class PlatformUser(HttpUser):
    """A logged-in user of one node."""

    abstract = True
    wait_time = between(1, 3)

    def __init__(self, *args, **kwargs):
        self.host = HOSTS[next(_next_host) % len(HOSTS)]
        super().__init__(*args, **kwargs)

    def csrf(self, path: str, name: str) -> str:
        """The CSRF token of a page."""
        res = self.client.get(path, name=name)
        m = CSRF.search(res.text)
        return m.group(1) if m else ""

    def login(self, email: str) -> None:
        """Log in through the form."""
        token = self.csrf("/login", "GET /login")
        self.client.post("/login", data={"email": email, "password": PLAN["password"], "csrf_token": token},
                         name="POST /login", allow_redirects=False)


class Filer(PlatformUser):
    """Uploads, polls, reads its result."""

    weight = 1

    def on_start(self):
        self.me = PLAN["filers"][next(_next_filer) % len(PLAN["filers"])]
        self.files = list(self.me["files"])
        random.shuffle(self.files)
        self.login(self.me["email"])

    @task(1)
    def upload_and_poll(self):
        path = self.files.pop() if self.files else random.choice(self.me["files"])
        token = self.csrf("/filings/upload", "GET /filings/upload")
        with self.client.post("/filings/upload", name="POST /filings/upload", allow_redirects=False,
                              data={"csrf_token": token, "period": self.me["period"], "kind": "CMP"},
                              files={"file": (os.path.basename(path), Path(path).read_bytes())},
                              catch_response=True) as res:
            where = res.headers.get("Location", "")
            if res.status_code != 302 or "/versions/" not in where:
                res.failure(f"upload answered {res.status_code}")
                return
            res.success()
        vid = where.rstrip("/").rsplit("/", 1)[-1]
        for _ in range(120):
            body = self.client.get(f"/filings/versions/{vid}/progress", name="GET progress").json()
            if body.get("status") not in ("RECEIVED", "VALIDATING"):
                break
            time.sleep(1)
        self.client.get(f"/filings/versions/{vid}", name="GET version page")

    @task(2)
    def my_filings(self):
        self.client.get("/filings/", name="GET /filings/")


class Regulator(PlatformUser):
    """Reads the league table, findings and the explorer."""

    weight = 3

    def on_start(self):
        self.me = PLAN["regulators"][next(_next_regulator) % len(PLAN["regulators"])]
        self.login(self.me["email"])

    @task(3)
    def league(self):
        self.client.get(f"/league/{PLAN['league_period_id']}", name="GET league table")

    @task(2)
    def findings(self):
        self.client.get("/findings/", name="GET /findings/")

    @task(1)
    def dashboard(self):
        self.client.get("/findings/dashboard", name="GET findings dashboard")

    @task(2)
    def explorer(self):
        vid = random.choice(self.me["versions"])
        self.client.get(f"/filings/versions/{vid}/rows", name="GET rows explorer")

    @task(1)
    def home(self):
        self.client.get("/", name="GET /")
