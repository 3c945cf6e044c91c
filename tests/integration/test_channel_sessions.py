"""Residents log in through WeChat, Alipay and in-house apps (API.md "Channel sessions")."""

from __future__ import annotations

import secrets

from tests.support.partner import access_token, bearer
from tests.support.resident import alipay_session, inhouse_session, wechat_session


def sessions(app_id: str) -> str:
    return f"/api/v1/channels/{app_id}/sessions"


async def test_wechat_login_maps_the_same_user_to_the_same_user_id(api, channel_apps) -> None:
    app_id = channel_apps["wechat"]["app_id"]
    user = f"wx-{secrets.token_hex(4)}"
    first = await wechat_session(api, app_id, user)
    second = await wechat_session(api, app_id, user)
    other = await wechat_session(api, app_id, user + "-other")
    assert first["user_id"] == second["user_id"] != other["user_id"]
    assert first["token"] != second["token"] and first["expires_in"] > 0


async def test_a_used_or_unknown_wechat_code_is_refused(api, channel_apps) -> None:
    app_id = channel_apps["wechat"]["app_id"]
    code = (await api.post("/mock/wechat/users/zhang/code", json={"appid": app_id})).json()["code"]
    assert (await api.post(sessions(app_id), json={"code": code})).status_code == 201
    used = await api.post(sessions(app_id), json={"code": code})
    assert used.status_code == 401 and used.json()["error"]["code"] == "CHANNEL_AUTH_FAILED"
    unknown = await api.post(sessions(app_id), json={"code": "made-up-code"})
    assert unknown.json()["error"]["code"] == "CHANNEL_AUTH_FAILED"


async def test_wechat_outage_is_a_clear_503(api, channel_apps) -> None:
    app_id = channel_apps["wechat"]["app_id"]
    code = (await api.post("/mock/wechat/users/li/code", json={"appid": app_id})).json()["code"]
    await api.post(
        "/mock/faults", json={"target": "wechat.jscode2session", "mode": "http_500", "count": 1}
    )
    try:
        resp = await api.post(sessions(app_id), json={"code": code})
    finally:
        await api.delete("/mock/faults")
    assert resp.status_code == 503
    assert resp.json()["error"]["code"] == "UPSTREAM_UNAVAILABLE"


async def test_wechat_timeout_does_not_hang(api, channel_apps) -> None:
    app_id = channel_apps["wechat"]["app_id"]
    code = (await api.post("/mock/wechat/users/wu/code", json={"appid": app_id})).json()["code"]
    await api.post(
        "/mock/faults",
        json={"target": "wechat.jscode2session", "mode": "timeout", "delay": 8, "count": 1},
    )
    try:
        resp = await api.post(sessions(app_id), json={"code": code})
    finally:
        await api.delete("/mock/faults")
    assert resp.status_code == 503
    assert resp.json()["error"]["code"] == "UPSTREAM_UNAVAILABLE"


async def test_alipay_login_and_bad_auth_code(api, channel_apps) -> None:
    app_id = channel_apps["alipay"]["app_id"]
    user = f"ali-{secrets.token_hex(4)}"
    first = await alipay_session(api, app_id, user)
    second = await alipay_session(api, app_id, user)
    assert first["user_id"] == second["user_id"]
    bad = await api.post(sessions(app_id), json={"auth_code": "not-a-code"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "CHANNEL_AUTH_FAILED"


async def test_inhouse_login_needs_that_apps_partner_token(api, channel_apps) -> None:
    app = channel_apps["inhouse"]
    first = await inhouse_session(api, app, "patient-0042")
    second = await inhouse_session(api, app, "patient-0042")
    assert first["user_id"] == second["user_id"]
    anonymous = await api.post(sessions(app["app_id"]), json={"user_ref": "patient-0042"})
    assert anonymous.status_code == 401


async def test_unknown_app_is_404_and_missing_field_is_422(api, channel_apps) -> None:
    resp = await api.post(sessions("wx-not-registered"), json={"code": "abc"})
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "NOT_FOUND"
    resp = await api.post(sessions(channel_apps["wechat"]["app_id"]), json={"auth_code": "x"})
    assert resp.status_code == 422


async def test_logout_ends_the_session(api, channel_apps) -> None:
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], "logout-user")
    headers = bearer(session["token"])
    assert (await api.get("/api/v1/cards", headers=headers)).status_code == 200
    assert (await api.delete("/api/v1/channels/sessions", headers=headers)).status_code == 204
    assert (await api.get("/api/v1/cards", headers=headers)).status_code == 401


async def test_disabled_app_opens_no_sessions(api, admin_headers, live) -> None:
    made = await api.post(
        "/api/v1/admin/channel-apps",
        json={"kind": "inhouse", "name": "Soon disabled"},
        headers=admin_headers,
    )
    app = made.json()
    await api.post(f"/api/v1/admin/channel-apps/{app['app_id']}/disable", headers=admin_headers)
    token = await access_token(api, app["app_id"], app["app_secret"])
    resp = await api.post(sessions(app["app_id"]), json={"user_ref": "u1"}, headers=bearer(token))
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "CHANNEL_DISABLED"
