"""The cache door's behaviour (tests/integration/test_kv.py) on a Redis Cluster, through
``EHC_REDIS_URL=redis+cluster://…``: the same tests, the cluster client under them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from api.kv import KV
from tests.integration.test_kv import (  # noqa: F401 - collected here against the cluster
    test_a_fill_that_read_an_older_generation_is_refused,
    test_a_short_lived_member_does_not_cut_its_groups_life,
    test_claim_succeeds_once_among_concurrent_callers,
    test_hit_counts_within_a_window,
    test_lock_is_exclusive_and_released,
    test_one_trip_reads_and_claims_beside_a_present_key,
    test_take_returns_the_value_once,
    test_tokens_expire_and_groups_revoke,
)


@pytest.fixture
async def kv(cluster) -> AsyncIterator[KV]:
    store = KV.connect(cluster.url)
    assert store.cluster
    yield store
    await store.close()


async def test_the_store_epoch_stays_where_it_began(kv: KV) -> None:
    # Read through a cluster pipeline (Trip) it must answer the epoch, not "not set now":
    # else every code not verified within its issuing second would be refused as too old.
    first = await kv.epoch()
    await asyncio.sleep(1.1)
    trip = kv.trip()
    at = trip.epoch(int(time.time()))
    assert (await trip.send())[at] == first == await kv.epoch()
