"""A flood of bad sign-ins must slow only sign-ins: ``/healthz`` latency with no load, then
while 8 clients post bad admin sign-ins (a new unknown username each time, so every one is
hashed: the lock-out never kicks in), then while 8 clients post token requests with wrong SM2
signatures (each one verified). One uvicorn worker, PostgreSQL + Redis. Target: p50 < 20 ms.

Run: .venv/bin/python -m bench.signin_flood [--seconds 8] [--probes 300]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import time

import httpx

from api.crypto.sm2 import generate_keypair
from bench.harness import ROOT, api_server, bench_database
from bench.setup import admin_headers

LUA = str(ROOT / "bench" / "signin_flood.lua")


def probe(base: str, count: int) -> tuple[float, float]:
    """p50 and p99 of ``count`` sequential GET /healthz, in ms."""
    took = []
    with httpx.Client(base_url=base) as client:
        for _ in range(count):
            started = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            took.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(took, n=100)
    return statistics.median(took), cuts[98]


def flood(base: str, seconds: int, probes: int, *args: str) -> tuple[float, float, float, str]:
    """Probe /healthz while wrk floods; (p50, p99, flood requests/s, status summary)."""
    wrk = subprocess.Popen(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", LUA, base, "--", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)  # let the flood build up
    p50, p99 = probe(base, probes)
    out, _ = wrk.communicate()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return p50, p99, rps, f"non-2xx {bad.group(1) if bad else 0}"


async def sm2_client(base: str, env: dict[str, str]) -> str:
    """A partner registered with an SM2 public key; its client id."""
    keys = generate_keypair()
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        admin = await admin_headers(api, env)
        made = await api.post(
            "/api/v1/admin/clients",
            json={
                "name": "sm2",
                "kind": "partner",
                "sm2_public_key": keys.public_key,
            },
            headers=admin,
        )
        return made.json()["client_id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--probes", type=int, default=300)
    args = parser.parse_args()
    with bench_database() as env, api_server(env) as base:
        client_id = asyncio.run(sm2_client(base, env))
        base_p50, base_p99 = probe(base, args.probes)
        print(f"{'/healthz, no load':<44} p50 {base_p50:7.2f} ms   p99 {base_p99:7.2f} ms")
        for name, wrk_args in (
            ("/healthz, 8 clients of bad admin sign-ins", ("admin",)),
            ("/healthz, 8 clients of bad SM2 token asks", ("sm2", client_id)),
        ):
            p50, p99, rps, statuses = flood(base, args.seconds, args.probes, *wrk_args)
            verdict = "ok" if p50 < 20 else "OVER TARGET"
            print(
                f"{name:<44} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
                f"(p50 ×{p50 / base_p50:.1f} of no load; target < 20 ms: {verdict}; "
                f"flood {rps:.0f} req/s, {statuses})"
            )


if __name__ == "__main__":
    main()
