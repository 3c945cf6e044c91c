"""A week of demo usage, so the console's charts have something to show: in each demo district,
cards collected through every channel (WeChat, Alipay, the in-house app, the counter) and used
at the district's hospital at several scenes, spread over the last seven local days.

Each day is seeded once: the days done are kept in a centre setting, so a restart adds only the
days that passed since (never doubles one). Uses go through the batch writer, which keeps the
indicators' roll-up as terminals' uses do. People, names and ID numbers are DEMO values.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyotp

from api.cards.id_numbers import check_digit
from api.cards.identity import Identity, sealed_fields
from api.cards.models import Card, CentreSetting, Person
from api.cards.service import TOTP_CONTEXT
from api.context import AppContext
from api.terminals.models import TERMINAL_KINDS, CardUsage
from api.terminals.scenes import MEDSTEP_CODES
from api.timefmt import today

WEEK = 7
DAYS_DONE = "demo.usage_days"  # the centre setting listing the days already seeded
# (channel, weight): how demo residents collect their cards ("counter": no app).
CHANNELS = (("wechat", 45), ("alipay", 30), ("inhouse", 10), ("counter", 15))
# A visit's steps in order; a resident goes some way along one.
VISIT = ("registration", "checkin", "consultation", "payment", "pharmacy")
OTHER_SCENES = ("lab", "imaging")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
TERMINAL_KIND = {"registration": "kiosk", "checkin": "kiosk", "consultation": "doctor",
                 "payment": "counter", "pharmacy": "pharmacy", "lab": "lab",
                 "imaging": "imaging"}  # fmt: skip


def demo_id_number(region: str, day: date, n: int) -> str:
    """A valid, made-up resident ID number of ``region``: unique per (region, day, n)."""
    birth = date(1950, 1, 1) + timedelta(days=day.toordinal() % 20_000)
    first17 = f"{region}{birth:%Y%m%d}{n % 999 + 1:03d}"
    return first17 + check_digit(first17)


async def seed_week(ctx: AppContext, districts: dict[str, str], apps: dict[str, str]) -> int:
    """Seed the last ``WEEK`` days not seeded yet, in each district (region → hospital code),
    with cards collected through ``apps`` (channel → app id). Returns the days added."""
    tz = ctx.settings.timezone
    setting, _ = await CentreSetting.get_or_create(key=DAYS_DONE, defaults={"value": []})
    done = set(setting.value or [])
    last = today(tz)
    added = 0
    for back in range(WEEK - 1, -1, -1):
        day = last - timedelta(days=back)
        if day.isoformat() in done:
            continue
        rng = random.Random(day.toordinal())
        for n, (region, hospital) in enumerate(sorted(districts.items())):
            await _collect(ctx, rng, day, region, hospital, apps, n)
            await _use(ctx, rng, day, region, hospital)
        done.add(day.isoformat())
        setting.value = sorted(done)[-4 * WEEK :]  # enough to remember, never growing
        await setting.save(update_fields=["value", "updated_at"])
        added += 1
    return added


def _instant(rng: random.Random, day: date, tz: str, hours: tuple[int, int] = (7, 18)) -> datetime:
    """A moment of ``day``'s opening hours in zone ``tz``, never after now."""
    at = datetime.combine(day, time(rng.randrange(*hours), rng.randrange(60)), ZoneInfo(tz))
    return min(at.astimezone(UTC), datetime.now(UTC) - timedelta(seconds=1))


async def _collect(
    ctx: AppContext,
    rng: random.Random,
    day: date,
    region: str,
    hospital: str,
    apps: dict[str, str],
    series: int,
) -> None:
    """A few residents of ``region`` collect a card on ``day``, each through some channel."""
    channels, weights = zip(*CHANNELS, strict=True)
    for n in range(rng.randrange(4, 10)):
        number = demo_id_number(region, day, series * 100 + n)
        identity = Identity(name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                            id_type="01", id_number=number, phone=None)  # fmt: skip
        sealed = sealed_fields(ctx, identity)
        if await Person.exists(id_type="01", id_number_idx=sealed["id_number_idx"]):
            continue  # seeded by an earlier run that stopped half-way through the day
        at = _instant(rng, day, ctx.settings.timezone)
        person = await Person.create(**sealed, region_code=region)
        channel = rng.choices(channels, weights)[0]
        card = await Card.create(
            card_id=secrets.token_hex(32),
            person=person,
            issuer=ctx.settings.issuer,
            static_ref=secrets.token_hex(8),
            totp_secret_sealed=ctx.keys.ring.seal(pyotp.random_base32(32), context=TOTP_CONTEXT),
            channel_app_id=apps.get(channel),
            institution_code=hospital if channel == "counter" else None,
            region_code=region,
        )
        await Person.filter(id=person.id).update(created_at=at)
        await Card.filter(card_id=card.card_id).update(created_at=at)


async def _use(ctx: AppContext, rng: random.Random, day: date, region: str, hospital: str) -> None:
    """Some of the district's cards are used at its hospital on ``day``: part of a visit, now
    and then a test; written through the batch writer (which keeps the roll-up)."""
    tz = ctx.settings.timezone
    end = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(tz))
    cards = await Card.filter(region_code=region, created_at__lt=end, status="active").values_list(
        "card_id", flat=True
    )
    for card_id in rng.sample(list(cards), k=min(len(cards), rng.randrange(6, 16))):
        at = _instant(rng, day, tz, (8, 16))
        scenes = list(VISIT[: rng.randrange(1, len(VISIT) + 1)])
        if rng.random() < 0.3:
            scenes.append(rng.choice(OTHER_SCENES))
        for step, scene in enumerate(scenes):
            kind = TERMINAL_KIND[scene]
            ctx.writer.add_values(
                CardUsage,
                card_id=card_id,
                issuer=ctx.settings.issuer,
                institution_code=hospital,
                terminal_id=f"demo-{kind}",
                channel_code=TERMINAL_KINDS[kind],
                medstep_code=MEDSTEP_CODES[scene],
                scene=scene,
                at=min(at + timedelta(minutes=12 * step), datetime.now(UTC)),
            )
    await ctx.writer.flush()
