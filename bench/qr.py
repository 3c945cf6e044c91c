"""QR codes: verification at a terminal and dynamic-code issuance, each next to its baseline
measured in the same run (one uvicorn worker, PostgreSQL + Redis).

- verify: POST /pos/verify with single-use dynamic codes, vs one Redis SET NX (target ≥ 0.7)
- issue: GET /cards/{id}/qrcode, vs a bare authenticated endpoint (target ≥ 0.7)

Run: .venv/bin/python -m bench.qr [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import httpx

from bench.harness import ROOT, wrk
from bench.setup import admin_headers, server_with_mock, wechat_app
from tests.support.partner import access_token
from tests.support.people import make_person
from tests.support.resident import collect, register_person, wechat_session


async def _prepare(base: str, env: dict[str, str], codes: int) -> tuple[str, str, str, list[str]]:
    """A resident with a card, a terminal, and ``codes`` fresh dynamic payloads on disk."""
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
        terminal_token = await access_token(
            api, terminal["terminal_id"], terminal["terminal_secret"]
        )
        gate = asyncio.Semaphore(32)
        headers = {"Authorization": f"Bearer {resident}"}

        async def one() -> str:
            async with gate:
                resp = await api.get(f"/api/v1/cards/{card_id}/qrcode", headers=headers)
                return resp.json()["payload"]

        payloads = await asyncio.gather(*(one() for _ in range(codes)))
    return resident, card_id, terminal_token, payloads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--codes", type=int, default=40_000)
    args = parser.parse_args()
    with server_with_mock() as (base, env):
        resident, card_id, terminal, payloads = asyncio.run(_prepare(base, env, args.codes))
        path = Path(tempfile.mkstemp(prefix="ehc-qr-", suffix=".txt")[1])
        path.write_text("\n".join(payloads) + "\n")
        secs = args.seconds
        redis = wrk("baseline: one Redis SET NX", f"{base}/bench/redis", seconds=secs)
        verify = wrk(
            "POST /pos/verify (dynamic, single-use)",
            base,
            seconds=secs,
            script=str(ROOT / "bench/qr_verify.lua"),
            script_args=[str(path), terminal],
        )
        auth = {"Authorization": f"Bearer {resident}"}
        bare = wrk(
            "baseline: bare authenticated GET", f"{base}/bench/authenticated", seconds=secs,
            headers=auth,
        )  # fmt: skip
        issue = wrk(
            "GET /cards/{id}/qrcode (dynamic)",
            f"{base}/api/v1/cards/{card_id}/qrcode",
            seconds=secs,
            headers=auth,
        )
    print("QR codes, one uvicorn worker (uvloop + httptools), PostgreSQL + Redis, wrk -t2 -c32")
    print(redis.row())
    print(verify.row(redis))
    print(bare.row())
    print(issue.row(bare))
    if verify.non_2xx:
        print(f"note: {verify.non_2xx} verifications were refused (payload file exhausted?)")
    path.unlink()
    sys.exit(0)


if __name__ == "__main__":
    main()
