"""The insurance split arithmetic (the stand-in platform's), the checks our adapter makes on a
split it is given, and the envelope signature both sides compute."""

from __future__ import annotations

import hmac
import json
from decimal import Decimal

import pytest

from api.errors import DomainError
from api.payments.gateways.insurance import Split, sign
from miniapp_mock.insurance import signature, split_of


@pytest.mark.parametrize(
    ("total", "eligible", "ratio", "available", "expected"),
    [
        (1500, 1500, "0.5", 300, (750, 300, 450)),  # the account runs out: the rest is self-pay
        (1500, 1500, "0.5", 10_000, (750, 750, 0)),  # fund and account cover it all
        (1500, 0, "0.5", 10_000, (0, 0, 1500)),  # nothing in the catalogue: all self-pay
        (1001, 1001, "0.5", 0, (500, 0, 501)),  # the fund's share is rounded down to the fen
        (999, 999, "0.7", 100, (699, 100, 200)),
        (2000, 1500, "1", 10_000, (1500, 0, 500)),  # the account never pays uncovered items
    ],
)
def test_split_of(
    total: int, eligible: int, ratio: str, available: int, expected: tuple[int, int, int]
) -> None:
    split = split_of(total, eligible, Decimal(ratio), available)
    assert (split["fund"], split["account"], split["self_pay"]) == expected
    assert sum(split.values()) == total


def test_a_split_that_adds_up_is_taken() -> None:
    split = Split.of({"fund": 750, "account": 300, "self_pay": 450, "total": 1500})
    assert split == Split(750, 300, 450) and split.total == 1500


@pytest.mark.parametrize(
    "output",
    [
        {"fund": 750, "account": 300, "self_pay": 451, "total": 1500},  # does not add up
        {"fund": -1, "account": 301, "self_pay": 1200, "total": 1500},  # negative part
        {"fund": 750.0, "account": 300, "self_pay": 450, "total": 1500},  # not whole fen
        {"fund": True, "account": 299, "self_pay": 1200, "total": 1500},
        {"fund": 750, "account": 300, "total": 1050},  # a part missing
    ],
)
def test_a_split_that_does_not_add_up_is_refused(output: dict) -> None:
    with pytest.raises(DomainError) as refused:
        Split.of(output)
    assert refused.value.code == "UPSTREAM_ERROR"


def test_both_sides_sign_the_same_canonical_json() -> None:
    envelope = {"infno": "6201", "msgid": "H1", "fixmedins_code": "H1",
                "input": {"item_name": "普通门诊诊查费", "b": 1, "a": [2, 1]}}  # fmt: skip
    text = '{"fixmedins_code":"H1","infno":"6201","input":{"a":[2,1],"b":1,' \
        '"item_name":"普通门诊诊查费"},"msgid":"H1"}'  # fmt: skip
    expected = hmac.new(b"k3y", text.encode(), "sm3").hexdigest()
    assert sign("k3y", envelope) == signature("k3y", envelope) == expected
    signed = {**envelope, "sign": expected}
    assert sign("k3y", signed) == expected  # the sign field itself is never signed
    assert json.loads(text) == envelope
