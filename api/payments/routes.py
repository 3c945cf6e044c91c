"""The residents' door of payments: pay a held booking, follow a payment; and the money
platforms' notifies (verified by their own signatures, not by a token).

``GET /api/v1/payments/{id}`` also answers an admin session: the one route two kinds share."""

from __future__ import annotations

import logging

from api.errors import DomainError
from api.payments import service
from api.payments.insurance import settlements as insurance_settlements
from api.payments.models import InsuranceSettlement, Payment
from api.payments.schemas import (
    InsuranceOut,
    PaymentOut,
    PaymentRequest,
    PaymentStarted,
)
from api.timefmt import local
from api.web.bodies import read_body
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import api_route, resident_route
from api.web.http import Request, Response

log = logging.getLogger("ehc.payments")
WECHAT_OK = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"  # noqa: E501
WECHAT_FAIL = (
    "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[{}]]></return_msg></xml>"  # noqa: E501
)


def payment_out(
    ctx_tz: str, payment: Payment, insurance: InsuranceSettlement | None = None
) -> PaymentOut:
    """A payment as its payer (or an admin) sees it, with its insurance split if any."""
    return PaymentOut(
        payment_id=payment.payment_id,
        appointment_id=payment.appointment_id or None,
        bill_id=payment.bill_id,
        method=payment.method,
        amount=payment.amount,
        status=payment.status,
        refunded=payment.refunded,
        paid_at=local(payment.paid_at, ctx_tz) if payment.paid_at else None,
        insurance=InsuranceOut.model_validate(insurance) if insurance else None,
    )


async def start_payment(request: Request, body: PaymentRequest) -> PaymentStarted:
    """Pay a held booking or an HIS bill by WeChat Pay or Alipay, optionally with medical
    insurance (then only the self-pay part goes through WeChat Pay or Alipay): returns what the
    mini-program needs."""
    ctx = ctx_of(request)
    kind, payable_id = body.payable()
    payment, params, insurance = await service.start_payable(
        ctx, caller_of(request), kind, payable_id, body.method, body.insurance_auth_code
    )
    shown = payment_out(ctx.settings.timezone, payment, insurance)
    return PaymentStarted(**shown.model_dump(), params=params)


async def get_payment(request: Request) -> PaymentOut:
    """One of your payments: its status and how much has been refunded."""
    payment = await service.owned(caller_of(request), request.path_params["payment_id"])
    insurance = await insurance_settlements.of_payment(payment.payment_id)
    return payment_out(ctx_of(request).settings.timezone, payment, insurance)


async def _notify(request: Request, method: str) -> str | None:
    """Handle a notify; None when it was taken, else why not (the platform will retry)."""
    try:
        ctx = ctx_of(request)
        body = await read_body(request, ctx.settings.max_body_bytes)  # chunked ones too
        await service.on_notify(ctx, method, body)
    except DomainError as exc:
        log.warning("notify refused", extra={"fields": {"method": method, "code": exc.code}})
        return exc.code
    return None


async def wechat_notify(request: Request) -> Response:
    """WeChat Pay's payment notify (XML, MD5-signed)."""
    problem = await _notify(request, "wechat")
    body = WECHAT_OK if problem is None else WECHAT_FAIL.format(problem)
    return Response(body, media_type="text/xml")


async def alipay_notify(request: Request) -> Response:
    """Alipay's payment notify (form, RSA2-signed)."""
    problem = await _notify(request, "alipay")
    return Response("success" if problem is None else "fail", media_type="text/plain")


routes = [
    resident_route("POST", "/api/v1/payments", start_payment, body=PaymentRequest,
              response=PaymentStarted, status=201, tags=["payments"],
              errors=["NOT_PAYABLE", "METHOD_UNAVAILABLE", "PAYMENT_DECLINED", "NOT_FOUND",
                      "UPSTREAM_UNAVAILABLE", "INSURANCE_AUTH_INVALID", "INSURANCE_NOT_ELIGIBLE",
                      "INSURANCE_HOLDER_MISMATCH", "INSURANCE_DECLINED",
                      "INSURANCE_UNAVAILABLE"]),
    api_route("GET", "/api/v1/payments/{payment_id}", get_payment, response=PaymentOut,
              auth=("resident", "admin"), tags=["payments"], errors=["NOT_FOUND"]),
    api_route("POST", "/api/v1/payments/notify/wechat", wechat_notify, tags=["payments"]),
    api_route("POST", "/api/v1/payments/notify/alipay", alipay_notify, tags=["payments"]),
]  # fmt: skip
