"""Events for an institution's own system (HIS), posted to its webhook: signed with the
HMAC-SM3 scheme of in-house webhooks (``delivery.webhook_headers``) under the secret of the
terminal client the card centre named for it, with the message id for de-duplication."""

from __future__ import annotations

from api import policy
from api.audit import service as audit
from api.context import AppContext
from api.errors import not_found
from api.institutions import service as institutions
from api.messages.delivery import post_signed
from api.messages.models import InstitutionWebhook
from api.outbox.models import OutboxMessage
from api.outbox.service import INSTITUTION
from api.principals import Caller, Origin
from api.terminals.models import Terminal


def for_institution(message: OutboxMessage) -> str | None:
    """The institution a message is for, or None when it is a resident's."""
    return (
        message.user_id.removeprefix(INSTITUTION)
        if message.user_id.startswith(INSTITUTION)
        else None
    )


async def set_webhook(
    caller: Caller | Origin, institution_code: str, url: str, terminal_id: str
) -> InstitutionWebhook:
    """Name the URL an institution's events go to and the terminal whose secret signs them
    (an admin inside the institution's reach)."""
    if isinstance(caller, Caller):
        place = await institutions.place_of(institution_code)
        policy.check(caller, "institution.manage", place, "institution")
    terminal = await Terminal.get_or_none(terminal_id=terminal_id)
    if terminal is None or terminal.institution_code != institution_code:
        raise not_found("terminal")
    hook, _ = await InstitutionWebhook.update_or_create(
        {"url": url, "client_id": terminal_id}, institution_code=institution_code
    )
    await audit.record(
        caller, "institution.webhook", target_type="institution", target_id=institution_code,
        detail={"url": url, "client_id": terminal_id},
    )  # fmt: skip
    return hook


async def deliver(ctx: AppContext, message: OutboxMessage, institution_code: str) -> dict[str, str]:
    """Post ``message`` to the institution's webhook; returns what happened, as ``delivery``
    does. An unreachable or failing (5xx) receiver raises ``Transient``: the worker retries."""
    return {"webhook": await _post(ctx, message, institution_code)}


async def _post(ctx: AppContext, message: OutboxMessage, institution_code: str) -> str:
    hook = await InstitutionWebhook.get_or_none(institution_code=institution_code)
    if hook is None:
        return "no_webhook"
    fields = {"user_ref": institution_code}
    return await post_signed(ctx, hook.url, hook.client_id, message, fields)
