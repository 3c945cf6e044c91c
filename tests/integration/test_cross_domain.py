"""Two card centres with different issuers verify each other's codes (national guide's
cross-domain verification), and a centre whose peer is down answers at once with 503."""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import time
from pathlib import Path

import httpx
import pyotp

from tests.support.counter import terminal_headers
from tests.support.people import make_person
from tests.support.processes import ehc_process, free_port
from tests.support.resident import collect, register_person, wechat_session

CLEAN_ENV = {k: "" for k in os.environ if k.startswith("EHC_")}
VERIFY = "/api/v1/pos/verify"


def wait_credentials(path: Path) -> dict:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return json.loads(path.read_text())


class Centre:
    """One card centre (``ehc demo`` in its own directory) and what we know of it."""

    def __init__(self, root: Path, issuer: str) -> None:
        self.dir = root / issuer
        self.dir.mkdir()
        self.issuer = issuer
        self.port = str(free_port())
        self.url = f"http://127.0.0.1:{self.port}"
        self.peer_env: dict[str, str] = {}

    @contextlib.contextmanager
    def running(self):
        (self.dir / "demo-credentials.json").unlink(missing_ok=True)
        env = {**CLEAN_ENV, "EHC_ISSUER": self.issuer, **self.peer_env}
        with ehc_process(["demo", "--port", self.port], env, cwd=self.dir):
            self.creds = wait_credentials(self.dir / "demo-credentials.json")
            yield self

    def admin_headers(self) -> dict[str, str]:
        admin = self.creds["admin"]
        resp = httpx.post(
            f"{self.url}/api/v1/admin/sessions",
            json={
                "username": admin["username"],
                "password": admin["password"],
                "totp": pyotp.TOTP(admin["totp_secret"]).now(),
            },
        )
        return {"Authorization": f"Bearer {resp.json()['token']}"}

    def peer_client(self, name: str) -> dict:
        resp = httpx.post(
            f"{self.url}/api/v1/admin/clients",
            json={"name": name, "kind": "peer"},
            headers=self.admin_headers(),
        )
        assert resp.status_code == 201, resp.text
        return resp.json()


async def a_dynamic_code(centre: Centre) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=centre.url) as api:
        session = await wechat_session(api, centre.creds["apps"]["wechat"]["app_id"], "u1")
        person = make_person(random.Random(secrets.randbits(64)))
        await register_person(api, person)
        card = (await collect(api, session["token"], person)).json()
        resp = await api.get(
            f"/api/v1/cards/{card['card_id']}/qrcode",
            headers={"Authorization": f"Bearer {session['token']}"},
        )
        return resp.json()["payload"], person.name


async def verify_at(centre: Centre, payload: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=centre.url, timeout=30) as api:
        headers = await terminal_headers(api, centre.creds["terminal"])
        return await api.post(
            VERIFY, json={"qr": payload, "scene": "registration"}, headers=headers
        )


async def test_two_centres_verify_each_others_codes(tmp_path) -> None:
    north, south = Centre(tmp_path, "1100A0001"), Centre(tmp_path, "3300A0001")
    # first start: each centre registers the other as a peer client
    with north.running(), south.running():
        north_at_south = south.peer_client("north centre")
        south_at_north = north.peer_client("south centre")
    north.peer_env = {
        "EHC_PEERS": f"3300A0001={south.url}",
        "EHC_PEER_CLIENT_ID": north_at_south["client_id"],
        "EHC_PEER_CLIENT_SECRET": north_at_south["client_secret"],
    }
    south.peer_env = {
        "EHC_PEERS": f"1100A0001={north.url}",
        "EHC_PEER_CLIENT_ID": south_at_north["client_id"],
        "EHC_PEER_CLIENT_SECRET": south_at_north["client_secret"],
    }
    with north.running(), south.running():
        south_code, south_name = await a_dynamic_code(south)
        at_north = await verify_at(north, south_code)
        assert at_north.status_code == 200, at_north.text
        assert at_north.json()["issuer"] == "3300A0001" and at_north.json()["name"] == south_name
        assert at_north.json()["patient_id"]  # the north hospital's own record
        replay = await verify_at(north, south_code)
        assert replay.status_code == 409 and replay.json()["error"]["code"] == "QR_REPLAYED"
        north_code, north_name = await a_dynamic_code(north)
        at_south = await verify_at(south, north_code)
        assert at_south.status_code == 200 and at_south.json()["name"] == north_name
        another_south_code, _ = await a_dynamic_code(south)
    # south is down: north answers at once, with a clear code
    with north.running():
        started = time.monotonic()
        down = await verify_at(north, another_south_code)
        assert down.status_code == 503 and down.json()["error"]["code"] == "PEER_UNAVAILABLE"
        assert time.monotonic() - started < 10
        unknown = await verify_at(north, another_south_code.replace("3300A0001", "4400A0001"))
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "UNKNOWN_ISSUER"
