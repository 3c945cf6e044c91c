"""A redis-server of the test's own, on a spare loopback port, that the test can stop, kill,
freeze (SIGSTOP) and thaw (SIGCONT), and start again empty (no persistence)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.processes import free_port


class RedisServer:
    """One redis-server process; :attr:`url` stays the same across restarts."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (empty: nothing is saved or loaded) and wait until it answers."""
        self._proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop it (SIGTERM, or SIGKILL) and wait until it is gone; its data goes with it."""
        if self._proc is None:
            return
        self._proc.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
        self._proc.send_signal(sig)
        self._proc.wait(timeout=10)
        self._proc = None

    def ensure_running(self) -> None:
        """Thaw it, or start it again if it was stopped (after a test that broke it)."""
        if self._proc is None:
            self.start()
        else:
            self.thaw()

    def restart_empty(self) -> None:
        """Stop and start again on the same port, with none of the old keys."""
        self.stop()
        self.start()

    def freeze(self) -> None:
        """SIGSTOP: connections stay open, nothing answers."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after :meth:`freeze`."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGCONT)


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    """A running :class:`RedisServer` for the block; stopped after it."""
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is not installed")
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop(signal.SIGKILL)
