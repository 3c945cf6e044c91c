"""The QR rules at the cards services, without a server: the core is opened with
``open_core`` and only the outside world is faked (the SMS gateway, the identity register,
a peer centre)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from api.cards import codes, lifecycle, material, qr, service, verification
from api.cards.identity_register import RegisterAnswer
from api.cards.schemas import CollectRequest
from api.cards.verification import VerifiedCard
from api.channels.models import ResidentUser
from api.context import AppContext
from api.errors import DomainError
from api.principals import Caller
from api.settings import Settings
from tests.support.core import open_core
from tests.support.people import make_person

pytestmark = pytest.mark.storage


@dataclass
class Inbox:
    """The SMS gateway: keeps what it was asked to send."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    def last_code(self, phone: str) -> str:
        text = next(text for to, text in reversed(self.sent) if to == phone)
        return re.search(r"\d{6}", text).group()  # type: ignore[union-attr]


class Register:
    """The identity register: every name goes with its number, every phone with its person."""

    async def check(self, name: str, id_number: str, phone: str | None = None) -> RegisterAnswer:
        return RegisterAnswer(identity=True, phone=phone is not None)


@asynccontextmanager
async def core(settings: Settings) -> AsyncIterator[tuple[AppContext, Inbox]]:
    """The core on this run's stores, with the SMS gateway and identity register faked."""
    inbox = Inbox()
    async with open_core(settings, sms=inbox, identity=Register()) as ctx:
        yield ctx, inbox


async def collected(ctx: AppContext, inbox: Inbox) -> tuple[Caller, str]:
    """A new resident and the card they collected (SMS code and all)."""
    user = await ResidentUser.create(user_id="u_" + secrets.token_hex(12))
    caller = Caller(kind="resident", id=user.user_id)
    person = make_person()
    await service.request_otp(ctx, caller, person.phone)
    request = CollectRequest(
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        otp=inbox.last_code(person.phone),
    )
    held, created = await service.collect(ctx, caller, request)
    assert created
    return caller, held.card.card_id


async def refusal(ctx: AppContext, payload: str) -> str:
    with pytest.raises(DomainError) as refused:
        await verification.verify(ctx, payload)
    return refused.value.code


async def test_a_dynamic_code_verifies_once(core_settings: Settings) -> None:
    async with core(core_settings) as (ctx, inbox):
        caller, card_id = await collected(ctx, inbox)
        issued = await codes.issue(ctx, caller, card_id, "dynamic")
        first = await verification.verify(ctx, issued.payload)
        assert (first.card_id, first.status) == (card_id, "active")
        assert await refusal(ctx, issued.payload) == "QR_REPLAYED"
        fresh = await codes.issue(ctx, caller, card_id, "dynamic")
        assert (await verification.verify(ctx, fresh.payload)).card_id == card_id


async def test_a_lost_cards_code_is_refused(core_settings: Settings) -> None:
    async with core(core_settings) as (ctx, inbox):
        caller, card_id = await collected(ctx, inbox)
        shown = await codes.issue(ctx, caller, card_id, "dynamic")
        printed = await codes.issue(ctx, caller, card_id, "static")
        await service.holder_change(ctx, caller, card_id, "report_loss")
        assert await refusal(ctx, shown.payload) == "CARD_LOST"
        assert await refusal(ctx, printed.payload) == "CARD_LOST"
        with pytest.raises(DomainError) as no_new_code:
            await codes.issue(ctx, caller, card_id, "dynamic")
        assert no_new_code.value.code == "CARD_LOST"


async def test_a_code_past_its_lifetime_is_expired(core_settings: Settings) -> None:
    async with core(core_settings) as (ctx, inbox):
        caller, card_id = await collected(ctx, inbox)
        card = await material.by_id(ctx, card_id)
        state = await lifecycle.of_holder(ctx, caller, card_id)
        assert card is not None
        # The code the phone was handed three minutes ago, with a one-minute life.
        old = qr.issue_dynamic(card.issuer, state.ref, card.totp_key, 60, int(time.time()) - 180)
        assert await refusal(ctx, old) == "QR_EXPIRED"


async def test_a_static_code_stops_working_after_the_reference_rotates(
    core_settings: Settings,
) -> None:
    async with core(core_settings) as (ctx, inbox):
        caller, card_id = await collected(ctx, inbox)
        printed = await codes.issue(ctx, caller, card_id, "static")
        for _ in range(2):  # printable: not single-use
            assert (await verification.verify(ctx, printed.payload)).card_id == card_id
        await service.holder_change(ctx, caller, card_id, "report_loss")
        await service.holder_change(ctx, caller, card_id, "restore")  # rotates the reference
        assert await refusal(ctx, printed.payload) == "QR_FORGED"
        reprinted = await codes.issue(ctx, caller, card_id, "static")
        assert reprinted.payload != printed.payload
        assert (await verification.verify(ctx, reprinted.payload)).card_id == card_id


async def test_another_issuers_code_goes_to_the_forward_or_is_unknown(
    core_settings: Settings,
) -> None:
    theirs = qr.issue_static(b"k" * 16, "OTHER01", "0123456789abcdef")
    answer = VerifiedCard("c1", "OTHER01", "李四", "1", None, "1101**********0011", "active")
    asked: list[tuple[str, str]] = []

    async def peer(issuer: str, text: str) -> VerifiedCard:
        asked.append((issuer, text))
        return answer

    async with core(core_settings) as (ctx, _):
        assert await refusal(ctx, theirs) == "UNKNOWN_ISSUER"
        assert await verification.verify(ctx, theirs, forward=peer) == answer
        assert asked == [("OTHER01", theirs)]
