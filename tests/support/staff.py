"""Card-centre staff made through ``POST /api/v1/admin/users`` and signed in, as the console
would (API.md "Institutions, regions, roles")."""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import httpx

from tests.support.admin import AdminAccount, sign_in
from tests.support.partner import bearer
from tests.support.people import Person, id_number, make_person
from tests.support.resident import collect, register_person, wechat_session


async def new_staff(
    api: httpx.AsyncClient, admin: dict, role: str, scope: str | None
) -> tuple[AdminAccount, dict[str, str]]:
    """A staff account of ``role`` limited to ``scope``, signed in: (account, headers)."""
    username = f"{role}-{secrets.token_hex(3)}"
    resp = await api.post(
        "/api/v1/admin/users",
        json={"username": username, "role": role, "scope": scope},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    made = resp.json()
    secret = parse_qs(urlparse(made["totp_uri"]).query)["secret"][0]
    account = AdminAccount(username, made["password"], secret)
    return account, bearer(await sign_in(api, account))


async def resident_of(api: httpx.AsyncClient, app_id: str, region: str) -> dict:
    """A new WeChat resident of ``region`` (their ID number's first six digits) with a card:
    ``{"token", "card", "person"}``."""
    rng = random.Random(secrets.randbits(64))
    someone = make_person(rng)
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    person = Person(someone.name, id_number(birth, rng.randrange(1, 999), region), someone.phone)
    session = await wechat_session(api, app_id, secrets.token_hex(6))
    await register_person(api, person)
    card = await collect(api, session["token"], person)
    assert card.status_code == 201, card.text
    return {"token": session["token"], "card": card.json(), "person": person}
