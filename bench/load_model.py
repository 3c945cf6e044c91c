"""The load model: a province's morning — counters scanning codes, the 7 a.m. booking rush and
residents collecting cards, all at once — against 1 node and then 2 nodes (``ehc serve``, one
worker each, sharing PostgreSQL and Redis) on this machine.

Scans and bookings are driven by wrk (one wrk per node, as a load balancer splits the traffic;
each node gets its own half of the codes and residents), collections by a few concurrent
residents going through the whole real-name flow against the stand-ins. Prints, per run:
throughput of each kind, per node, p99, the ratio 2 nodes / 1 node, and a sizing table (nodes
for a province at 1,000 scans/s and the nation at 15,000) from the per-core scan rate measured
with 1 node. A node of one worker is one core's worth: the figure scales by cores per node.

On a small shared machine the second node competes with wrk, PostgreSQL and Redis for the same
cores, so the ratio is a floor, not a ceiling; say so when quoting it.
Run: .venv/bin/python -m bench.load_model [--seconds 5] [--codes 4000] [--residents 300]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import ROOT, LoadResult, wrk
from bench.setup import admin_headers, server_with_mock, wechat_app
from tests.cluster.nodes import Node, client_of
from tests.support.hospital import ensure_hospital, one_slot
from tests.support.partner import access_token
from tests.support.resident import new_holder

HOSPITAL = "H0001"
TARGETS = (("a province", 1_000), ("the nation", 15_000))  # peak scans per second
CORES_PER_NODE = 4  # a production node: ehc serve --workers 4 on 4 cores
HEADROOM = 0.5  # plan to run at half the measured rate: peaks within the peak, a node down


@dataclass
class Morning:
    """What one run measured."""

    nodes: int
    scans: list[LoadResult]
    bookings: list[LoadResult]
    collections: int
    seconds: float

    @property
    def scans_per_s(self) -> float:
        return sum(r.requests_per_s for r in self.scans)

    @property
    def bookings_per_s(self) -> float:
        return sum(r.requests_per_s for r in self.bookings)

    @property
    def scan_p99(self) -> float:
        return max(r.p99_ms for r in self.scans)  # the worse node's (no merged histogram)

    @property
    def booking_p99(self) -> float:
        return max(r.p99_ms for r in self.bookings)


@dataclass
class Setup:
    stand_ins: str
    app_id: str
    terminal: dict[str, str]
    admin: dict[str, str]
    residents: list[dict]


async def _prepare(base: str, env: dict[str, str], residents: int) -> Setup:
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        admin = await admin_headers(api, env)
        await api.put("/api/v1/admin/settings/qr", json={"lifetime": 120}, headers=admin)
        app_id = await wechat_app(api, admin)
        await ensure_hospital(api, admin, HOSPITAL)
        terminal = (
            await api.post(
                "/api/v1/admin/terminals",
                json={"name": "bench", "institution_code": HOSPITAL},
                headers=admin,
            )
        ).json()
        gate = asyncio.Semaphore(8)  # the stand-ins share the set-up server's one worker

        async def one() -> dict:
            async with gate:
                for _ in range(3):  # a busy moment of the stand-ins: the resident tries again
                    try:
                        return await new_holder(api, app_id)
                    except AssertionError:
                        await asyncio.sleep(0.5)
                return await new_holder(api, app_id)

        people = await asyncio.gather(*(one() for _ in range(residents)))
    return Setup(base, app_id, terminal, admin, people)


async def _codes(base: str, setup: Setup, n: int) -> list[str]:
    """``n`` fresh dynamic codes of the residents' cards."""
    gate = asyncio.Semaphore(32)
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:

        async def one(i: int) -> str:
            holder = setup.residents[i % len(setup.residents)]
            async with gate:
                resp = await api.get(
                    f"/api/v1/cards/{holder['card']['card_id']}/qrcode",
                    headers={"Authorization": f"Bearer {holder['token']}"},
                )
                return resp.json()["payload"]

        return await asyncio.gather(*(one(i) for i in range(n)))


async def _collections(nodes: list[Node], setup: Setup, seconds: float) -> int:
    """Residents collecting cards (login, SMS code, real-name check) for ``seconds``, a few
    at a time, spread over the nodes; returns how many collected one."""
    done = 0
    deadline = time.monotonic() + seconds
    clients = [client_of(node, setup.stand_ins) for node in nodes]

    async def resident(i: int) -> None:
        nonlocal done
        while time.monotonic() < deadline:
            try:
                await new_holder(clients[i % len(clients)], setup.app_id)
                done += 1
            except (AssertionError, httpx.HTTPError):
                pass  # an overloaded moment: the resident tries again

    try:
        await asyncio.gather(*(resident(i) for i in range(4)))
    finally:
        for client in clients:
            await client.aclose()
    return done


