"""What an operator reads: ``/metrics`` in the Prometheus text format (requests by route
template and status, verifications by outcome, the outbox backlog) and ``/readyz``."""

from __future__ import annotations

import re

import httpx

from tests.support.counter import qr_payload, terminal_headers
from tests.support.processes import ehc_process, free_port
from tests.support.resident import new_holder

VERIFY = "/api/v1/pos/verify"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a scrape (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        series, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', series))
        if all(found.get(k) == v for k, v in labels.items()) and ("{" in line or not labels):
            return float(value)
    return 0.0


async def test_metrics_count_requests_by_route_template(api, channel_apps, terminal) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    card_id = holder["card"]["card_id"]
    before = (await api.get("/metrics")).text
    await api.get(f"/api/v1/cards/{card_id}/qrcode", headers={"Authorization": "Bearer x"})
    await api.get("/api/v1/no/such/route")
    scrape = await api.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    route = "/api/v1/cards/{card_id}/qrcode"
    labels = {"route": route, "method": "GET", "status": "401"}
    assert sample(text, "ehc_http_requests_total", **labels) == (
        sample(before, "ehc_http_requests_total", **labels) + 1
    )
    assert card_id not in text  # a path as sent never becomes a label
    assert sample(text, "ehc_http_requests_total", route="unmatched", status="404") >= 1
    latency = {"route": route, "method": "GET", "le": "+Inf"}
    assert sample(text, "ehc_http_request_duration_seconds_bucket", **latency) >= 1


async def test_metrics_count_verifications_by_outcome(api, channel_apps, terminal) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    headers = await terminal_headers(api, terminal)
    payload = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    before = (await api.get("/metrics")).text
    first = await api.post(VERIFY, json={"qr": payload, "scene": "registration"}, headers=headers)
    again = await api.post(VERIFY, json={"qr": payload, "scene": "registration"}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 409), again.text
    text = (await api.get("/metrics")).text
    code = again.json()["error"]["code"]
    for outcome in ("ok", code):
        grew = sample(text, "ehc_verifications_total", outcome=outcome) - sample(
            before, "ehc_verifications_total", outcome=outcome
        )
        assert grew >= 1, outcome


async def test_metrics_read_the_outbox_backlog(api) -> None:
    text = (await api.get("/metrics")).text
    for status in ("pending", "claimed", "sending", "unconfirmed", "dead"):
        assert f'ehc_outbox_backlog{{status="{status}"}}' in text
    assert sample(text, "ehc_outbox_oldest_age_seconds") >= 0


async def test_ready_when_database_store_and_schema_are(api) -> None:
    resp = await api.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ready", "db": "ok", "redis": "ok", "migrations": "ok"}


def test_not_ready_names_the_store_that_does_not_answer(live) -> None:
    if not live.settings.redis_url:
        return  # the embedded store lives in the process: it always answers
    nothing = f"redis://127.0.0.1:{free_port()}/0"
    env = {**live.env, "EHC_REDIS_URL": nothing, "EHC_RUN_WORKER": "false"}
    with ehc_process(["serve", "--port", str(free_port())], env) as base:
        resp = httpx.get(f"{base}/readyz", timeout=10)
    assert resp.status_code == 503
    assert resp.json()["redis"] == "error" and resp.json()["db"] == "ok"
