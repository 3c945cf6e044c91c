"""Two ``ehc serve --workers 2`` nodes on one PostgreSQL and a Redis Cluster behave as one
service: a booking rush split across them books exactly the places, a code scanned at both at
once is taken once, their outbox workers deliver each message once and their upward syncs each
record once, a card lost at one is refused at the other at once. Then faults: a Redis master
killed under load, and a node killed (kill -9) in the middle of a rush."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cluster.conftest import Centre, Nodes
from tests.cluster.nodes import Node, client_of
from tests.integration.test_booking_rush import remaining
from tests.integration.test_messages import wechat_resident, wechat_template
from tests.support.counter import qr_payload, terminal_headers
from tests.support.hospital import one_slot
from tests.support.partner import bearer
from tests.support.redis_cluster import Cluster
from tests.support.resident import new_holder

pytestmark = pytest.mark.postgres_only
PEOPLE, PLACES = 60, 10


@pytest.fixture(scope="module")
async def clients(nodes: Nodes) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A client of each node (the load balancer's two ways in)."""
    async with client_of(nodes.a, nodes.stand_ins) as a, client_of(nodes.b, nodes.stand_ins) as b:
        yield a, b


@pytest.fixture(scope="module")
async def holders(clients, centre: Centre) -> list[dict]:
    """Residents who collected their cards, half through each node."""
    gate = asyncio.Semaphore(12)

    async def one(i: int) -> dict:
        async with gate:
            return await new_holder(clients[i % 2], centre.wechat_app)

    return await asyncio.gather(*(one(i) for i in range(PEOPLE)))


async def book(
    clients: Sequence[httpx.AsyncClient], people: list[dict], slot_id: int
) -> list[httpx.Response | Exception]:
    """Everyone presses "book" at once, every other one through the other node."""
    return await asyncio.gather(
        *(
            clients[i % len(clients)].post(
                "/api/v1/appointments",
                json={"card_id": p["card"]["card_id"], "slot_id": slot_id},
                headers=bearer(p["token"]),
            )
            for i, p in enumerate(people)
        ),
        return_exceptions=True,
    )


async def booking_outcomes(node: Node) -> Counter[str]:
    """``ehc_bookings_total`` by outcome, as a Prometheus server scrapes it from ``node``."""
    async with httpx.AsyncClient(timeout=30) as client:
        text = (await client.get(f"{node.base_url}/metrics")).text
    found: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "ehc_bookings_total":
                found[sample.labels["outcome"]] += int(sample.value)
    return found


async def held_places(nodes: Nodes, slot_id: int) -> int:
    """Bookings that hold a place of the slot, read from the database itself."""
    conn = await asyncpg.connect(nodes.database_url.replace("postgres://", "postgresql://"))
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM appointment WHERE slot_id = $1"
            " AND status IN ('booked', 'pending_payment')",
            slot_id,
        )
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def rush(nodes: Nodes, clients, centre: Centre, holders: list[dict]) -> dict:
    """The 7 a.m. rush: PEOPLE residents, PLACES places, split across both nodes."""
    schedule, slot_id = await one_slot(clients[0], centre.admin, centre.hospital, capacity=PLACES)
    before = [await booking_outcomes(node) for node in nodes.both]
    answers = await book(clients, holders, slot_id)
    after = [await booking_outcomes(node) for node in nodes.both]
    return {"schedule": schedule, "slot_id": slot_id, "answers": answers,
            "before": before, "after": after}  # fmt: skip


async def test_a_rush_split_across_both_nodes_books_exactly_the_places(
    nodes: Nodes, clients, rush: dict
) -> None:
    codes = Counter(r.status_code for r in rush["answers"])
    assert codes == {201: PLACES, 409: PEOPLE - PLACES}, codes
    refusals = {r.json()["error"]["code"] for r in rush["answers"] if r.status_code == 409}
    assert refusals == {"SLOT_FULL"}
    for api in clients:  # both nodes see the slot full
        assert await remaining(api, rush["schedule"]) == 0
    assert await held_places(nodes, rush["slot_id"]) == PLACES


