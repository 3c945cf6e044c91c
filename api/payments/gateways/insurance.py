"""The medical-insurance platform (医保移动支付) behind one narrow adapter.

Every transaction is one signed JSON envelope ``{"infno", "msgid", "fixmedins_code", "input",
"sign"}`` posted to the platform, ``sign = hex(HMAC-SM3(key, canonical JSON without sign))``.
Business refusals (``infcode`` -1 with the platform's ``err_code``) come back as
``InsuranceRefusal``, its ``refusal`` in our words; a platform that cannot be reached, or says
it is busy, is ``UPSTREAM_UNAVAILABLE``; one that refuses our own credentials is
``UPSTREAM_ERROR``.
Amounts are integer fen, as the platform's are.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from api.crypto.sm import hmac_sm3_hex
from api.errors import DomainError
from api.payments.gateways.base import PlatformRefusal, Refusal
from api.timefmt import local, now
from api.upstream import post_json

AUTHORISE, UPLOAD, PRESETTLE, REFUND, SETTLE, QUERY, REVOKE = (
    "6101", "6201", "6202", "6203", "6204", "6301", "6401",
)  # fmt: skip
BUSY = {"SYSTEM_ERROR"}  # the platform's own "try again later"
OUR_FAULT = {"SIGN_INVALID", "INSTITUTION_UNKNOWN"}  # our credentials are wrong: an operator's job


REFUSALS = {  # the platform's err_code in our words
    "AUTH_CODE_INVALID": Refusal.AUTH_INVALID,
    "PAY_AUTH_INVALID": Refusal.AUTH_INVALID,
    "PSN_NOT_INSURED": Refusal.NOT_ELIGIBLE,
    "ORDER_NOT_FOUND": Refusal.NOT_FOUND,
    "ORDER_STATE": Refusal.WRONG_STATE,
    "AMOUNT_INCONSISTENT": Refusal.AMOUNT_INCONSISTENT,
}


class InsuranceRefusal(PlatformRefusal):
    """The insurance platform said no (code not insured, order state, amounts inconsistent…)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(REFUSALS.get(code, Refusal.DECLINED), code, message)


@dataclass(frozen=True)
class Insured:
    """Whom the resident's authorisation names, and the pay authorisation it gave us."""

    pay_auth_no: str
    psn_no: str
    name: str
    cert_type: str
    cert_no: str


@dataclass(frozen=True)
class FeeItem:
    """One line of fee details, under its national item code."""

    code: str
    name: str
    quantity: int
    unit_price: int  # fen


@dataclass(frozen=True)
class Split:
    """Who pays what (fen): the pooled fund, the personal account, and the resident."""

    fund: int
    account: int
    self_pay: int

    @property
    def total(self) -> int:
        return self.fund + self.account + self.self_pay

    @classmethod
    def of(cls, output: dict[str, Any]) -> Split:
        """The split in a platform answer; refused unless every part is a whole, non-negative
        number of fen and they add up to the order's total."""
        parts = [output.get(k) for k in ("fund", "account", "self_pay")]
        if not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in parts):
            raise DomainError("UPSTREAM_ERROR", "the insurance platform sent an unreadable split")
        split = cls(*parts)  # type: ignore[arg-type]
        if split.total != output.get("total"):
            raise DomainError("UPSTREAM_ERROR", "the insurance platform's split does not add up")
        return split


@dataclass(frozen=True)
class Order:
    """An insurance order as the platform sees it."""

    order_id: str
    status: str
    split: Split


def _text(output: dict[str, Any], name: str) -> str:
    value = output.get(name)
    if not value:
        raise DomainError("UPSTREAM_ERROR", f"the insurance platform's answer has no {name}")
    return str(value)


