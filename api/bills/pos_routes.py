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
    the resident sees it in the mini-program and pays it there."""
    view, _ = await service.post_bill(ctx_of(request), caller_of(request), body)
    bill = view.bill
    return BillCreated(bill_id=bill.bill_id, amount=bill.amount, status=bill.status)


async def get_bill(request: Request) -> BillOut:
    """One of your institution's bills: its status, payment and refunds."""
    ctx = ctx_of(request)
    view = await service.hospital_bill(ctx, caller_of(request), request.path_params["bill_id"])
    return bill_out(ctx, view)


async def cancel_bill(request: Request) -> BillOut:
    """Cancel an unpaid bill."""
    ctx = ctx_of(request)
    view = await service.cancel(ctx, caller_of(request), request.path_params["bill_id"])
    return bill_out(ctx, view)


async def refund_bill_items(request: Request, body: BillRefundRequest) -> BillRefundOut:
    """Refund whole items of a paid bill (quantity × unit price) to where the money came from."""
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