async def test_both_nodes_metrics_add_up_to_the_attempts(rush: dict) -> None:
    # Each scrape reaches one worker of its node; in multi-process mode it reports all of
    # that node's workers, so the two nodes' counts together are every attempt of the rush.
    added: Counter[str] = Counter()
    for before, after in zip(rush["before"], rush["after"], strict=True):
        added.update(after)
        added.subtract(before)
    assert added["booked"] == PLACES
    assert added["SLOT_FULL"] == PEOPLE - PLACES
    assert sum(added.values()) == PEOPLE


async def verify(api: httpx.AsyncClient, pos: dict[str, str], code: str) -> httpx.Response:
    return await api.post("/api/v1/pos/verify", json={"qr": code}, headers=pos)


async def test_a_code_scanned_at_both_nodes_at_once_is_taken_once(
    clients, centre: Centre, holders: list[dict]
) -> None:
    a, b = clients
    pos = await terminal_headers(a, centre.terminal)
    codes = await asyncio.gather(
        *(qr_payload(a, h["token"], h["card"]["card_id"]) for h in holders)
    )
    # every code handed to a counter behind each node in the same instant
    answers = await asyncio.gather(*(verify(api, pos, code) for code in codes for api in (a, b)))
    for pair in zip(answers[::2], answers[1::2], strict=True):
        assert sorted(r.status_code for r in pair) == [200, 409], [r.text for r in pair]
        (refused,) = [r for r in pair if r.status_code == 409]
        assert refused.json()["error"]["code"] == "QR_REPLAYED"


async def test_a_card_lost_at_one_node_is_refused_at_the_other_at_once(
    clients, centre: Centre, holders: list[dict]
) -> None:
    a, b = clients
    pos = await terminal_headers(b, centre.terminal)
    for holder in holders[:4]:
        card_id = holder["card"]["card_id"]
        for _ in range(4):  # both workers of node B have seen the card lately
            code = await qr_payload(b, holder["token"], card_id)
            assert (await verify(b, pos, code)).status_code == 200
        code = await qr_payload(a, holder["token"], card_id)  # on the phone before the loss
        lost = await a.post(f"/api/v1/cards/{card_id}/loss", headers=bearer(holder["token"]))
        assert lost.status_code == 200, lost.text
        refused = await verify(b, pos, code)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "CARD_LOST"


async def workers_at_work(nodes: Nodes, seen: set[str], stop: asyncio.Event) -> None:
    """Until ``stop``: the names of the workers holding outbox messages (a worker's name is
    host:pid:random; it is cleared once the message is delivered, so it is watched)."""
    conn = await asyncpg.connect(nodes.database_url.replace("postgres://", "postgresql://"))
    try:
        while not stop.is_set():
            rows = await conn.fetch(
                "SELECT DISTINCT worker FROM outbox_message WHERE worker IS NOT NULL"
            )
            seen.update(row["worker"] for row in rows)
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def test_the_outbox_is_drained_by_both_nodes_each_message_once(
    nodes: Nodes, clients, centre: Centre
) -> None:
    a, b = clients
    event, people = "card_collected", 30
    # every delivery takes a moment, so that a backlog forms and every worker takes a share
    await a.post("/mock/faults", json={
        "target": "wechat.subscribe_send", "mode": "timeout", "delay": 0.3, "count": people,
    })  # fmt: skip
    gate = asyncio.Semaphore(8)
    seen: set[str] = set()
    done = asyncio.Event()
    watching = asyncio.create_task(workers_at_work(nodes, seen, done))

    async def resident(i: int) -> dict:
        async with gate:
            return await wechat_resident(clients[i % 2], centre.wechat_app, [event])

    residents = await asyncio.gather(*(resident(i) for i in range(people)))
    openids = {r["openid"] for r in residents}

    async def sent() -> list[str]:
        messages = (await a.get("/mock/wechat/messages")).json()["messages"]
        return [
            m["openid"]
            for m in messages
            if m["template_id"] == wechat_template(event) and m["openid"] in openids
        ]

    deadline = time.monotonic() + 60
    while len(await sent()) < people:
        assert time.monotonic() < deadline, f"{len(await sent())} of {people} delivered"
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # nothing more arrives later
    done.set()
    await watching
    assert Counter(await sent()) == Counter(openids)  # each once
    pids = {int(name.split(":")[1]) for name in seen}
    assert pids & nodes.a.pids() and pids & nodes.b.pids(), seen  # both nodes took a share


