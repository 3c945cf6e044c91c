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
    still to pay)."""
    ctx = ctx_of(request)
    views = await service.resident_bills(caller_of(request), query.status)
    return BillList(bills=[bill_out(ctx, v) for v in views])


routes = [
    resident_route("GET", "/api/v1/bills", list_bills, query=BillQuery, response=BillList,
                   tags=["bills"]),
]  # fmt: skip
