"""What each event says, per channel, in Chinese; times in the hospital's zone (the payload
already carries them so). Admins can change a template; these are the defaults.

WeChat subscribe messages and Alipay template messages carry a platform template id and a few
short fields; in-house apps get title and text; SMS gets the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.messages.models import MessageTemplate

CHANNELS = ("wechat", "alipay", "inhouse", "sms")


@dataclass(frozen=True)
class Template:
    """One event's wording: title, text with {placeholders}, and whether SMS backs it up."""

    title: str
    text: str
    urgent: bool = False


DEFAULTS: dict[str, Template] = {
    "card_collected": Template("领卡成功", "您已领取电子健康卡，可在小程序出示二维码就医。"),
    "card_bound": Template(
        "电子健康卡新绑定",
        "您的电子健康卡刚被另一个账号（{channel}）绑定。如非本人或家人操作，请在“绑定管理”中解除。",
        urgent=True,
    ),
    "booking_held": Template(
        "预约待支付", "{department} {doctor} {start_text}，请在 {pay_before_text} 前支付。"
    ),
    "booking_confirmed": Template(
        "预约成功", "{hospital} {department} {doctor}，{start_text}，{room}。"
    ),
    "payment_received": Template("支付成功", "已收到挂号费 {amount_text}。"),
    "refund_made": Template("退款成功", "{amount_text} 已原路退回。"),
    "cancelled": Template("预约已取消", "{department} {doctor} {start_text} 的预约已取消。"),
    "hold_expired": Template("预约已释放", "未在时限内支付，{start_text} 的预约已释放。"),
    "visit_reminder": Template(
        "就诊提醒", "您预约了 {start_text} {department} {doctor}，请按时就诊。"
    ),
    "checked_in": Template("签到成功", "排队号 {queue_number}，请在 {room} 附近候诊。"),
    "called": Template("请就诊", "请 {queue_number} 号到 {room} 就诊。", urgent=True),
    "missed": Template("爽约记录", "您未按时就诊（{start_text}），多次爽约将暂停预约。"),
    "schedule_stopped": Template(
        "停诊通知",
        "{doctor} {start_text} 停诊：{reason}。已为您取消预约，已付费用原路退回。",
        urgent=True,
    ),
    "report_ready": Template("报告已出", "{hospital} 的检查报告已出：{detail}"),
    "medicine_ready": Template("取药通知", "请到 {hospital} {detail} 取药。", urgent=True),
}  # fmt: skip


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def facts(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload plus the human forms of its times and amounts."""
    out = dict(payload)
    if payload.get("start"):
        out["start_text"] = str(payload["start"])[5:16].replace("T", " ")
    if payload.get("pay_before"):
        out["pay_before_text"] = str(payload["pay_before"])[11:16]
    if isinstance(payload.get("amount"), int):
        out["amount_text"] = f"¥{payload['amount'] / 100:.2f}"
    return out


async def template_for(event: str, channel: str) -> tuple[Template, str]:
    """The wording of ``event`` on ``channel`` and the platform template id (admin overrides
    first, then the defaults)."""
    row = await MessageTemplate.get_or_none(event=event, channel=channel)
    default = DEFAULTS.get(event, Template(event, "{detail}"))
    if row is None:
        return default, f"TPL_{event.upper()}"
    return Template(row.title, row.text, row.urgent), row.template_id


async def templates_in_force() -> dict[tuple[str, str], tuple[Template, str]]:
    """Every (event, channel) → (wording, platform template id): the defaults with the admins'
    overrides laid over them, read in one query."""
    rows = {(r.event, r.channel): r for r in await MessageTemplate.all()}
    return {
        (event, channel): (Template(r.title, r.text, r.urgent), r.template_id)
        if (r := rows.get((event, channel)))
        else (default, f"TPL_{event.upper()}")
        for event, default in DEFAULTS.items()
        for channel in CHANNELS
    }


def render(template: Template, payload: dict[str, Any]) -> tuple[str, str]:
    """(title, text) with the payload's facts filled in."""
    values = _Blank(facts(payload))
    return template.title.format_map(values), template.text.format_map(values)
