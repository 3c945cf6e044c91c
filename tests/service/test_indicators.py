"""The guide's indicators against a count made directly from the usage rows: usage queued
through the batch writer (as terminals record it) keeps the daily roll-up, and the figures for
a range read from the roll-up equal those counted from ``card_usage`` itself."""

from __future__ import annotations

import asyncio
import random
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.batch_writer import BatchWriter
from api.cards.models import Card, Person
from api.indicators import rollup
from api.indicators import service as indicators
from api.indicators.models import UsageSeen
from api.settings import Settings
from api.terminals.models import CardUsage
from api.timefmt import day_span, local, today
from tests.support.core import open_core

pytestmark = pytest.mark.storage
TZ = "Asia/Shanghai"
SCENES = [("registration", "0101012"), ("consultation", "0199001"), ("pharmacy", "0199003")]


def quiet_range(rng: random.Random) -> tuple[date, date]:
    """Three days no other test writes usage on (a random week of the 2000s)."""
    first = date(2001, 1, 1) + timedelta(days=rng.randrange(3000))
    return first, first + timedelta(days=2)


def usage_rows(rng: random.Random, first: date, institutions: list[str]) -> list[dict]:
    """Uses spread over three days, a few cards used more than once, some at two places."""
    cards = [secrets.token_hex(32) for _ in range(12)]
    rows = []
    for _ in range(120):
        day = first + timedelta(days=rng.randrange(3))
        at = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), ZoneInfo(TZ))
        scene, step = rng.choice(SCENES)
        rows.append({
            "card_id": rng.choice(cards), "issuer": "T", "institution_code":
            rng.choice(institutions), "terminal_id": "TT", "channel_code": rng.choice(
                ["0100", "0200"]), "medstep_code": step, "scene": scene, "at": at.astimezone(UTC),
        })  # fmt: skip
    return rows


def counted_directly(rows: list[tuple], group_by: str) -> dict[str, tuple[int, int]]:
    """(cards used — distinct per day, summed — and uses) per key, from usage rows."""
    column = {"day": 1, "institution": 2, "channel": 3, "scene": 4}[group_by]
    uses: dict[str, int] = defaultdict(int)
    card_days: dict[str, set] = defaultdict(set)
    for card, at, institution, channel, scene in rows:
        day = local(at, TZ).date().isoformat()
        row = (card, day, institution, channel, scene)
        uses[row[column]] += 1
        card_days[row[column]].add((card, day))
    return {key: (len(card_days[key]), uses[key]) for key in uses}


async def test_figures_for_a_range_match_the_usage_rows(core_settings: Settings) -> None:
    rng = random.Random()
    first, last = quiet_range(rng)
    institutions = ["IX" + secrets.token_hex(4) for _ in range(2)]
    rows = usage_rows(rng, first, institutions)
    async with open_core(core_settings) as ctx:
        for half in (rows[:70], rows[70:]):  # two batches: the second meets the first's rows
            for row in half:
                ctx.writer.add_values(CardUsage, **row)
            await ctx.writer.flush()
        start, end = day_span(first, last, TZ)
        written = await CardUsage.filter(at__gte=start, at__lt=end).values_list(
            "card_id", "at", "institution_code", "channel_code", "scene"
        )
        assert len(written) == len(rows)
        for group_by in ("day", "institution", "channel", "scene"):
            found = await indicators.indicators(first, last, group_by, TZ)
            expected = counted_directly(written, group_by)
            got = {r.key: (r.used, r.uses) for r in found if r.uses}
            assert got == expected, group_by
        by_day = await indicators.indicators(first, last, "day", TZ)
        assert [r.key for r in by_day] == [
            (first + timedelta(days=n)).isoformat() for n in range(3)
        ]