def _morning(nodes: list[Node], setup: Setup, args: argparse.Namespace, workdir: Path) -> Morning:
    base = nodes[0].base_url
    slot_id, token = asyncio.run(_slot_and_token(base, setup))
    started = time.monotonic()
    codes = asyncio.run(_codes(base, setup, args.codes))  # valid for 120 s from now
    if time.monotonic() - started > 60:
        print("note: codes took over a minute to issue; the last scans may find them expired")
    files = []
    for i, _ in enumerate(nodes):  # each node its own share: nothing is sent to two
        share = codes[i :: len(nodes)]
        people = setup.residents[i :: len(nodes)]
        scan_file, rush_file = workdir / f"codes-{i}.txt", workdir / f"people-{i}.txt"
        scan_file.write_text("\n".join(share) + "\n")
        rush_file.write_text("".join(f"{p['card']['card_id']} {p['token']}\n" for p in people))
        files.append((scan_file, rush_file))
    connections = max(2, 32 // len(nodes))
    with ThreadPoolExecutor(max_workers=2 * len(nodes)) as pool:
        scans = [
            pool.submit(
                wrk,
                f"scans @ {node.name}",
                node.base_url,
                seconds=args.seconds,
                connections=connections,
                script=str(ROOT / "bench/qr_verify.lua"),
                script_args=[str(scan), token],
            )  # fmt: skip
            for node, (scan, _) in zip(nodes, files, strict=True)
        ]
        rushes = [
            pool.submit(
                wrk,
                f"bookings @ {node.name}",
                node.base_url,
                seconds=args.seconds,
                connections=max(2, connections // 4),
                script=str(ROOT / "bench/booking_rush.lua"),
                script_args=[str(rush), str(slot_id)],
            )  # fmt: skip
            for node, (_, rush) in zip(nodes, files, strict=True)
        ]
        collected = asyncio.run(_collections(nodes, setup, args.seconds))
        return Morning(
            len(nodes), [f.result() for f in scans], [f.result() for f in rushes], collected,
            args.seconds,
        )  # fmt: skip


async def _slot_and_token(base: str, setup: Setup) -> tuple[int, str]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        _, slot_id = await one_slot(api, setup.admin, HOSPITAL, capacity=50)
        token = await access_token(
            api, setup.terminal["terminal_id"], setup.terminal["terminal_secret"]
        )
    return slot_id, token


def _print_run(run: Morning) -> None:
    print(f"\n{run.nodes} node(s), one worker each, {run.seconds:.0f} s:")
    for result in (*run.scans, *run.bookings):
        print("  " + result.row())
    print(
        f"  total: {run.scans_per_s:.0f} scans/s ({run.scans_per_s / run.nodes:.0f} per node),"
        f" {run.bookings_per_s:.0f} booking attempts/s, "
        f"{run.collections / run.seconds:.1f} collections/s; p99 scan {run.scan_p99:.1f} ms,"
        f" booking {run.booking_p99:.1f} ms"
    )


def sizing(per_core: float) -> list[tuple[str, int, int]]:
    """(who, peak scans/s, nodes of CORES_PER_NODE cores) from a measured per-core scan rate,
    at HEADROOM of it, plus one node to lose."""
    usable = per_core * CORES_PER_NODE * HEADROOM
    return [(who, peak, math.ceil(peak / usable) + 1) for who, peak in TARGETS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--codes", type=int, default=4_000, help="codes per run")
    parser.add_argument("--residents", type=int, default=300)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ehc-load-model-"))
    runs = []
    with server_with_mock() as (base, env):
        setup = asyncio.run(_prepare(base, env, args.residents))
        for count in (1, 2):
            nodes = [
                Node(f"node-{i + 1}", {**env, "EHC_RUN_WORKER": "1"}, workdir, workers=1)
                for i in range(count)
            ]
            try:
                for node in nodes:
                    node.start()
                runs.append(_morning(nodes, setup, args, workdir))
            finally:
                for node in nodes:
                    node.stop()
    one, two = runs
    print("A province's morning: scans + a booking rush + collections, PostgreSQL + Redis")
    for run in runs:
        _print_run(run)
    print(
        f"\nratio 2 nodes / 1 node: scans {two.scans_per_s / one.scans_per_s:.2f}, "
        f"bookings {two.bookings_per_s / one.bookings_per_s:.2f}"
    )
    per_core = one.scans_per_s  # one node of one worker: one core's worth, under the mix
    print(f"\nsizing from {per_core:.0f} scans/s per core, nodes of {CORES_PER_NODE} cores "
          f"run at {HEADROOM:.0%}, plus one spare:")  # fmt: skip
    print("| who | peak scans/s | nodes |\n|---|---|---|")
    for who, peak, count in sizing(per_core):
        print(f"| {who} | {peak:,} | {count} |")


if __name__ == "__main__":
    main()
