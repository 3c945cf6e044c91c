"""Several ``ehc serve --workers 2`` nodes on one PostgreSQL database and the test's Redis
Cluster, as a card centre runs them behind a load balancer, and the stand-in platforms they
all reach (served apart, on a port of their own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.processes import free_port

WORKERS = 2  # per node


class Node:
    """One ``ehc serve`` process with its workers, in a process group of its own, so that it
    can be stopped, or killed with ``kill -9``, whole."""

    def __init__(
        self, name: str, env: dict[str, str], workdir: Path, workers: int = WORKERS
    ) -> None:
        self.name = name
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> None:
        """Start the node and wait until ``/readyz`` says it may take traffic."""
        args = ["serve", "--port", str(self.port), "--workers", str(self.workers)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "api.cli", *args],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the workers go with it
            )
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready: {self.log_tail()}")
            time.sleep(0.2)

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=3).status_code == 200
        except httpx.TransportError:
            return False

    def pids(self) -> set[int]:
        """The node's processes: the supervisor and its workers."""
        assert self.proc is not None
        found = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) == self.proc.pid:
                        found.add(int(entry.name))
                except ProcessLookupError:
                    continue
        return found

    def kill(self) -> None:
        """``kill -9`` the node and its workers at once."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM (its workers finish what they hold), then SIGKILL if it lingers."""
        self._signal(signal.SIGTERM, wait=20)

    def _signal(self, sig: int, wait: float = 10) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the node's log (for a failing assertion's message)."""
        return self.log_path.read_text(errors="replace")[-chars:]


class StandInsBeside(httpx.AsyncBaseTransport):
    """What a resident's phone reaches: paths under ``/mock`` go to the stand-in platforms'
    server, everything else to the node the client was opened on."""

    def __init__(self, stand_ins: str) -> None:
        self.stand_ins = httpx.URL(stand_ins)
        self.inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=500))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/mock/"):
            request.url = request.url.copy_with(host=self.stand_ins.host, port=self.stand_ins.port)
            request.headers["Host"] = self.stand_ins.netloc.decode()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def client_of(node: Node, stand_ins: str, timeout: float = 60) -> httpx.AsyncClient:
    """An HTTP client of ``node`` that reaches the stand-ins under ``/mock`` as the single
    test server's clients do."""
    return httpx.AsyncClient(
        base_url=node.base_url, transport=StandInsBeside(stand_ins), timeout=timeout
    )
