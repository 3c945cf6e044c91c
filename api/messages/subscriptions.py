"""One-time subscribe grants (WeChat's wx.requestSubscribeMessage): each grant lets us send
one message of that template to that user, and no more."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from api.messages.models import Subscription


async def grant(user_id: str, templates: list[str]) -> dict[str, int]:
    """Add one grant per template name; returns what the user now has left per template."""
    for template_id in templates:
        updated = await Subscription.filter(user_id=user_id, template_id=template_id).update(
            remaining=F("remaining") + 1
        )
        if not updated:
            try:
                await Subscription.create(user_id=user_id, template_id=template_id, remaining=1)
            except IntegrityError:  # granted twice at once
                await Subscription.filter(user_id=user_id, template_id=template_id).update(
                    remaining=F("remaining") + 1
                )
    rows = await Subscription.filter(user_id=user_id, template_id__in=templates)
    return {row.template_id: row.remaining for row in rows}


async def take(user_id: str, template_id: str) -> bool:
    """Spend one grant (a conditional update: two workers cannot spend the same one)."""
    spent = await Subscription.filter(
        user_id=user_id, template_id=template_id, remaining__gt=0
    ).update(remaining=F("remaining") - 1)
    return bool(spent)


async def give_back(user_id: str, template_id: str) -> None:
    """Return a grant that was not used (the send failed before WeChat took it)."""
    await Subscription.filter(user_id=user_id, template_id=template_id).update(
        remaining=F("remaining") + 1
    )
