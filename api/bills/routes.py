"""The residents' door of bills: the bills of every card one holds (paying one is
``POST /api/v1/payments`` with its ``bill_id``)."""

from __future__ import annotations

from api.bills import service
from api.bills.schemas import BillList, BillQuery
from api.bills.views import bill_out
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import resident_route
from api.web.http import Request


async def list_bills(request: Request, query: BillQuery) -> BillList:
    """The hospitals' bills for every card you hold, newest first (``status=unpaid``: those
    still to pay). Pay one with ``POST /api/v1/payments {"bill_id", "method"}`` (add
    ``insurance_auth_code`` for the medical-insurance split).

    Example::

        GET /api/v1/bills?status=unpaid
        → 200 {"bills": [{"bill_id": "B1c9e0d2a7f4b3e8a6d5c1", "amount": 4650, "status": "unpaid",
                          "institution_code": "H0001", "patient_id": "P3F2A9C01D7E4B",
                          "visit_no": "V20261201-0042", "bill_no": "1", "refunded": 0,
                          "payment_id": null, "paid_at": null, "items": [{"line": 1,
                          "code": "250101001", "name": "血常规", "quantity": 1, "amount": 2500,
                          "refunded_quantity": 0}, …], …}]}
    """
    ctx = ctx_of(request)
    views = await service.resident_bills(caller_of(request), query.status)
    return BillList(bills=[bill_out(ctx, v) for v in views])


routes = [
    resident_route("GET", "/api/v1/bills", list_bills, query=BillQuery, response=BillList,
                   tags=["bills"]),
]  # fmt: skip
