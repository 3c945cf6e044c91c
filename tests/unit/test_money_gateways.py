"""Our WeChat Pay and Alipay gateways against the stand-in platforms: each vendor's refusal
comes back as our own ``Refusal`` (the vendor's code beside it), a platform in trouble as an
upstream error, and a notify for another app is refused by the gateway that reads it.

The vendor SDKs are synchronous (requests, urllib), so the stand-in is served on a loopback
port (not through ``ASGITransport``); the gateway code under test is the production code.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette

from api.channels.alipay_platform import AlipayGateway
from api.channels.rsa_keys import generate_rsa_keypair
from api.errors import DomainError
from api.payments.gateways.alipay import AlipayPayGateway
from api.payments.gateways.base import PlatformRefusal, Refusal
from api.payments.gateways.registry import VENDORS
from api.payments.gateways.wechat_pay import WeChatPayGateway
from miniapp_mock import wechatpay as wechatpay_mock
from miniapp_mock.app import create_mock_app
from tests.support.live_server import reserve_socket, serve_on

MCH_ID, MCH_KEY, FEE = "1900000009", secrets.token_hex(16), 1500


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[Starlette, str]]:
    """The stand-in platforms on a loopback port: the app (for its keys) and its URL."""
    app = create_mock_app()
    with serve_on(app, reserve_socket()) as url:
        yield app, url


@pytest.fixture
async def mock(stand_in: tuple[Starlette, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stand_in[1], timeout=10) as client:
        await client.post("/wechat/pay/merchants", json={"mch_id": MCH_ID, "api_key": MCH_KEY})
        yield client
        await client.delete("/faults")


def wechat(url: str, appid: str = "wxgateway0001") -> WeChatPayGateway:
    return WeChatPayGateway(appid=appid, mch_id=MCH_ID, api_key=MCH_KEY, base=f"{url}/wechat/",
                            notify_url="http://127.0.0.1:9/notify", timeout=3)  # fmt: skip


async def alipay(mock: httpx.AsyncClient, http: httpx.AsyncClient) -> AlipayPayGateway:
    private_pem, public_pem = generate_rsa_keypair()
    app_id = "2021" + str(secrets.randbelow(10**12)).zfill(12)
    made = await mock.post("/alipay/apps", json={"app_id": app_id, "app_public_key": public_pem})
    signed = AlipayGateway(
        gateway_url=f"{mock.base_url}/alipay/gateway.do",
        app_id=app_id,
        app_private_key=private_pem,
        alipay_public_key=made.json()["alipay_public_key"],
        timeout=3,
    )
    return AlipayPayGateway(signed, "http://127.0.0.1:9/notify", http)


def order_no() -> str:
    return "PYTEST" + secrets.token_hex(6).upper()


async def refused(call: object) -> PlatformRefusal:
    with pytest.raises(PlatformRefusal) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_wechat_pay_refusals_in_our_words(mock: httpx.AsyncClient) -> None:
    gateway, paid = wechat(str(mock.base_url)), order_no()
    opened = await gateway.create(paid, "挂号费", FEE, "openid-1")
    assert opened.trade_no is None and opened.params["package"].startswith("prepay_id=")
    prepay_id = opened.params["package"].removeprefix("prepay_id=")
    await mock.post("/wechat/pay/confirm", json={"prepay_id": prepay_id, "notify": False})

    closing = await refused(gateway.close(paid))
    assert (closing.refusal, closing.code) == (Refusal.ALREADY_PAID, "ORDERPAID")
    missing = await refused(gateway.query(order_no()))
    assert (missing.refusal, missing.code) == (Refusal.NOT_FOUND, "ORDERNOTEXIST")
    await gateway.refund(paid, "RF1", FEE, FEE - 1)
    too_much = await refused(gateway.refund(paid, "RF2", FEE, 2))
    assert (too_much.refusal, too_much.code) == (Refusal.EXCEEDS_REFUNDABLE, "NOTENOUGH")
    state = await gateway.query(paid)
    assert state.paid and state.amount == FEE


async def test_wechat_pay_in_trouble_is_unavailable_not_a_refusal(
    mock: httpx.AsyncClient,
) -> None:
    await mock.post("/faults", json={"target": "wechatpay.orderquery", "mode": "http_500"})
    with pytest.raises(DomainError) as down:
        await wechat(str(mock.base_url)).query(order_no())
    assert down.value.code == "UPSTREAM_UNAVAILABLE"


def wechat_notify(appid: str) -> bytes:
    """A notify as WeChat Pay signs it, for an order of ``appid`` under our merchant."""
    fields = {"appid": appid, "mch_id": MCH_ID, "nonce_str": secrets.token_hex(8),
              "result_code": "SUCCESS", "return_code": "SUCCESS", "total_fee": FEE,
              "transaction_id": "42" + secrets.token_hex(8),
              "out_trade_no": order_no()}  # fmt: skip
    fields["sign"] = wechatpay_mock.sign(fields, MCH_KEY)
    return wechatpay_mock.to_xml(fields).encode()


async def test_a_wechat_notify_names_its_app_and_only_that_app_takes_it(
    mock: httpx.AsyncClient,
) -> None:
    body = wechat_notify("wxotherapp002")
    assert VENDORS["wechat"].notify_app_id(body) == "wxotherapp002"
    assert wechat(str(mock.base_url), "wxotherapp002").verify_notify(body).amount == FEE
    with pytest.raises(DomainError) as other:
        wechat(str(mock.base_url), "wxgateway0001").verify_notify(body)
    assert other.value.code == "BAD_SIGNATURE"
    with pytest.raises(DomainError) as garbage:
        VENDORS["wechat"].notify_app_id(b"app_id=1&x=2")
    assert garbage.value.code == "VALIDATION_ERROR"


async def test_alipay_refusals_in_our_words(mock: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient() as http:
        gateway, paid = await alipay(mock, http), order_no()
        opened = await gateway.create(paid, "挂号费", FEE, "2088000000000001")
        assert opened.trade_no and opened.params["trade_no"] == opened.trade_no
        await mock.post("/alipay/pay/confirm", json={"trade_no": opened.trade_no, "notify": False})

        again = await refused(gateway.create(paid, "挂号费", FEE, "2088000000000001"))
        assert (again.refusal, again.code) == (Refusal.ALREADY_PAID, "ACQ.TRADE_HAS_SUCCESS")
        closing = await refused(gateway.close(paid))
        assert (closing.refusal, closing.code) == (Refusal.ALREADY_PAID, "ACQ.TRADE_STATUS_ERROR")
        missing = await refused(gateway.query(order_no()))
        assert (missing.refusal, missing.code) == (Refusal.NOT_FOUND, "ACQ.TRADE_NOT_EXIST")
        too_much = await refused(gateway.refund(paid, "RF1", FEE, FEE + 1))
        assert too_much.refusal is Refusal.EXCEEDS_REFUNDABLE
        state = await gateway.query(paid)
        assert state.paid and state.amount == FEE


async def test_an_alipay_notify_for_another_app_is_refused(
    mock: httpx.AsyncClient, stand_in: tuple[Starlette, str]
) -> None:
    async with httpx.AsyncClient() as http:
        ours, theirs = await alipay(mock, http), await alipay(mock, http)
    form = {"app_id": theirs.gateway.app_id, "out_trade_no": order_no(), "trade_no": "2026X",
            "trade_status": "TRADE_SUCCESS", "total_amount": "15.00",
            "charset": "utf-8"}  # fmt: skip
    form["sign"] = stand_in[0].state.alipay_key.sign(
        "&".join(f"{k}={v}" for k, v in sorted(form.items()))
    )
    form["sign_type"] = "RSA2"
    body = urlencode(form).encode()
    assert VENDORS["alipay"].notify_app_id(body) == theirs.gateway.app_id
    assert theirs.verify_notify(body).amount == FEE
    with pytest.raises(DomainError) as other:
        ours.verify_notify(body)
    assert other.value.code == "BAD_SIGNATURE"
