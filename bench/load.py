"""Load figures (docs/performance.md): N concurrent logged-in clients for T seconds against a running
server, on the published league page and the dashboard (home page). Figures are printed, not asserted.

Each client is a thread with its own keep-alive connection and session cookie (logged in through
the real form); it requests the paths in turn as fast as the server answers. Printed: requests,
req/s, error count, p50/p90/p99/max latency per path and overall, and the load average.

Usage (a server started by ``make run`` on port 5000, the demo loaded)::

    .venv/bin/python bench/load.py --url http://127.0.0.1:5000 --clients 20 --seconds 120 \\
        --email analyst@demo.cn --password demo-Pass-2024 --paths /league/ /
    .venv/bin/python bench/load.py ... --json       # one JSON object
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import statistics
import threading
import time
import urllib.parse

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """One keep-alive HTTP connection with a cookie jar of one session."""

    def __init__(self, base: str):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, dict]:
        """One request; returns (status, text, headers); keeps cookies."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, text, dict(resp.headers)

    def login(self, email: str, password: str) -> None:
        """Log in through the real form (CSRF token included)."""
        _s, page, _h = self.request("GET", "/login")
        token = CSRF_RE.search(page).group(1)
        body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
        status, _t, _h = self.request("POST", "/login", body)
        if status != 302:
            raise SystemExit(f"login failed with {status}")


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def run(url: str, clients: int, seconds: float, email: str, password: str, paths: list[str]) -> dict:
    """Drive the load and return the figures."""
    latencies: dict[str, list[float]] = {p: [] for p in paths}
    errors: dict[str, int] = {p: 0 for p in paths}
    lock = threading.Lock()
    first = Client(url)
    first.login(email, password)  # one login (the per-address login limit); every client shares its session
    resolved = []
    for p in paths:  # a path that redirects (the league index → the latest period) is measured at its target
        status, _t, headers = first.request("GET", p)
        location = headers.get("Location") if status in (301, 302, 303) else None
        resolved.append(urllib.parse.urlsplit(location).path if location else p)
    paths = resolved
    latencies = {p: [] for p in paths}
    errors = {p: 0 for p in paths}
    sessions = []
    for _ in range(clients):
        c = Client(url)
        c.cookies = dict(first.cookies)
        sessions.append(c)
    start = time.monotonic()
    stop = start + seconds

    def work(c: Client, offset: int) -> None:
        i = offset
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                status, _t, _h = c.request("GET", path)
            except Exception:
                status = 0
            dt = time.perf_counter() - t0
            with lock:
                latencies[path].append(dt)
                if status != 200:
                    errors[path] += 1

    threads = [threading.Thread(target=work, args=(c, n)) for n, c in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    every = [x for v in latencies.values() for x in v]

    def figures(values: list[float]) -> dict:
        return {"requests": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
                "p90_ms": round(percentile(values, 90) * 1000, 1), "p99_ms": round(percentile(values, 99) * 1000, 1),
                "max_ms": round(max(values) * 1000, 1) if values else None,
                "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else None}

    return {"url": url, "clients": clients, "seconds": round(elapsed, 1), "req_per_s": round(len(every) / elapsed, 1),
            "errors": sum(errors.values()), "overall": figures(every),
            "paths": {p: {**figures(v), "errors": errors[p]} for p, v in latencies.items()},
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:5000")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--email", default="analyst@demo.cn")
    ap.add_argument("--password", default=os.environ.get("SUPERVISION_DEMO_PASSWORD", "demo-Pass-2024"))
    ap.add_argument("--paths", nargs="+", default=["/league/", "/"])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out = run(a.url, a.clients, a.seconds, a.email, a.password, a.paths)
    if a.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    print(f"{out['clients']} clients × {out['seconds']} s on {out['url']}: {out['req_per_s']} req/s, "
          f"{out['errors']} errors, load average {out['loadavg']}")
    for name, f in [("overall", out["overall"]), *out["paths"].items()]:
        print(f"  {name:<12} n={f['requests']:<6} p50 {f['p50_ms']} ms  p90 {f['p90_ms']} ms  p99 {f['p99_ms']} ms  "
              f"max {f['max_ms']} ms")


if __name__ == "__main__":
    main()
