"""The envelope door: ``POST /ehc/gateway``, the provincial card centre's one endpoint, for
partners written against it (the envelope is its own credential: app id and digest)."""

from __future__ import annotations

from api.gateway import service
from api.gateway.schemas import EnvelopeOut
from api.web.bodies import parse_json_object, read_body
from api.web.caller import ctx_of
from api.web.endpoint import api_route
from api.web.http import Request


async def gateway(request: Request) -> EnvelopeOut:
    """One call in the provincial envelope (methods ehc.ehealthcard.query, .register,
    ehc.ehealthcode.generate, .verify, ehc.ehealthcard.close); errors in its own codes."""
    ctx = ctx_of(request)
    fields = parse_json_object(await read_body(request, ctx.settings.max_body_bytes))
    return EnvelopeOut(**await service.call(ctx, fields))


routes = [
    api_route("POST", "/ehc/gateway", gateway, response=EnvelopeOut, tags=["gateway"]),
]
