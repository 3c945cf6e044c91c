"""The outside world, named: one typed object holds an adapter for every system we do not run,
built in one place for every composition (the web app, the worker, the command line).

A test hands in a fake for any of them with a keyword override:
``build_adapters(settings, http, keys, sms=FakeSms())``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from api.cards.face_check import FaceCheck
from api.cards.identity_register import IdentityRegister
from api.cards.sms_gateway import SmsGateway
from api.channels.platforms import ChannelPlatforms
from api.keys import Keys
from api.payments.gateways.insurance import InsurancePlatform
from api.payments.gateways.registry import PaymentGateways
from api.settings import Settings
from api.terminals.peers import PeerCentres
from api.upward.platform import Platform


@dataclass(frozen=True)
class Adapters:
    """Every outside system: SMS, the identity register, the face check, medical insurance,
    the channel platforms per app, the money platforms per app and method, the peer centres."""

    sms: SmsGateway
    identity: IdentityRegister
    face: FaceCheck
    insurance: InsurancePlatform | None
    channels: ChannelPlatforms
    payments: PaymentGateways
    peers: PeerCentres
    platform: Platform | None = None  # the platform above (None: nothing reported upward)

    def forget_app(self, app_id: str) -> None:
        """A channel app's keys changed: its platform and money adapters are made anew."""
        self.channels.forget(app_id)
        self.payments.forget(app_id)


def build_adapters(
    settings: Settings, http: httpx.AsyncClient, keys: Keys, **overrides: Any
) -> Adapters:
    """The adapters ``settings`` configure, with ``overrides`` (by field name) taking their
    place."""
    made: dict[str, Any] = {}

    def part(name: str, make: Any) -> Any:
        made[name] = overrides[name] if name in overrides else make()
        return made[name]

    part("sms", lambda: SmsGateway(
        base_url=settings.sms_base_url, api_key=settings.sms_api_key, http=http))  # fmt: skip
    part("identity", lambda: IdentityRegister(base_url=settings.idcheck_base_url, http=http))
    part("face", lambda: FaceCheck(base_url=settings.face_base_url, http=http))
    part("insurance", lambda: _insurance(settings, http))
    channels = part("channels", lambda: ChannelPlatforms(settings, keys))
    part("payments", lambda: PaymentGateways(settings, http, channels))
    part("peers", lambda: PeerCentres(settings, http))
    part("platform", lambda: _platform(settings, http))
    unknown = set(overrides) - set(made)
    if unknown:
        raise TypeError(f"no such adapters: {sorted(unknown)}")
    return Adapters(**made)


def _insurance(settings: Settings, http: httpx.AsyncClient) -> InsurancePlatform | None:
    if not (settings.insurance_base_url and settings.insurance_fixmedins_code):
        return None  # medical-insurance payment is not offered
    return InsurancePlatform(
        http=http, base_url=settings.insurance_base_url,
        fixmedins_code=settings.insurance_fixmedins_code, key=settings.insurance_key,
    )  # fmt: skip


def _platform(settings: Settings, http: httpx.AsyncClient) -> Platform | None:
    if not settings.platform_base_url:
        return None  # no platform above is configured
    return Platform(
        settings.platform_base_url, settings.platform_app_id, settings.platform_secret, http
    )
