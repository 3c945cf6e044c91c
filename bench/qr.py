"""QR codes: verification at a terminal and dynamic-code issuance, against the outside
baselines (``bench.outside_app``: plain Starlette, the same server settings, started in the
same run), then against the in-app baselines (mounted inside our app, behind our plumbing).

- verify: POST /pos/verify with single-use dynamic codes, vs one Redis SET NX of the same
  body outside (target ≥ 0.7);
- issue: GET /cards/{id}/qrcode, vs the outside authenticated GET (our token check only;
  target ≥ 0.7);
- the same with 2 workers (ratio to 1 worker), and the worker's RSS: idle, after the first 1k
  verifications, and after ``--rss-verifies`` (default 100k; each verification needs a code
  issued first, so that part takes minutes).

Run: .venv/bin/python -m bench.qr [--seconds 5] [--rss-verifies 100000] [--no-two-workers]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import (
    ROOT,
    LoadResult,
    bench_database,
    free_port,
    outside_server,
    rss_mb,
    served_process,
    wrk,
)
from bench.setup import admin_headers, mock_env, wechat_app
from tests.support.partner import access_token
from tests.support.people import make_person
from tests.support.resident import collect, register_person, wechat_session

VERIFY_LUA = str(ROOT / "bench/qr_verify.lua")
ISSUE_LUA = str(ROOT / "bench/qr_issue.lua")
RSS_CHUNK = 10_000  # codes issued, then verified, at a time (they live 120 s)


@dataclass
class Actors:
    """Who the bench acts as: a resident with a card, and a terminal."""

    resident: str
    card_id: str
    terminal: str

    @property
    def resident_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.resident}"}


async def _prepare(base: str, env: dict[str, str]) -> Actors:
    """A resident with a card and a terminal, codes living the longest the centre allows."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        admin = await admin_headers(api, env)
        await api.put("/api/v1/admin/settings/qr", json={"lifetime": 120}, headers=admin)
        app_id = await wechat_app(api, admin)
        resident = (await wechat_session(api, app_id, "bench-user"))["token"]
        person = make_person()
        await register_person(api, person)
        card_id = (await collect(api, resident, person)).json()["card_id"]
        made = await api.post(
            "/api/v1/admin/terminals",
            json={"name": "bench", "institution_code": "H0001"},
            headers=admin,
        )
        terminal = made.json()
        token = await access_token(api, terminal["terminal_id"], terminal["terminal_secret"])
    return Actors(resident, card_id, token)