async def test_the_upward_sync_on_both_nodes_sends_each_record_once(
    clients, holders: list[dict]
) -> None:
    # Every worker of both nodes runs the sync; one pass runs at a time (a lease), so the
    # platform above gets each record once: a collection, then the one scan of each code.
    a, _ = clients
    cards = [h["card"]["card_id"] for h in holders[40:]]  # scanned once, never lost

    async def history(card_id: str) -> list[dict]:
        found = await a.get("/mock/platform/history", params={"card_id": card_id})
        return found.json()["records"]

    deadline = time.monotonic() + 60
    while [len(await history(c)) for c in cards] != [2] * len(cards):
        assert time.monotonic() < deadline, [len(await history(c)) for c in cards]
        await asyncio.sleep(0.3)
    await asyncio.sleep(1.0)  # nothing more arrives later
    for card_id in cards:
        assert [r["kind"] for r in await history(card_id)] == ["card.register", "card.usage"]
    stats = (await a.get("/mock/platform/stats")).json()
    assert stats["duplicates"] == 0, stats  # no batch went up twice


async def test_a_redis_master_killed_under_load_accepts_no_code_twice(
    cluster: Cluster, clients, centre: Centre, holders: list[dict]
) -> None:
    a, b = clients
    pos = await terminal_headers(a, centre.terminal)
    people = holders[10:40]  # cards not lost
    await asyncio.to_thread(cluster.wait_replicated)
    victim = cluster.master_with_replica()
    answers: list[tuple[str, httpx.Response | Exception]] = []
    stop = asyncio.Event()

    async def scan(holder: dict) -> None:  # a code, shown at both counters at once, again
        while not stop.is_set():
            try:
                code = await qr_payload(a, holder["token"], holder["card"]["card_id"])
            except (AssertionError, httpx.HTTPError):  # 503 while the store fails over
                await asyncio.sleep(0.2)
                continue
            found = await asyncio.gather(verify(a, pos, code), verify(b, pos, code),
                                         return_exceptions=True)  # fmt: skip
            answers.extend((code, r) for r in found)
            await asyncio.sleep(0.1)

    scanning = [asyncio.create_task(scan(h)) for h in people]
    await asyncio.sleep(2)
    await asyncio.to_thread(cluster.fail_over, victim)
    await asyncio.sleep(3)  # and on, with the replica serving
    stop.set()
    await asyncio.gather(*scanning)

    statuses = Counter(r.status_code for _, r in answers if isinstance(r, httpx.Response))
    assert not [r for _, r in answers if isinstance(r, Exception)], {
        repr(r) for _, r in answers if isinstance(r, Exception)
    }
    assert set(statuses) <= {200, 409, 410, 503}, statuses  # never a 500
    for _, r in answers:
        if r.status_code == 503:
            assert r.json()["error"]["code"] == "STORE_UNAVAILABLE"
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "QR_REPLAYED"
    accepted = Counter(code for code, r in answers if r.status_code == 200)
    assert accepted and max(accepted.values()) == 1  # no code accepted twice
    assert victim not in cluster.masters()  # its replica serves its slots now
    # and with the replica in charge, both nodes serve again
    for api in (a, b):
        holder = people[0]
        code = await qr_payload(api, holder["token"], holder["card"]["card_id"])
        assert (await verify(api, pos, code)).status_code == 200


async def test_a_node_killed_in_the_middle_of_a_rush_over_books_nothing(
    nodes: Nodes, clients, centre: Centre, holders: list[dict]
) -> None:
    a, b = clients
    schedule, slot_id = await one_slot(a, centre.admin, centre.hospital, capacity=PLACES)
    rushing = asyncio.create_task(book(clients, holders, slot_id))
    await asyncio.sleep(0.05)
    nodes.b.kill()  # kill -9: its workers and their requests in flight die with it
    answers = await rushing
    booked = [r for r in answers if isinstance(r, httpx.Response) and r.status_code == 201]
    held = await held_places(nodes, slot_id)
    assert len(booked) <= held <= PLACES  # a booking whose answer was lost still counts once
    assert await remaining(a, schedule) == PLACES - held
    # the survivor sells what is left, and not one place more
    late = await book([a], holders, slot_id)
    assert await held_places(nodes, slot_id) == PLACES
    assert Counter(r.status_code for r in late)[201] == PLACES - held
