"""The resident's inbox, their subscribe grants, templates, dead letters, and notices that
hospital systems send through a terminal."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from api import policy
from api.appointments.models import Hospital
from api.audit import service as audit
from api.cards.models import CardBinding
from api.context import AppContext
from api.errors import DomainError, not_found
from api.messages import subscriptions, worker
from api.messages.models import MessageTemplate
from api.messages.templates import CHANNELS, DEFAULTS, templates_in_force
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue
from api.principals import Caller
from api.terminals.models import PatientRecord
from api.terminals.service import terminal_of
from api.timefmt import now

INBOX_LIMIT = 200


async def inbox(caller: Caller) -> list[OutboxMessage]:
    """The caller's messages, newest first."""
    return await OutboxMessage.filter(user_id=caller.id).order_by("-id").limit(INBOX_LIMIT)


async def mark_read(caller: Caller, message_id: int) -> OutboxMessage:
    """Mark one of the caller's messages read (idempotent)."""
    message = await OutboxMessage.get_or_none(id=message_id, user_id=caller.id)
    if message is None:
        raise not_found("message")
    if message.read_at is None:
        message.read_at = now()
        await message.save(update_fields=["read_at"])
    return message


async def subscribe(caller: Caller, templates: list[str]) -> dict[str, int]:
    """Record the one-time grants the user just gave in the mini-program (template names are
    the event names of API.md)."""
    unknown = sorted(set(templates) - set(DEFAULTS))
    if unknown:
        raise DomainError("VALIDATION_ERROR", f"unknown templates: {', '.join(unknown)}")
    return await subscriptions.grant(caller.id, templates)


async def templates(actor: Caller) -> list[tuple[str, str, str, str, str, bool]]:
    """Every (event, channel) wording in force: (event, channel, template id, title, text,
    urgent)."""
    policy.require(actor, "centre.read")
    return [
        (event, channel, template_id, template.title, template.text, template.urgent)
        for (event, channel), (template, template_id) in (await templates_in_force()).items()
    ]


async def set_template(
    actor: Caller, event: str, channel: str, template_id: str, title: str, text: str, urgent: bool
) -> MessageTemplate:
    """An admin rewords an event on a channel (audited)."""
    policy.require(actor, "centre.manage")
    if event not in DEFAULTS or channel not in CHANNELS:
        raise not_found("template")
    row, _ = await MessageTemplate.update_or_create(
        event=event,
        channel=channel,
        defaults={"template_id": template_id, "title": title, "text": text, "urgent": urgent},
    )
    await audit.record(
        actor, "message_template.update", target_type="template", target_id=f"{event}/{channel}"
    )
    return row


async def retry_message(actor: Caller, message_id: int) -> OutboxMessage:
    """An admin sends a dead or unconfirmed message again, now (audited)."""
    policy.require(actor, "centre.manage")
    if not await worker.retry(message_id):
        raise DomainError("INVALID_STATE", "only dead or unconfirmed messages are retried")
    await audit.record(actor, "message.retry", target_type="message", target_id=str(message_id))
    return await OutboxMessage.get(id=message_id)


async def admin_messages(actor: Caller, status: str | None, limit: int) -> list[OutboxMessage]:
    """Messages for admins, newest first (dead letters with ``status=dead``)."""
    policy.require(actor, "centre.read")
    query = OutboxMessage.all() if status is None else OutboxMessage.filter(status=status)
    return await query.order_by("-id").limit(limit)


async def notice_from_terminal(
    ctx: AppContext, caller: Caller, patient_id: str, event: str, detail: str
) -> int:
    """A hospital system (with its terminal's token) tells one of its patients that a report or
    medicine is ready; returns how many of the card's holders were told."""
    terminal = await terminal_of(ctx, caller)
    hospital = await Hospital.get_or_none(code=terminal.institution_code)
    name = hospital.name if hospital else terminal.institution_code
    return await notify_patient(terminal.institution_code, patient_id, event, detail, name)


async def notify_patient(
    institution_code: str, patient_id: str, event: str, detail: str, hospital: str
) -> int:
    """A hospital system's notice to one of its patients: to every user holding the card."""
    record = await PatientRecord.get_or_none(
        institution_code=institution_code, patient_id=patient_id
    )
    if record is None:
        raise DomainError("NOT_FOUND", "no such patient at this hospital")
    users = await CardBinding.filter(card_id=record.card_id).values_list("user_id", flat=True)
    async with in_transaction():
        for user_id in users:
            payload = {"detail": detail, "hospital": hospital, "patient_id": patient_id}
            await enqueue(event, str(user_id), payload, card_id=record.card_id)
    return len(users)
