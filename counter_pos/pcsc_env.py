"""Starting pcscd for the simulated card (tests, bench, a counter PC without the service).

On a real counter PC pcscd runs as a system service; here it is started in the foreground as
our child so that it stops with us. vsmartcard-vpcd (its driver) then offers the readers
``Virtual PCD 00 00`` / ``00 01``, waiting for a card on TCP 35963 / 35964.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

from counter_pos.chip_reader import list_readers

SOCKET = "/run/pcscd/pcscd.comm"
VPCD_PORTS = (35963, 35964)


class PcscdError(RuntimeError):
    """pcscd could not be started or shows no reader."""


class Pcscd:
    """A pcscd we started (or one already running, which is left alone)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> list[str]:
        """Make sure pcscd is up and has readers; returns their names."""
        if not list_readers():
            binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
            if not os.path.exists(binary):
                raise PcscdError("pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)")
            if not _running():
                _wait_for_ports(timeout)
                self.process = subprocess.Popen(
                    [binary, "--foreground", "--error"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            names = list_readers()
            if names:
                return names
            if self.process is not None and self.process.poll() is not None:
                raise PcscdError(f"pcscd exited with {self.process.returncode}")
            time.sleep(0.05)
        self.stop()  # leave nothing behind that the next start would trip over
        raise PcscdError("pcscd shows no reader: is vsmartcard-vpcd installed?")

    def stop(self) -> None:
        """Stop pcscd if we started it."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def _running() -> bool:
    # A stale socket file outlives a killed pcscd: ask the process table, not the file.
    found = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, check=False)
    return found.returncode == 0


def _port_free(port: int) -> bool:
    with socket.socket() as probe:  # no SO_REUSEADDR, exactly as vpcd binds
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _wait_for_ports(timeout: float) -> None:
    """vpcd gives up on a reader whose port is taken, and so does pcscd on the driver: even a
    client's ephemeral port in TIME_WAIT blocks the bind for a minute. Wait it out (the system
    set-up also reserves the ports: ``net.ipv4.ip_local_reserved_ports``)."""
    deadline = time.monotonic() + max(timeout, 65.0)
    while not all(_port_free(port) for port in VPCD_PORTS):
        if time.monotonic() > deadline:
            raise PcscdError(f"vpcd's ports {VPCD_PORTS} stay in use: pcscd would offer no reader")
        time.sleep(0.5)
