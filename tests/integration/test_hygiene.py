"""What every answer carries and what the server refuses to wait for: security headers, no
server banner, no-store on secrets, a ceiling on request heads, deadlines for half-sent
requests, and files created for their owner only."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import time
from urllib.parse import urlparse

import pytest

from api.cli import build_parser
from api.db import lifecycle
from api.keys import load_or_create
from tests.support.partner import token_request


async def test_answers_carry_security_headers_and_no_server_banner(api) -> None:
    for resp in (await api.get("/healthz"), await api.get("/api/v1/no-such-thing")):
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
        assert "server" not in resp.headers


async def test_access_tokens_are_not_stored_by_caches(api, terminal) -> None:
    body = token_request(terminal["terminal_id"], terminal["terminal_secret"])
    resp = await api.post("/api/v1/auth/token", json=body)
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"


async def test_the_docs_page_allows_only_its_own_inline_script(api) -> None:
    policy = (await api.get("/docs")).headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy and "'unsafe-inline'" not in policy


def _raw(base_url: str, payload: bytes, *, wait: float = 20) -> bytes:
    """Send raw bytes, then read until the server closes (or ``wait`` passes)."""
    url = urlparse(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=wait) as sock:
        sock.sendall(payload)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


async def test_a_head_over_64_kib_is_refused_431(live) -> None:
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (200 * 1024) + b"\r\n\r\n"
    answer = await asyncio.to_thread(_raw, live.base_url, big)
    assert answer.startswith(b"HTTP/1.1 431")


async def test_a_half_sent_head_is_not_waited_for(live) -> None:
    started = time.monotonic()
    answer = await asyncio.to_thread(_raw, live.base_url, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 15  # the head deadline, not the client's patience


async def test_a_half_sent_body_is_not_waited_for(live) -> None:
    head = b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    started = time.monotonic()
    answer = await asyncio.to_thread(
        _raw, live.base_url, head + b'Content-Length: 100\r\n\r\n{"client_id"', wait=30
    )
    assert b"200 OK" not in answer
    assert time.monotonic() - started < 25  # closed by the body deadline


@pytest.mark.skipif(os.name != "posix", reason="file modes")
async def test_the_database_and_keys_files_are_readable_by_their_owner_only(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        await lifecycle.upgrade(f"sqlite://{tmp_path / 'ehc.sqlite3'}")
        load_or_create(tmp_path / "keys.json")
    finally:
        os.umask(old)
    for name in ("ehc.sqlite3", "keys.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_demo_listens_on_loopback_unless_told() -> None:
    assert build_parser().parse_args(["demo"]).host == "127.0.0.1"
    assert build_parser().parse_args(["demo", "--host", "0.0.0.0"]).host == "0.0.0.0"