def canonical(envelope: dict[str, Any]) -> bytes:
    """The bytes that are signed: the envelope without ``sign``, keys sorted, no spaces."""
    rest = {k: v for k, v in envelope.items() if k != "sign"}
    return json.dumps(rest, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(key: str, envelope: dict[str, Any]) -> str:
    """hex(HMAC-SM3(key, canonical(envelope)))."""
    return hmac_sm3_hex(key.encode(), canonical(envelope))


class InsurancePlatform:
    """The hospital's connection to the insurance platform (one institution code and key)."""

    def __init__(
        self, *, http: httpx.AsyncClient, base_url: str, fixmedins_code: str, key: str
    ) -> None:
        self.http = http
        self.url = base_url.rstrip("/") + "/api"
        self.fixmedins_code, self.key = fixmedins_code, key

    def _msgid(self) -> str:
        # National style: institution code, the time, a random tail (unique per message).
        stamp = local(now()).strftime("%Y%m%d%H%M%S")
        return f"{self.fixmedins_code}{stamp}{secrets.token_hex(3).upper()}"

    async def call(self, infno: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One transaction; its ``output`` when ``infcode`` is 0."""
        envelope: dict[str, Any] = {
            "infno": infno, "msgid": self._msgid(), "fixmedins_code": self.fixmedins_code,
            "input": payload,
        }  # fmt: skip
        envelope["sign"] = sign(self.key, envelope)
        answer = await post_json(self.http, self.url, envelope, platform="the insurance platform")
        if answer.get("infcode") == 0 and isinstance(answer.get("output"), dict):
            return answer["output"]
        code, message = str(answer.get("err_code") or "UNKNOWN"), str(answer.get("err_msg", ""))
        if code in BUSY:
            raise DomainError("UPSTREAM_UNAVAILABLE", "the insurance platform is busy")
        if code in OUR_FAULT:
            raise DomainError("UPSTREAM_ERROR", f"the insurance platform refused us ({code})")
        raise InsuranceRefusal(code, message)

    async def authorise(self, auth_code: str) -> Insured:
        """The resident's auth code from the insurance app → pay authorisation and identity."""
        out = await self.call(AUTHORISE, {"auth_code": auth_code})
        return Insured(
            pay_auth_no=_text(out, "pay_auth_no"), psn_no=_text(out, "psn_no"),
            name=str(out.get("psn_name", "")), cert_type=str(out.get("psn_cert_type", "")),
            cert_no=str(out.get("certno", "")).upper(),
        )  # fmt: skip

    async def upload(self, insured: Insured, order_ref: str, items: list[FeeItem]) -> str:
        """6201: the fee details of our order ``order_ref``; returns the platform's order id
        (the platform totals the items itself)."""
        out = await self.call(UPLOAD, {
            "pay_auth_no": insured.pay_auth_no, "psn_no": insured.psn_no,
            "med_org_ord": order_ref,
            "items": [{"item_code": i.code, "item_name": i.name, "quantity": i.quantity,
                       "unit_price": i.unit_price} for i in items],
        })  # fmt: skip
        return _text(out, "pay_ord_id")

    async def presettle(self, order_id: str, insured: Insured) -> Split:
        """6202: the split; the personal-account part is reserved until settled or revoked."""
        out = await self.call(
            PRESETTLE, {"pay_ord_id": order_id, "pay_auth_no": insured.pay_auth_no}
        )
        return Split.of(out)

    async def settle(self, order_id: str, split: Split, paid_trade_no: str | None) -> str:
        """6204: the self-pay part was collected; returns the settlement id (repeatable)."""
        out = await self.call(SETTLE, {
            "pay_ord_id": order_id, "fund": split.fund, "account": split.account,
            "self_pay": split.self_pay, "self_pay_trade_no": paid_trade_no or "",
        })  # fmt: skip
        return str(out.get("setl_id", ""))

    async def refund(self, order_id: str, refund_no: str, reason: str) -> None:
        """6203: the fund and account parts of a settled order go back (repeatable)."""
        await self.call(
            REFUND, {"pay_ord_id": order_id, "refund_no": refund_no, "reason": reason[:100]}
        )

    async def revoke(self, order_id: str) -> None:
        """6401: withdraw an unsettled order and release its reservation (repeatable)."""
        await self.call(REVOKE, {"pay_ord_id": order_id})

    async def query(self, order_id: str) -> Order:
        """6301: the order's state and split at the platform."""
        out = await self.call(QUERY, {"pay_ord_id": order_id})
        return Order(order_id=order_id, status=str(out.get("status")), split=Split.of(out))
