"""Moving a card's appointments to another card: a temporary card bound to its holder's real
card hands its registrations over (queue places, fees and visits follow the person).

One live booking per card per schedule still holds: a live booking of the temporary card on a
schedule where the real card has one already stays with the temporary card.
"""

from __future__ import annotations

from api.appointments.models import Appointment


async def move_appointments(from_card: str, to_card: str) -> int:
    """Re-file ``from_card``'s appointments under ``to_card`` (call inside a transaction);
    returns how many moved."""
    live_there = set(
        await Appointment.filter(card_id=to_card, live_key__isnull=False).values_list(
            "schedule_id", flat=True
        )
    )
    moved = 0
    for booking in await Appointment.filter(card_id=from_card).order_by("created_at"):
        if booking.live_key is not None and booking.schedule_id in live_there:  # type: ignore[attr-defined]
            continue
        changes: dict[str, object] = {"card_id": to_card}
        if booking.live_key is not None:
            changes["live_key"] = f"{to_card}:{booking.schedule_id}"  # type: ignore[attr-defined]
        moved += await Appointment.filter(appointment_id=booking.appointment_id).update(**changes)
    return moved
