"""Every multi-key script and transaction of api/kv.py keeps its keys on one Redis Cluster
slot, with the keys its callers really build (else a cluster refuses it: CROSSSLOT)."""

from __future__ import annotations

from redis.cluster import key_slot

from api.cards import lifecycle, single_use
from api.kv import CLAIM_BESIDE, _wire, cluster_nodes


def slots(*names: str) -> set[int]:
    return {key_slot(name.encode()) for name in names}


def test_a_claim_beside_the_card_state_is_one_slot() -> None:
    # Trip.claim_beside, as single_use.spend sends it: the used code beside the card's state.
    used, state = single_use.used_key("C123", "n0nce"), lifecycle.state_key("C123")
    command = _wire("claim_beside", (used, 60, "me", state))
    assert command[:3] == ("EVAL", CLAIM_BESIDE, 2)
    assert len(slots(*command[3:5])) == 1


def test_the_state_fill_and_its_generation_are_one_slot() -> None:
    # KV.set_if_unchanged (lifecycle.load) and KV.forget (lifecycle.forget): state + generation.
    assert len(slots(lifecycle.state_key("C1"), lifecycle._generation_key("C1"))) == 1


def test_cards_spread_over_slots() -> None:
    assert len(slots(*(lifecycle.state_key(f"C{i}") for i in range(200)))) > 100


def test_cluster_url_names_its_seed_nodes() -> None:
    url = "redis+cluster://10.0.0.1:7000,10.0.0.2:7001"
    assert cluster_nodes(url) == [("10.0.0.1", 7000), ("10.0.0.2", 7001)]
