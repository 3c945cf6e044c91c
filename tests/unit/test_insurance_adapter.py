"""Our insurance adapter against the stand-in platform in-process (httpx's ASGITransport): the
platform's own checks come back as refusals (in our words, the platform's code beside them) or
upstream errors, never as a silent success."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.errors import DomainError
from api.payments.gateways.base import Refusal
from api.payments.gateways.insurance import FeeItem, InsurancePlatform, InsuranceRefusal, Split
from miniapp_mock.app import create_mock_app

CODE, KEY, ID_NUMBER = "H11000000001", "institution-key", "11010519491231002X"
FEE = FeeItem(code="001102000010000", name="普通门诊诊查费", quantity=1, unit_price=1500)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A client of a fresh stand-in, with one institution and one insured person."""
    transport = httpx.ASGITransport(app=create_mock_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        await client.post("/insurance/institutions", json={"fixmedins_code": CODE, "key": KEY})
        await client.post(
            "/insurance/people",
            json={"id_number": ID_NUMBER, "name": "张三", "account_balance": 300},
        )
        yield client


def platform(http: httpx.AsyncClient, *, code: str = CODE, key: str = KEY) -> InsurancePlatform:
    return InsurancePlatform(http=http, base_url="http://mock/insurance", fixmedins_code=code,
                             key=key)  # fmt: skip


async def auth_code(http: httpx.AsyncClient) -> str:
    return (await http.post(f"/insurance/users/{ID_NUMBER}/auth_code")).json()["auth_code"]


async def test_a_whole_order_through_the_adapter(http: httpx.AsyncClient) -> None:
    ours = platform(http)
    insured = await ours.authorise(await auth_code(http))
    assert (insured.name, insured.cert_type, insured.cert_no) == ("张三", "01", ID_NUMBER)
    order_id = await ours.upload(insured, "PY1", [FEE])
    split = await ours.presettle(order_id, insured)
    assert split == Split(750, 300, 450)
    with pytest.raises(InsuranceRefusal) as inconsistent:
        await ours.settle(order_id, Split(750, 300, 451), "T1")
    assert inconsistent.value.code == "AMOUNT_INCONSISTENT"
    assert inconsistent.value.refusal is Refusal.AMOUNT_INCONSISTENT
    assert await ours.settle(order_id, split, "T1") == await ours.settle(order_id, split, "T1")
    with pytest.raises(InsuranceRefusal) as settled:
        await ours.revoke(order_id)
    assert (settled.value.code, settled.value.refusal) == ("ORDER_STATE", Refusal.WRONG_STATE)
    await ours.refund(order_id, "RF1", "cancelled")
    assert (await ours.query(order_id)).status == "refunded"


async def test_a_code_works_once(http: httpx.AsyncClient) -> None:
    code = await auth_code(http)
    await platform(http).authorise(code)
    with pytest.raises(InsuranceRefusal) as used:
        await platform(http).authorise(code)
    assert (used.value.code, used.value.refusal) == ("AUTH_CODE_INVALID", Refusal.AUTH_INVALID)


@pytest.mark.parametrize(("code", "key"), [(CODE, "wrong-key"), ("H99999999999", KEY)])
async def test_wrong_credentials_are_an_upstream_error(
    http: httpx.AsyncClient, code: str, key: str
) -> None:
    with pytest.raises(DomainError) as refused:
        await platform(http, code=code, key=key).authorise(await auth_code(http))
    assert refused.value.code == "UPSTREAM_ERROR"


async def test_a_platform_in_trouble_is_unavailable(http: httpx.AsyncClient) -> None:
    for mode in ("http_500", "error"):
        await http.post("/faults", json={"target": "insurance.api", "mode": mode})
        with pytest.raises(DomainError) as down:
            await platform(http).authorise(await auth_code(http))
        assert down.value.code == "UPSTREAM_UNAVAILABLE"
