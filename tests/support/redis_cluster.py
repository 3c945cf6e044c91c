"""A Redis Cluster of the test's own: 3 masters and 3 replicas of Debian's redis-server on
loopback ports 7101–7106, or the next free block (``--cluster-enabled yes``, joined with
``redis-cli --cluster create``). A test can kill a master and wait for its replica to take
over."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from redis.cluster import RedisCluster

PORTS = tuple(range(7101, 7107))  # the first try; another run's cluster moves this one on
NODE_TIMEOUT_MS = 1000  # how long a master may be silent before its replica takes over


class Cluster:
    """Six redis-server processes joined as one cluster; :attr:`url` is ``redis+cluster://``."""

    def __init__(self, workdir: Path, ports: tuple[int, ...] = PORTS) -> None:
        self.workdir = workdir
        self.ports = ports
        self.url = "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        """Start every node empty and join them: a master per three, one replica each."""
        for port in self.ports:
            folder = self.workdir / str(port)
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            self.procs[port] = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                 "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                 "--cluster-node-timeout", str(NODE_TIMEOUT_MS), "--save", "",
                 "--appendonly", "no", "--dir", str(folder),
                 "--cluster-replica-validity-factor", "0",
                 # a replica's first copy starts at once (the default waits 5 s for company)
                 "--repl-diskless-sync-delay", "0"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        for port in self.ports:
            self._wait_ping(port)
        subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
             "--cluster-replicas", "1", "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        self.wait_healthy()
        self.wait_replicated()

    def _wait_ping(self, port: int) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=port, socket_timeout=0.5).ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server :{port} did not start") from None
                time.sleep(0.05)

    def client(self) -> RedisCluster:
        """A synchronous cluster client (for the test's own look-ups)."""
        alive = next(p for p in self.ports if p in self.procs)
        return RedisCluster(host="127.0.0.1", port=alive, decode_responses=True)

    def wait_healthy(self, timeout: float = 30) -> None:
        """Until every slot is served (``cluster_state:ok`` on every live node)."""
        deadline = time.monotonic() + timeout
        while True:
            states = []
            for port in self.procs:
                try:
                    info = redis.Redis(port=port, socket_timeout=0.5).cluster("info")
                    states.append(info.get("cluster_state") == "ok")
                except redis.RedisError:
                    states.append(False)
            if all(states):
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not become healthy")
            time.sleep(0.1)

    def wait_replicated(self, timeout: float = 30) -> None:
        """Until every live replica is linked to its master and holds all its writes so far
        (replication is asynchronous: a master killed before that loses its last writes). A
        master whose replica took over from it earlier has none left to wait for."""
        deadline = time.monotonic() + timeout
        while not all(self._replicated(port) for port in list(self.procs)):
            if time.monotonic() > deadline:
                raise RuntimeError("the replicas did not catch up")
            time.sleep(0.05)

    def _replicated(self, port: int) -> bool:
        info = self._role(port)
        if info.get("role") == "slave":  # linked once its first full copy has arrived
            return info.get("master_link_status") == "up"
        if info.get("role") != "master":
            return False
        offset = int(info.get("master_repl_offset", 0))
        copies = [v for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)]
        return all(c.get("state") == "online" and int(c["offset"]) >= offset for c in copies)

    def masters(self) -> list[int]:
        """The ports of the live masters."""
        return [port for port in self.procs if self._role(port).get("role") == "master"]

    def master_with_replica(self) -> int:
        """A live master with a replica online, ready to take over from it."""
        for port in self.masters():
            info = self._role(port)
            if any(v.get("state") == "online" for k, v in info.items() if k.startswith("slave")
                   and isinstance(v, dict)):  # fmt: skip
                return port
        raise RuntimeError("no master has a replica left")

    def _role(self, port: int) -> dict:
        try:
            return redis.Redis(port=port, socket_timeout=0.5).info("replication")
        except redis.RedisError:
            return {}

    def master_of(self, key: str) -> int:
        """The port of the master serving ``key``'s slot now."""
        client = self.client()
        try:
            node = client.get_node_from_key(key)
            return int(node.port)
        finally:
            client.close()

    def kill(self, port: int) -> None:
        """kill -9 one node (its data goes with it)."""
        proc = self.procs.pop(port)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def fail_over(self, port: int, timeout: float = 30) -> None:
        """kill -9 the master on ``port`` and wait until its replica serves its slots."""
        self.kill(port)
        deadline = time.monotonic() + timeout
        while not self._known_failed(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"nobody took over from :{port}")
            time.sleep(0.1)
        self.wait_healthy(timeout)

    def _known_failed(self, port: int) -> bool:
        live = next(iter(self.procs))
        try:
            nodes = redis.Redis(port=live, socket_timeout=0.5, decode_responses=True).cluster(
                "nodes"
            )
        except redis.RedisError:
            return False
        entry = nodes.get(f"127.0.0.1:{port}", {})
        return "fail" in str(entry.get("flags", "")).split(",")

    def stop(self) -> None:
        """Kill every node."""
        for port in list(self.procs):
            self.kill(port)


def free_ports(first: int = PORTS[0], count: int = len(PORTS)) -> tuple[int, ...]:
    """``count`` consecutive loopback ports, and their cluster-bus ports (+10000), that nothing
    listens on: 7101–7106 unless another run's cluster holds them, then 7111–7116, …"""
    for start in range(first, first + 200, 10):
        ports = tuple(range(start, start + count))
        if all(_free(p) and _free(p + 10000) for p in ports):
            return ports
    raise RuntimeError("no free ports for a Redis Cluster")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def redis_cluster(workdir: Path) -> Iterator[Cluster]:
    """A running 3 + 3 :class:`Cluster` for the block; killed after it."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        raise RuntimeError("redis-server and redis-cli are not installed")
    cluster = Cluster(workdir, free_ports())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
