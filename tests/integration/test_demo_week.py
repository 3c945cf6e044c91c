"""``ehc demo`` seeds a week of usage in both districts (cards through every channel, uses at
several scenes) once, however often it restarts; its credentials file lists every staff member
it seeded, and each of them signs in with what the file says."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pyotp
import pytest

from tests.integration.test_commands import CLEAN_ENV, read_credentials
from tests.support.processes import ehc_process, free_port

pytestmark = pytest.mark.slow


def sign_in(base: str, user: dict) -> dict[str, str]:
    resp = httpx.post(f"{base}/api/v1/admin/sessions", json={
        "username": user["username"], "password": user["password"],
        "totp": pyotp.TOTP(user["totp_secret"]).now()})  # fmt: skip
    assert resp.status_code == 201, resp.text
    return {"authorization": f"Bearer {resp.json()['token']}"}


def week(base: str, headers: dict[str, str], group_by: str) -> dict[str, dict]:
    """The stats API's rows of the last seven days by ``group_by``, by key."""
    last = date.fromisoformat(httpx.get(f"{base}/api/v1/admin/stats", headers=headers)
                              .json()["to"])  # fmt: skip
    query = {"from": (last - timedelta(days=6)).isoformat(), "to": last.isoformat(),
             "group_by": group_by}  # fmt: skip
    resp = httpx.get(f"{base}/api/v1/admin/stats", headers=headers, params=query)
    assert resp.status_code == 200, resp.text
    return {r["key"]: r for r in resp.json()["rows"]}


def test_the_demo_seeds_a_week_of_usage_once_and_lists_its_staff(tmp_path) -> None:
    port = str(free_port())
    with ehc_process(["demo", "--port", port], CLEAN_ENV, cwd=tmp_path) as base:
        creds = read_credentials(tmp_path / "demo-credentials.json")
        roles, sessions = {}, {}
        for user in creds["users"]:  # a TOTP code signs in once: one session each
            sessions[user["username"]] = sign_in(base, user)
            me = httpx.get(f"{base}/api/v1/admin/me", headers=sessions[user["username"]]).json()
            roles[me["role"]] = me["scope"]
            assert (me["username"], me["scope"]) == (user["username"], user["scope"])
        assert roles == {"centre_admin": None, "region_admin": "330106", "auditor": "330100",
                         "clerk": creds["hospital_code"]}  # fmt: skip
        admin = sessions[creds["admin"]["username"]]
        by = {group: week(base, admin, group) for group in ("day", "channel", "region", "scene")}
        assert len(by["day"]) == 7 and all(r["uses"] > 0 and r["issued"] > 0
                                           for r in by["day"].values())  # fmt: skip
        assert {"wechat", "alipay", "inhouse", "counter"} <= set(by["channel"])
        assert {"330102", "330106"} <= {k for k, r in by["region"].items() if r["uses"]}
        assert all(by["region"][k]["collection_rate"] for k in ("330102", "330106"))
        assert len([k for k, r in by["scene"].items() if r["uses"]]) >= 4
    (tmp_path / "demo-credentials.json").unlink()
    with ehc_process(["demo", "--port", port], CLEAN_ENV, cwd=tmp_path) as base:
        again = read_credentials(tmp_path / "demo-credentials.json")
        admin = sign_in(base, again["admin"])
        # the same week: nothing seeded twice (a day that began in between adds only itself)
        now = week(base, admin, "day")
        for day, row in by["day"].items():
            if day in now:
                assert (now[day]["issued"], now[day]["uses"]) == (row["issued"], row["uses"])
