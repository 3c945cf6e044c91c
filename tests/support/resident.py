"""A resident's mini-program, as far as the API sees it: log in through the stand-in platform,
get the SMS code from the stand-in phone, collect a card."""

from __future__ import annotations

import re

import httpx

from tests.support.partner import access_token, bearer
from tests.support.people import Person


async def wechat_session(api: httpx.AsyncClient, app_id: str, user: str) -> dict:
    """What a WeChat mini-program does: wx.login, then our sessions API."""
    code = (await api.post(f"/mock/wechat/users/{user}/code", json={"appid": app_id})).json()
    resp = await api.post(f"/api/v1/channels/{app_id}/sessions", json={"code": code["code"]})
    assert resp.status_code == 201, resp.text
    return resp.json()


async def alipay_session(api: httpx.AsyncClient, app_id: str, user: str) -> dict:
    """What an Alipay mini-program does: my.getAuthCode, then our sessions API."""
    code = (await api.post(f"/mock/alipay/users/{user}/auth_code")).json()
    resp = await api.post(
        f"/api/v1/channels/{app_id}/sessions", json={"auth_code": code["auth_code"]}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def inhouse_session(api: httpx.AsyncClient, app: dict, user_ref: str) -> dict:
    """An in-house app's server vouching for its user with the partner token."""
    token = await access_token(api, app["app_id"], app["app_secret"])
    resp = await api.post(
        f"/api/v1/channels/{app['app_id']}/sessions",
        json={"user_ref": user_ref},
        headers=bearer(token),
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def register_person(api: httpx.AsyncClient, person: Person) -> None:
    """Put the person in the stand-in population register, their phone in their name (so that
    the carriers' three-factor check passes for it)."""
    body = {"name": person.name, "id_number": person.id_number, "phone": person.phone}
    resp = await api.post("/mock/idcheck/people", json=body)
    assert resp.status_code in (200, 201), resp.text


async def latest_sms_code(api: httpx.AsyncClient, phone: str) -> str:
    """The newest 6-digit code in the stand-in phone's inbox."""
    messages = (await api.get("/mock/sms/inbox", params={"phone": phone})).json()["messages"]
    match = re.search(r"\d{6}", messages[0]["text"])
    assert match, messages[0]
    return match.group(0)


async def send_otp(api: httpx.AsyncClient, token: str, phone: str) -> str:
    """Ask for a real-name code and read it off the phone."""
    resp = await api.post("/api/v1/realname/otp", json={"phone": phone}, headers=bearer(token))
    assert resp.status_code == 202, resp.text
    return await latest_sms_code(api, phone)


async def collect(
    api: httpx.AsyncClient,
    token: str,
    person: Person,
    *,
    relation: str = "self",
    phone: str | None = None,
) -> httpx.Response:
    """The whole real-name collection; returns the API's answer to ``POST /cards``."""
    phone = phone or person.phone
    code = await send_otp(api, token, phone)
    body = {
        "name": person.name,
        "id_type": "01",
        "id_number": person.id_number,
        "phone": phone,
        "otp": code,
        "relation": relation,
    }
    return await api.post("/api/v1/cards", json=body, headers=bearer(token))


async def face_check(
    api: httpx.AsyncClient, token: str, person: Person, *, passes: bool = True
) -> str:
    """Open a face check of ``person`` and take it at the stand-in; returns the face session."""
    body = {"name": person.name, "id_type": "01", "id_number": person.id_number}
    opened = await api.post("/api/v1/realname/face", json=body, headers=bearer(token))
    assert opened.status_code == 201, opened.text
    session = opened.json()["face_session"]
    taken = await api.post(f"/mock/face/{session}/{'pass' if passes else 'fail'}")
    assert taken.status_code == 200, taken.text
    return session


async def collect_by_face(
    api: httpx.AsyncClient,
    token: str,
    person: Person,
    *,
    relation: str = "self",
    phone: str | None = None,
) -> httpx.Response:
    """Collect (or bind) the person's card with a face check instead of an SMS code."""
    body = {
        "name": person.name,
        "id_type": "01",
        "id_number": person.id_number,
        "face_session": await face_check(api, token, person),
        "relation": relation,
    }
    if phone:
        body["phone"] = phone
    return await api.post("/api/v1/cards", json=body, headers=bearer(token))


async def new_holder(api: httpx.AsyncClient, app_id: str, channel: str = "wechat") -> dict:
    """A new WeChat (or Alipay) resident with their own freshly collected card:
    ``{"token", "user_id", "card", "person"}``."""
    import random
    import secrets

    from tests.support.people import make_person

    login = wechat_session if channel == "wechat" else alipay_session
    session = await login(api, app_id, secrets.token_hex(6))
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    card = await collect(api, session["token"], person)
    assert card.status_code == 201, card.text
    return {
        "token": session["token"],
        "user_id": session["user_id"],
        "card": card.json(),
        "person": person,
    }
