"""Where a request's time goes: py-spy samples our worker (one, as ``ehc serve`` runs it) under
wrk load on the verify and authenticated-GET paths, and each sample is charged to the innermost
step of the request it was in (``STEPS``). Printed per path: share of samples and CPU
microseconds per request (the worker's CPU time over the requests answered), a Markdown table
as ``bench/README.md`` keeps.

Needs py-spy (``pip install -e '.[bench]'``) and the right to attach to a process (root, or
``kernel.yama.ptrace_scope=0``).
Run: .venv/bin/python -m bench.profile [--seconds 10] [--rate 250] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.harness import LoadResult, bench_database, free_port, served_process, wrk
from bench.qr import VERIFY_LUA, Actors, _prepare, issue_codes
from bench.setup import mock_env

# (step, what a frame "function (file:line)" contains), checked from the innermost frame out:
# a sample belongs to the first step one of its frames names.
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The write system calls themselves (on loopback, the receiver's side of TCP runs in them).
    (
        "socket writes (system calls)",
        (
            "CoalescingTransport.",
            "StreamWriter.writelines",
            "httptools_impl.py:524)",
            "httptools_impl.py:551)",
        ),
    ),  # fmt: skip
    ("SM3 / SM4 / HMAC (api/crypto, hashlib)", ("api/crypto/", "hashlib", "hmac.py")),
    ("JSON access log line", ("logging/", "JsonLogFormatter")),
    ("request metrics (prometheus)", ("api/web/metrics.py", "prometheus_client")),
    ("body read, JSON decode, validation", ("api/web/bodies.py", "pydantic")),
    ("token lookup", ("api/tokens.py", "authenticate (")),
    ("usage / audit buffering", ("batch_writer", "_record_usage", "_record_read", "audit/")),
    ("Redis client (pack, send, parse)", ("redis/", "api/kv.py")),
    ("database (tortoise, asyncpg)", ("tortoise/", "asyncpg/", "pypika")),
    ("answer serialisation", ("serialise (", "starlette/responses.py", "to_dict (")),
    ("routing", ("starlette/routing.py",)),
    ("our middleware (request id, headers)", ("api/web/middleware.py",)),
    ("Starlette app and middleware stack", ("starlette/",)),
    ("endpoint wrapper (api_route)", ("api/web/endpoint.py", "api/web/caller.py")),
    ("HTTP server (uvicorn, httptools)", ("uvicorn/", "httptools", "api/web/http_protocol.py")),
    ("handler and service code", ("api/",)),
    ("event loop (uvloop, asyncio)", ("uvloop", "asyncio/")),
)
OTHER = "other"


def step_of(frames: list[str]) -> str:
    """The step of one sample (its frames root first)."""
    for frame in reversed(frames):
        for step, marks in STEPS:
            if any(mark in frame for mark in marks):
                return step
    return OTHER


def tally(raw: Path) -> Counter[str]:
    """Samples per step from py-spy's raw (collapsed stacks) output."""
    counts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            counts[step_of(stack.split(";"))] += int(n)
    return counts


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks (USER_HZ)


def profiled(pid: int, seconds: int, rate: int, out: Path, load) -> tuple[LoadResult, float]:  # noqa: ANN001
    """Run ``load`` (a callable returning wrk's result) while py-spy samples ``pid``; returns
    the result and the worker's CPU seconds spent meanwhile."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    before = cpu_seconds(pid)
    sampler = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", str(rate), "--duration", str(seconds),
         "--nonblocking", "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    result = load()
    sampler.wait(timeout=seconds + 30)
    return result, cpu_seconds(pid) - before


def table(title: str, counts: Counter[str], result: LoadResult, cpu: float) -> str:
    """A Markdown table of one path's steps."""
    total = sum(counts.values()) or 1
    per_request = cpu / max(1, result.requests) * 1e6
    lines = [
        f"**{title}**: {result.requests_per_s:.0f} req/s under py-spy, "
        f"{per_request:.0f} µs of worker CPU per request",
        "",
        "| step | share | µs / request |",
        "|---|---:|---:|",
    ]
    for step, n in counts.most_common():
        lines.append(f"| {step} | {n / total * 100:.1f} % | {n / total * per_request:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--keep", type=Path, help="keep py-spy's raw stacks in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ehc-profile-"))
    folder.mkdir(parents=True, exist_ok=True)
    secs = args.seconds
    with bench_database() as env:
        port = free_port()
        env = mock_env(env, f"http://127.0.0.1:{port}")
        with served_process(env, port=port, upgrade=True) as (base, pid):
            actors: Actors = asyncio.run(_prepare(base, env))
            codes = str(issue_codes(base, actors, 4000 * secs // 5))
            auth = actors.resident_headers
            runs = {
                "POST /api/v1/pos/verify": lambda: wrk(
                    "verify",
                    base,
                    seconds=secs,
                    script=VERIFY_LUA,
                    script_args=[codes, actors.terminal],
                ),  # fmt: skip
                "GET /bench/authenticated (in-app: token check only)": lambda: wrk(
                    "auth", f"{base}/bench/authenticated", seconds=secs, headers=auth
                ),
                "GET /api/v1/cards/{id}/qrcode": lambda: wrk(
                    "issue",
                    f"{base}/api/v1/cards/{actors.card_id}/qrcode",
                    seconds=secs,
                    headers=auth,
                ),  # fmt: skip
            }
            for n, (title, load) in enumerate(runs.items()):
                raw = folder / f"{n}.txt"
                result, cpu = profiled(pid, secs, args.rate, raw, load)
                print(table(title, tally(raw), result, cpu), end="\n\n")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
