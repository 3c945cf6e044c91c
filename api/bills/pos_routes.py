"""The terminals' door of bills: a hospital system (HIS) posts, follows, cancels and refunds
its own patients' bills."""

from __future__ import annotations

from api.bills import service
from api.bills.schemas import BillCreated, BillOut, BillRefundOut, BillRefundRequest, BillRequest
from api.bills.views import bill_out
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import terminal_route
from api.web.http import Request


async def post_bill(request: Request, body: BillRequest) -> BillCreated:
    """Post a bill for one of your patients (idempotent by visit number and bill number):
    the resident sees it in the mini-program and pays it there. When it is paid, your webhook
    gets a signed ``bill_paid`` event (``{"bill_id", "visit_no", "bill_no", "patient_id",
    "amount", "payment_id", "paid_at"}``).

    Example (amounts are unit prices in fen)::

        POST /api/v1/pos/bills
        {"patient_id": "P3F2A9C01D7E4B", "visit_no": "V20261201-0042", "bill_no": "1",
         "items": [{"code": "250101001", "name": "血常规", "quantity": 1, "amount": 2500},
                   {"code": "XJ01CAA040A001", "name": "阿莫西林胶囊", "quantity": 2,
                    "amount": 1075}]}
        → 201 {"bill_id": "B1c9e0d2a7f4b3e8a6d5c1", "amount": 4650, "status": "unpaid"}
    """
    view, _ = await service.post_bill(ctx_of(request), caller_of(request), body)
    bill = view.bill
    return BillCreated(bill_id=bill.bill_id, amount=bill.amount, status=bill.status)


async def get_bill(request: Request) -> BillOut:
    """One of your institution's bills: its status, payment and refunds.

    Example::

        GET /api/v1/pos/bills/B1c9e0d2a7f4b3e8a6d5c1
        → 200 {"bill_id": "B1c9e0d2a7f4b3e8a6d5c1", "amount": 4650, "status": "paid",
               "refunded": 0, "payment_id": "PAY5e1f…", "paid_at": "2026-12-01T10:02:11+08:00",
               "items": [{"line": 1, "code": "250101001", "quantity": 1, "amount": 2500,
                          "refunded_quantity": 0, …}, …], …}
    """
    ctx = ctx_of(request)
    view = await service.hospital_bill(ctx, caller_of(request), request.path_params["bill_id"])
    return bill_out(ctx, view)


async def cancel_bill(request: Request) -> BillOut:
    """Cancel an unpaid bill. A paid one is 409 ``INVALID_STATE``: refund its items instead.

    Example::

        POST /api/v1/pos/bills/B1c9e0d2a7f4b3e8a6d5c1/cancel
        → 200 {"bill_id": "B1c9e0d2a7f4b3e8a6d5c1", "status": "cancelled", …}
    """
    ctx = ctx_of(request)
    view = await service.cancel(ctx, caller_of(request), request.path_params["bill_id"])
    return bill_out(ctx, view)


async def refund_bill_items(request: Request, body: BillRefundRequest) -> BillRefundOut:
    """Refund whole items of a paid bill (quantity × unit price) to where the money came from.
    Lines are the items' ``line`` numbers; the bill is ``refunded`` once every item is. A bill
    settled with medical insurance is refunded whole (409 ``REFUND_NOT_PARTIAL`` otherwise).

    Example (one of the two capsules back)::

        POST /api/v1/pos/bills/B1c9e0d2a7f4b3e8a6d5c1/refunds
        {"items": [{"line": 2, "quantity": 1}], "reason": "退药"}
        → 201 {"bill_id": "B1c9e0d2a7f4b3e8a6d5c1", "refund_id": "RF0a6b…", "amount": 1075,
               "status": "paid"}
    """
    view, refund_id, amount = await service.refund_items(
        ctx_of(request), caller_of(request), request.path_params["bill_id"], body.items,
        body.reason,
    )  # fmt: skip
    return BillRefundOut(
        bill_id=view.bill.bill_id, refund_id=refund_id, amount=amount, status=view.bill.status
    )


TAGS = ["bills"]
routes = [
    terminal_route("POST", "/api/v1/pos/bills", post_bill, body=BillRequest,
                   response=BillCreated, status=201, tags=TAGS,
                   errors=["NOT_FOUND", "CONFLICT", "VALIDATION_ERROR"]),
    terminal_route("GET", "/api/v1/pos/bills/{bill_id}", get_bill, response=BillOut,
                   tags=TAGS, errors=["NOT_FOUND"]),
    terminal_route("POST", "/api/v1/pos/bills/{bill_id}/cancel", cancel_bill,
                   response=BillOut, tags=TAGS, errors=["NOT_FOUND", "INVALID_STATE"]),
    terminal_route("POST", "/api/v1/pos/bills/{bill_id}/refunds", refund_bill_items,
                   body=BillRefundRequest, response=BillRefundOut, status=201, tags=TAGS,
                   errors=["NOT_FOUND", "INVALID_STATE", "REFUND_EXCEEDS_PAID",
                           "REFUND_NOT_PARTIAL", "UPSTREAM_ERROR"]),
]  # fmt: skip
