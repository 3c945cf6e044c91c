"""Health, the OpenAPI document, and bad input: clear 4xx codes, never a 500."""

from __future__ import annotations

import json

import httpx

from tests.support.processes import ehc_process, free_port


async def test_healthz_reports_db_and_redis(api) -> None:
    resp = await api.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "db": "ok", "redis": "ok"}


async def test_openapi_lists_routes_with_schemas(api) -> None:
    doc = (await api.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    token = doc["paths"]["/api/v1/auth/token"]["post"]
    ref = token["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"client_id", "timestamp", "nonce", "signature"} <= set(schema["properties"])
    assert "/api/v1/admin/clients/{client_id}/revoke" in doc["paths"]


async def test_docs_page_shows_the_contract(api) -> None:
    resp = await api.get("/docs")
    assert resp.status_code == 200 and "/openapi.json" in resp.text


async def test_every_response_carries_a_request_id(api) -> None:
    resp = await api.get("/healthz", headers={"X-Request-ID": "trace-42"})
    assert resp.headers["x-request-id"] == "trace-42"
    assert len((await api.get("/healthz")).headers["x-request-id"]) == 32


async def test_unknown_route_is_404_in_the_envelope(api) -> None:
    resp = await api.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "NOT_FOUND"


async def test_wrong_method_is_405(api) -> None:
    resp = await api.get("/api/v1/auth/token")
    assert resp.status_code == 405
    assert resp.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


async def test_malformed_json_is_400(api) -> None:
    for raw in (b"{not json", b"[1, 2]", b'"text"', "\xff".encode("latin-1")):
        resp = await api.post(
            "/api/v1/auth/token", content=raw, headers={"content-type": "application/json"}
        )
        assert resp.status_code == 400, raw
        assert resp.json()["error"]["code"] == "MALFORMED_JSON"


async def test_empty_body_is_a_validation_error_naming_the_missing_fields(api) -> None:
    resp = await api.post("/api/v1/auth/token", content=b"")
    assert resp.status_code == 422
    fields = {d["field"] for d in resp.json()["error"]["details"]}
    assert {"client_id", "timestamp", "nonce", "signature"} <= fields


async def test_validation_error_names_the_field_but_not_the_value(api) -> None:
    resp = await api.post(
        "/api/v1/admin/sessions", json={"username": "a", "password": 110105194912310020}
    )
    assert resp.status_code == 422
    err = resp.json()["error"]
    assert err["code"] == "VALIDATION_ERROR"
    assert {d["field"] for d in err["details"]} >= {"password", "totp"}
    assert "110105194912310020" not in resp.text


async def test_body_over_one_mebibyte_is_413(api) -> None:
    big = json.dumps({"client_id": "x" * (1024 * 1024 + 10)})
    resp = await api.post("/api/v1/auth/token", content=big)
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_the_limit_is_413(api) -> None:
    async def chunks():
        for _ in range(20):
            yield b"x" * (64 * 1024)

    resp = await api.post("/api/v1/auth/token", content=chunks())
    assert resp.status_code == 413


def test_healthz_names_a_dead_part(live) -> None:
    # `ehc serve` pointed at a Redis port where nothing listens: health names the part.
    env = {**live.env, "EHC_REDIS_URL": "redis://127.0.0.1:1/0"}
    with ehc_process(["serve", "--port", str(free_port())], env) as url:
        resp = httpx.get(f"{url}/healthz", timeout=10)
    assert resp.status_code == 503
    assert resp.json() == {"status": "degraded", "db": "ok", "redis": "error"}
