"""Running an ASGI app on a real loopback port in a background thread (uvicorn)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from api.web.http_protocol import server_config


def reserve_socket(host: str = "127.0.0.1") -> socket.socket:
    """A bound listening socket on a free port, so the URL is known before the app is built."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    return sock


@contextmanager
def serve_on(app: ASGIApp, sock: socket.socket, *, startup_timeout: float = 30) -> Iterator[str]:
    """Serve ``app`` on ``sock`` until the block ends; yields the base URL."""
    # Short read deadlines, so that a test of a half-sent request does not wait long.
    config = server_config(
        app,
        head_seconds=3,
        body_seconds=5,
        log_level="warning",
        lifespan="on",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    host, port = sock.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