async def test_two_writers_racing_on_the_same_cards_count_each_card_once(
    core_settings: Settings,
) -> None:
    """Two workers' batch writers flushing at once (their own transactions), the same cards in
    both: the figures still equal a direct count, not the sum of what each writer saw."""
    rng = random.Random()
    first, last = quiet_range(rng)
    rows = usage_rows(rng, first, ["IX" + secrets.token_hex(4)])
    async with open_core(core_settings):
        writers = [BatchWriter(), BatchWriter()]
        for writer in writers:
            writer.roll_up(CardUsage, rollup.recorder(TZ))
        for n, row in enumerate(rows):
            writers[n % 2].add_values(CardUsage, **row)
        await asyncio.gather(*(w.flush() for w in writers))
        start, end = day_span(first, last, TZ)
        written = await CardUsage.filter(at__gte=start, at__lt=end).values_list(
            "card_id", "at", "institution_code", "channel_code", "scene"
        )
        for group_by in ("day", "scene"):
            found = await indicators.indicators(first, last, group_by, TZ)
            got = {r.key: (r.used, r.uses) for r in found if r.uses}
            assert got == counted_directly(written, group_by), group_by


async def test_the_sweeper_forgets_old_days_keys_but_not_their_figures(
    core_settings: Settings,
) -> None:
    rng = random.Random()
    old = today(TZ) - timedelta(days=rollup.SEEN_DAYS + 1)
    rows = usage_rows(rng, old, ["IX" + secrets.token_hex(4)])
    rows = [r for r in rows if local(r["at"], TZ).date() == old]
    card = secrets.token_hex(32)
    recent = {**rows[0], "card_id": card, "at": datetime.now(UTC)}
    async with open_core(core_settings) as ctx:
        for row in [*rows, recent]:
            ctx.writer.add_values(CardUsage, **row)
        await ctx.writer.flush()
        before = await indicators.indicators(old, old, "day", TZ)
        while await rollup.forget_old_seen(ctx):
            pass
        assert not await UsageSeen.filter(day__lte=old).exists()
        assert await UsageSeen.filter(card_id=card).exists()  # today's are kept
        assert await indicators.indicators(old, old, "day", TZ) == before
    assert before[0].uses == len(rows)


async def test_cards_collected_count_by_channel_region_and_day(core_settings: Settings) -> None:
    rng = random.Random()
    first, last = quiet_range(rng)
    region = f"{rng.randrange(11, 15)}{rng.randrange(100):02d}{rng.randrange(100):02d}"
    made = []
    async with open_core(core_settings):
        for n in range(5):
            person = await Person.create(
                id_type="01", id_number_idx=secrets.token_hex(16), id_number_sealed="x",
                name_sealed="x", region_code=region if n < 3 else None,
            )  # fmt: skip
            card = await Card.create(
                card_id=secrets.token_hex(32), person=person, issuer="T",
                static_ref=secrets.token_hex(8), totp_secret_sealed="x",
                institution_code=None if n % 2 else "IX" + secrets.token_hex(3),
            )  # fmt: skip
            at = datetime.combine(first + timedelta(days=n % 3), time(12), ZoneInfo(TZ))
            await Card.filter(card_id=card.card_id).update(created_at=at)
            made.append(card)
        by_region = {r.key: r for r in await indicators.indicators(first, last, "region", TZ)}
        by_channel = {
            r.key: r.issued for r in await indicators.indicators(first, last, "channel", TZ)
        }
        by_day = {r.key: r.issued for r in await indicators.indicators(first, last, "day", TZ)}
        inside = await indicators.indicators(first, last, "day", TZ, region=region[:4])
        for card in made:
            await card.delete()
    assert by_region[region].issued == 3 and by_region[region].collection_rate is None
    assert by_channel == {"counter": 5}  # collected through no app: linked at a counter
    assert by_day == {first.isoformat(): 2, (first + timedelta(days=1)).isoformat(): 2,
                      last.isoformat(): 1}  # fmt: skip
    assert sum(r.issued for r in inside) == 3