def issue_codes(base: str, actors: Actors, count: int) -> Path:
    """``count`` fresh dynamic payloads (issued through the API with wrk), in a file."""
    folder = Path(tempfile.mkdtemp(prefix="ehc-qr-"))
    wrk(
        "issue codes",
        f"{base}/api/v1/cards/{actors.card_id}/qrcode",
        seconds=600,
        script=ISSUE_LUA,
        script_args=[str(folder / "codes"), str(-(-count // 2))],
        headers=actors.resident_headers,
        until=[folder / "codes.1.done", folder / "codes.2.done"],
    )
    path = folder / "all.txt"
    path.write_text("".join(p.read_text() for p in sorted(folder.glob("codes.[0-9]"))))
    return path


def verify_all(base: str, actors: Actors, codes: Path) -> LoadResult:
    """Verify every code of the file once (no timing asked: for the memory figures)."""
    return wrk(
        "verify codes", base, seconds=600, script=VERIFY_LUA,
        script_args=[str(codes), actors.terminal, "/api/v1/pos/verify", "once"],
        until=[codes.with_name(f"{codes.name}.{n}.done") for n in (1, 2)],
    )  # fmt: skip


@dataclass
class Figures:
    """One server layout's figures (outside baselines, ours, in-app baselines)."""

    out_bare: LoadResult
    out_redis: LoadResult
    out_auth: LoadResult
    verify: LoadResult
    issue: LoadResult
    in_redis: LoadResult | None = None
    in_auth: LoadResult | None = None


def measure(base: str, outside: str, actors: Actors, seconds: int, codes: int) -> Figures:
    """The timed runs against one server (and its outside twin), verify first while its
    freshly issued codes live."""
    issued = issue_codes(base, actors, codes)
    payloads = str(issued)
    out_bare = wrk(
        "outside: bare POST (same body)", outside, seconds=seconds, script=VERIFY_LUA,
        script_args=[payloads, actors.terminal, "/bare"],
    )  # fmt: skip
    out_redis = wrk(
        "outside: one Redis SET NX", outside, seconds=seconds, script=VERIFY_LUA,
        script_args=[payloads, actors.terminal, "/redis"],
    )  # fmt: skip
    verify = wrk(
        "POST /pos/verify (dynamic, single-use)", base, seconds=seconds, script=VERIFY_LUA,
        script_args=[payloads, actors.terminal],
    )  # fmt: skip
    if verify.non_2xx:
        print(f"note: {verify.non_2xx} verifications were refused (codes exhausted? --codes)")
    auth = actors.resident_headers
    out_auth = wrk(
        "outside: authenticated GET (token)", f"{outside}/authenticated", seconds=seconds,
        headers=auth,
    )  # fmt: skip
    issue = wrk(
        "GET /cards/{id}/qrcode (dynamic)", f"{base}/api/v1/cards/{actors.card_id}/qrcode",
        seconds=seconds, headers=auth,
    )  # fmt: skip
    shutil.rmtree(issued.parent, ignore_errors=True)
    return Figures(out_bare, out_redis, out_auth, verify, issue)


def in_app_baselines(base: str, actors: Actors, seconds: int, figures: Figures) -> None:
    """The baselines mounted inside our app (behind our middleware and routing)."""
    figures.in_redis = wrk("in-app: one Redis SET NX", f"{base}/bench/redis", seconds=seconds)
    figures.in_auth = wrk(
        "in-app: bare authenticated GET", f"{base}/bench/authenticated", seconds=seconds,
        headers=actors.resident_headers,
    )  # fmt: skip


def rss_after(base: str, pid: int, actors: Actors, count: int) -> float:
    """The worker's RSS after ``count`` more verifications (issued and verified in chunks, so
    that no code outlives its 120 s)."""
    done = 0
    while done < count:
        chunk = min(RSS_CHUNK, count - done)
        codes = issue_codes(base, actors, chunk)
        verify_all(base, actors, codes)
        shutil.rmtree(codes.parent, ignore_errors=True)
        done += chunk
    return rss_mb(pid)


def _ratio(name: str, mine: LoadResult, baseline: LoadResult) -> str:
    return f"{name:<38} ratio {mine.requests_per_s / baseline.requests_per_s:5.2f}"


def _ratio(name: str, mine: LoadResult, baseline: LoadResult) -> str:
    return f"{name:<38} ratio {mine.requests_per_s / baseline.requests_per_s:5.2f}"


def report(one: Figures, two: Figures | None, rss: tuple[float, float, float], total: int) -> None:
    print("QR codes, uvicorn (uvloop + httptools), PostgreSQL + Redis, wrk -t2 -c32")
    print("-- against the outside baselines (plain Starlette app, same run), 1 worker --")
    print(one.out_bare.row())
    print(one.out_redis.row())
    print(one.verify.row(one.out_redis))
    print(one.out_auth.row())
    print(one.issue.row(one.out_auth))
    if two:
        print("-- 2 workers (ratio: 2 workers / 1 worker) --")
        for mine, theirs in (
            (two.out_redis, one.out_redis), (two.verify, one.verify),
            (two.out_auth, one.out_auth), (two.issue, one.issue),
        ):  # fmt: skip
            print(mine.row(theirs))
        print(_ratio("verify / outside SET NX, 2 workers", two.verify, two.out_redis))
        print(_ratio("issue / outside auth GET, 2 workers", two.issue, two.out_auth))
    idle, after_1k, after_all = rss
    print("-- worker memory (RSS), 1 worker --")
    print(f"idle {idle:.0f} MB; after 1k verifications {after_1k:.0f} MB; after {total // 1000}k "
          f"{after_all:.0f} MB ({(after_all / after_1k - 1) * 100:+.1f} %)")  # fmt: skip
    print("-- in-app baselines (mounted inside our app: they carry our plumbing) --")
    assert one.in_redis and one.in_auth
    print(one.in_redis.row())
    print(one.verify.row(one.in_redis))
    print(one.in_auth.row())
    print(one.issue.row(one.in_auth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--codes", type=int, default=20_000, help="codes issued for a timed run")
    parser.add_argument("--rss-verifies", type=int, default=100_000)
    parser.add_argument("--no-two-workers", action="store_true")
    args = parser.parse_args()
    with bench_database() as env:
        port = free_port()
        env = mock_env(env, f"http://127.0.0.1:{port}")
        with (
            served_process(env, port=port, upgrade=True) as (base, pid),
            outside_server(env) as outside,
        ):
            idle = rss_mb(pid)
            actors = asyncio.run(_prepare(base, env))
            after_1k = rss_after(base, pid, actors, 1000)
            one = measure(base, outside, actors, args.seconds, args.codes)
            in_app_baselines(base, actors, args.seconds, one)
            done = 1000 + one.verify.requests - one.verify.non_2xx
            after_all = rss_after(base, pid, actors, max(0, args.rss_verifies - done))
        two = None
        if not args.no_two_workers:
            with (
                served_process(env, port=port, workers=2) as (base, _),
                outside_server(env, workers=2) as outside,
            ):
                two = measure(base, outside, actors, args.seconds, args.codes)
    report(one, two, (idle, after_1k, after_all), args.rss_verifies)


if __name__ == "__main__":
    main()
