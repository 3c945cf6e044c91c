"""Shared bench plumbing: start the API in its own process (one uvicorn worker, uvloop +
httptools, as production runs it) and load it with wrk from another process.

Every script prints its figures next to a baseline measured in the same invocation, so the
ratios hold whatever the machine is doing.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("EHC_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("EHC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


@dataclass
class LoadResult:
    """What wrk measured for one endpoint."""

    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int = 0

    def row(self, baseline: LoadResult | None = None) -> str:
        """One printed line, with the ratio to ``baseline`` when given."""
        ratio = f"  ratio {self.requests_per_s / baseline.requests_per_s:5.2f}" if baseline else ""
        return (
            f"{self.name:<34} {self.requests_per_s:>9.0f} req/s   p50 {self.p50_ms:7.2f} ms"
            f"   p99 {self.p99_ms:7.2f} ms   non-2xx {self.non_2xx}{ratio}"
        )


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def bench_database() -> Iterator[dict[str, str]]:
    """A private PostgreSQL database and Redis db for one bench run; the EHC_* env for it."""
    name = f"ehc_bench_{secrets.token_hex(4)}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    data_dir = tempfile.mkdtemp(prefix="ehc-bench-")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        yield {
            "EHC_DATABASE_URL": f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}",
            "EHC_REDIS_URL": REDIS_URL,
            "EHC_DATA_DIR": data_dir,
            # Production's default: the access line of every request is written (to a file).
            "EHC_LOG_LEVEL": os.environ.get("EHC_LOG_LEVEL", "INFO"),
        }
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(data_dir, ignore_errors=True)


def free_port() -> int:
    """A port nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def api_server(
    env: dict[str, str],
    factory: str = "bench.bench_app:app",
    port: int | None = None,
    *,
    workers: int = 1,
) -> Iterator[str]:
    """Run our app as ``ehc serve`` runs it (``bench.serve``: uvloop, our httptools protocol,
    JSON logs into ``server.log`` of the bench's data directory); yields the base URL."""
    with served_process(env, factory, port=port, workers=workers, upgrade=True) as (base, _):
        yield base


@contextmanager
def served_process(
    env: dict[str, str],
    factory: str = "bench.bench_app:app",
    *,
    port: int | None = None,
    workers: int = 1,
    upgrade: bool = False,
) -> Iterator[tuple[str, int]]:
    """As :func:`api_server` (the schema migrated first with ``upgrade``), yielding the base
    URL and the server's pid (with one worker, the worker's)."""
    if upgrade:
        subprocess.run(
            [sys.executable, "-m", "api.cli", "db", "upgrade"],
            env={**os.environ, **env},
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
    with _served(env, factory, port, workers=workers) as served:
        yield served


@contextmanager
def outside_server(env: dict[str, str], *, workers: int = 1) -> Iterator[str]:
    """The outside baselines (``bench.outside_app``, plain Starlette and uvicorn, the same
    server settings) on the bench's database and Redis; yields the base URL."""
    with _served(env, "bench.outside_app:app", None, workers=workers, plain=True) as (base, _):
        yield base


@contextmanager
def _served(
    env: dict[str, str], factory: str, port: int | None, *, workers: int, plain: bool = False
) -> Iterator[tuple[str, int]]:
    port = port or free_port()
    cmd = [sys.executable, "-m", "bench.serve", factory, str(port), "--workers", str(workers)]
    log_path = Path(env["EHC_DATA_DIR"]) / ("outside.log" if plain else "server.log")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [*cmd, *(["--plain"] if plain else [])],
            env={**os.environ, **env},
            cwd=ROOT,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise SystemExit(f"{factory} did not start: see {log_path}") from None
                time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


_LAT = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    name: str,
    url: str,
    *,
    seconds: int = 5,
    connections: int = 32,
    script: str | None = None,
    script_args: list[str] | None = None,
    headers: dict[str, str] | None = None,
    until: list[Path] | None = None,
) -> LoadResult:
    """Load ``url`` with wrk (2 threads) and parse req/s, p50, p99 and non-2xx answers.

    With ``until`` the run ends (wrk's own SIGINT stop) as soon as all those files exist: the
    scripts write them when their threads are done, and wrk itself would sit out ``seconds``."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench needs wrk: run scripts/install-system-deps.sh (apt wrk)")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    if script:
        cmd += ["-s", script]
    extra = ["--", *script_args] if script_args else []
    proc = subprocess.Popen([*cmd, url, *extra], stdout=subprocess.PIPE, text=True)
    if until:
        while proc.poll() is None and not all(path.exists() for path in until):
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed ({proc.returncode}) on {url}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {p: float(v) * _UNITS[u] for p, v, u in _LAT.findall(out)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return LoadResult(
        name,
        rps,
        lat.get("50", 0.0),
        lat.get("99", 0.0),
        int(bad.group(1)) if bad else 0,
        int(total.group(1)) if total else 0,
    )
