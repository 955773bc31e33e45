"""The offline release (issue 17): `scripts/release.sh` (``make release``) builds one wheel with
everything and a wheelhouse; the wheel installs into a fresh venv with no index, no pip
configuration, no npm and (where the machine allows a network namespace) no network at all, and the
installed platform migrates, loads the demo and serves Chinese pages and its vendored ECharts from
outside the source tree."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from supervision.version import platform_version

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
VERSION = platform_version()


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    """``dist/`` built once per test session into a temporary folder."""
    out = tmp_path_factory.mktemp("release") / "dist"
    proc = subprocess.run(["bash", "scripts/release.sh", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=1800, env={**os.environ, "BIN": str(Path(sys.executable).parent)})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return out


def _isolated_env(venv: Path, **extra: str) -> dict[str, str]:
    """An environment without pip configuration, SUPERVISION_* settings or npm: only the venv on PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "SUPERVISION_", "PYTHON", "VIRTUAL_ENV", "FLASK_"))}
    env.update({"PATH": str(venv / "bin"), "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1", "HOME": str(venv.parent / "home")}, **extra)
    return env


def _offline() -> list[str]:
    """A prefix that runs a command without network (a new network namespace), when permitted here."""
    unshare = shutil.which("unshare")
    try:
        ok = bool(unshare) and subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=20).returncode == 0
    except subprocess.TimeoutExpired:
        ok = False
    return [unshare, "-n"] if ok else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_release_holds_the_wheel_its_dependencies_and_their_sums(release):
    wheels = list(release.glob(f"supervision-{VERSION}-*.whl"))
    assert len(wheels) == 1, wheels
    wheel = wheels[0]  # for this platform, with the compiled modules (check_wheel.py requires them)
    assert not wheel.name.endswith("-py3-none-any.whl")
    assert wheel.is_file() and (release / "wheelhouse" / wheel.name).is_file()
    check = subprocess.run([sys.executable, str(ROOT / "tools" / "check_wheel.py"), str(wheel)], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(f"supervision-{VERSION}.dist-info/METADATA").decode()
        mo = zf.read("supervision/translations/zh/LC_MESSAGES/messages.mo")
    assert f"Version: {VERSION}" in metadata and len(mo) > 10_000
    assert "supervision/static/vendor/echarts/echarts.min.js" in names
    required = re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)", metadata, re.M)
    wheels = {re.sub(r"[-_.]+", "-", p.name.split("-")[0]).lower() for p in (release / "wheelhouse").glob("*.whl")}
    missing = [r for r in required if re.sub(r"[-_.]+", "-", r).lower() not in wheels
               and "extra ==" not in metadata.split(f"Requires-Dist: {r}", 1)[1].split("\n", 1)[0]]
    assert missing == []
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=release, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    listed = {line.split()[1] for line in (release / "SHA256SUMS").read_text().splitlines()}
    assert listed == {wheel.name, *(f"wheelhouse/{p.name}" for p in (release / "wheelhouse").glob("*.whl"))}


def test_offline_install_migrates_loads_the_demo_and_serves_outside_the_source_tree(release, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    (tmp_path / "home").mkdir()
    env = _isolated_env(venv)
    assert shutil.which("npm", path=env["PATH"]) is None and shutil.which("node", path=env["PATH"]) is None
    install = subprocess.run(
        [*_offline(), str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", "--find-links",
         str(release / "wheelhouse"), f"supervision=={VERSION}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-3000:]

    run_dir = tmp_path / "elsewhere"  # no source tree, no ../shared
    run_dir.mkdir()
    bin_ = venv / "bin"

    def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(bin_ / args[0]), *args[1:]], cwd=run_dir, env=env, capture_output=True, text=True,
                              timeout=timeout)
        assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        return proc

    assert run("supervision", "--version").stdout.strip() == f"supervision {VERSION}"
    where = json.loads(run("python", "-c", "import json, supervision, reports, scheduler; print(json.dumps("
                           "[supervision.__file__, reports.__file__, scheduler.__file__]))").stdout)
    assert all(Path(p).is_relative_to(venv) for p in where), where
    compiled = run("python", "-c", "from supervision.ingest import colnative, fastscan; "
                   "print(colnative.available(), fastscan.native is not None)").stdout.split()
    assert compiled == ["True", "True"]  # the guards' and the sheet reader's compiled paths installed
    run("supervision", "db", "upgrade")
    instance = venv / "var" / "supervision-instance"  # the installed default, never site-packages
    with sqlite3.connect(instance / "supervision.db") as conn:
        events = [json.loads(d) for (d,) in conn.execute("SELECT detail FROM audit_event WHERE action = 'db_upgrade'")]
    assert len(events) == 1 and events[0]["version"] == VERSION and events[0]["applied"]
    demo = json.loads(run("supervision", "demo", "--limit", "3").stdout)
    assert demo["institutions"] == 58 and demo["filings"]["filings"] >= 20 and demo["filings"]["ACCEPTED"] >= 20

    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen([str(bin_ / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "supervision.wsgi:app"], cwd=run_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        login_page = _get(opener, f"{base}/login")
        assert 'lang="zh-CN"' in login_page and "登录" in login_page and f"平台版本 {VERSION}" in login_page
        echarts = opener.open(f"{base}/static/vendor/echarts/echarts.min.js", timeout=30)
        body = echarts.read()
        assert echarts.status == 200 and len(body) > 500_000 and b"echarts" in body[:4000]
        assert opener.open(f"{base}/static/vendor/bootstrap/css/bootstrap.min.css", timeout=30).status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        data = urllib.parse.urlencode({"email": "supervisor@nfra.demo.cn", "password": "demo-Pass-2024",
                                       "csrf_token": token}).encode()
        home = opener.open(urllib.request.Request(f"{base}/login", data=data), timeout=60).read().decode()
        assert "退出" in home and "排行榜" in home  # logged in, Chinese navigation
        league = _get(opener, f"{base}/league/")
        assert "排行榜" in league
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _get(opener, url: str, tries: int = 60) -> str:
    """GET ``url`` as text, waiting for the server to come up."""
    for _ in range(tries):
        try:
            return opener.open(url, timeout=30).read().decode()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"no answer from {url}")
