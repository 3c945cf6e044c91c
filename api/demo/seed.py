"""Demo data: clearly-labelled demo credentials, made once and reused on the next start.

Every value here is a DEMO value generated on this machine; none is a real secret.
"""

from __future__ import annotations

import secrets
from typing import Any

from api.admin.service import create_admin
from api.auth import service as clients
from api.auth.models import Client
from api.channels import platforms
from api.channels.models import ChannelApp
from api.channels.rsa_keys import generate_rsa_keypair, public_pem_of
from api.context import AppContext
from api.demo.hospital import seed_hospital
from api.demo.special_cards import seed_special_cards
from api.demo.usage import seed_week
from api.institutions import regions
from api.institutions import service as institutions
from api.messages import institution_hooks
from api.principals import SYSTEM
from api.terminals.models import TERMINAL_KINDS, Terminal

DEMO_ADMIN = "demo-admin"
DEMO_REGION_ADMIN = "demo-region-admin"
DEMO_CARD_CENTRE_CODE = "C33010000"
# Two districts of the demo city (GB/T 2260), a hospital each; the region admin runs 西湖区.
DEMO_CITY = "330100"
DEMO_DISTRICTS = {"330102": ("H33010001", "演示市第一人民医院"),
                  "330106": ("H33010601", "演示市西湖区人民医院")}  # fmt: skip
DEMO_REGION_ADMIN_SCOPE = "330106"
DEMO_AUDITOR = "demo-auditor"
DEMO_AUDITOR_SCOPE = DEMO_CITY  # reads the whole city's figures and audit, changes nothing
# DEMO populations (not census figures), small enough that the demo's cards make a visible
# collection rate.
DEMO_POPULATIONS = {"330102": 1200, "330106": 900}
DEMO_CLERK = "demo-clerk"  # signs in at /counter/ for the demo hospital's counter window
DEMO_INHOUSE_CLIENT = "pa_demo_inhouse"
DEMO_TERMINAL_CLIENT = "tm_demo_counter01"
DEMO_HOSPITAL_CODE = "H33010001"
DEMO_WECHAT_APPID = "wxd0e0m0o0a0p0p001"
DEMO_ALIPAY_APPID = "2021000000000001"
# A demo insured person at the stand-in insurance platform (the README's example identity).
# Their small personal account leaves a self-pay part on the demo's fees, so every part shows.
DEMO_INSURED = {"name": "张三", "id_number": "11010519491231002X", "account_balance": 300,
                "fund_ratio": 0.5}  # fmt: skip
# The same person's phone, registered in their name at the stand-in identity register (the
# carriers' three-factor check passes for it): a DEMO number.
DEMO_PHONE = "13800138000"


async def _mock(ctx: AppContext, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = await ctx.http.post(f"{ctx.settings.public_url}/mock{path}", json=body)
    resp.raise_for_status()
    return resp.json()


async def ensure_wechat_app(ctx: AppContext) -> ChannelApp:
    """The demo WeChat mini-program, registered with us and with the mock WeChat."""
    app = await ChannelApp.get_or_none(app_id=DEMO_WECHAT_APPID)
    if app is None:
        secret = secrets.token_hex(16)
        app = await ChannelApp.create(
            app_id=DEMO_WECHAT_APPID,
            kind="wechat",
            name="Demo WeChat mini-program",
            institution_code=DEMO_HOSPITAL_CODE,
            secret_sealed=ctx.keys.ring.seal(secret, context=platforms.SECRET_CONTEXT),
        )
    secret = ctx.keys.ring.open(app.secret_sealed or "", context=platforms.SECRET_CONTEXT)
    # The mock keeps its state in memory: tell it about the app at every start.
    await _mock(ctx, "/wechat/apps", {"appid": app.app_id, "secret": secret})
    return app


async def ensure_alipay_app(ctx: AppContext) -> ChannelApp:
    """The demo Alipay mini-program; the mock Alipay makes a new platform key at each start,
    so the stored platform public key is refreshed here."""
    app = await ChannelApp.get_or_none(app_id=DEMO_ALIPAY_APPID)
    if app is None:
        private_pem, _ = generate_rsa_keypair()
        app = await ChannelApp.create(
            app_id=DEMO_ALIPAY_APPID,
            kind="alipay",
            name="Demo Alipay mini-program",
            institution_code=DEMO_HOSPITAL_CODE,
            secret_sealed=ctx.keys.ring.seal(private_pem, context=platforms.SECRET_CONTEXT),
        )
    private_pem = ctx.keys.ring.open(app.secret_sealed or "", context=platforms.SECRET_CONTEXT)
    answer = await _mock(
        ctx, "/alipay/apps", {"app_id": app.app_id, "app_public_key": public_pem_of(private_pem)}
    )
    app.platform_public_key = answer["alipay_public_key"]
    await app.save(update_fields=["platform_public_key"])
    ctx.adapters.forget_app(app.app_id)
    return app


async def ensure_inhouse_app(ctx: AppContext, client: Client, secret: str) -> ChannelApp:
    """The demo in-house app: a channel app whose id is its partner client's id, pushing its
    messages to the stand-in partner server (which learns the secret at every start)."""
    webhook = f"{ctx.settings.public_url}/mock/partner/webhook"
    app, _ = await ChannelApp.update_or_create(
        app_id=client.client_id,
        defaults={
            "kind": "inhouse",
            "name": client.name,
            "institution_code": DEMO_HOSPITAL_CODE,
            "webhook_url": webhook,
        },
    )
    await _mock(ctx, "/partner/apps", {"app_id": client.client_id, "secret": secret})
    return app


async def ensure_his_webhook(ctx: AppContext, terminal_id: str, secret: str) -> None:
    """The demo hospital's HIS hears bill_paid at the stand-in partner server, signed with the
    demo terminal's secret (the stand-in learns it at every start)."""
    url = f"{ctx.settings.public_url}/mock/partner/webhook"
    await institution_hooks.set_webhook(SYSTEM, DEMO_HOSPITAL_CODE, url, terminal_id)
    await _mock(ctx, "/partner/apps", {"app_id": terminal_id, "secret": secret})


async def ensure_client(ctx: AppContext, client_id: str, **fields: Any) -> tuple[Client, str]:
    """The demo client ``client_id`` with its secret, created on the first start."""
    existing = await Client.get_or_none(client_id=client_id)
    if existing is not None:
        return existing, clients.client_secret(ctx, existing) or ""
    client, secret = await clients.create_client(ctx, client_id=client_id, **fields)
    return client, secret or ""


async def register_insurance(ctx: AppContext) -> dict[str, Any]:
    """The demo hospital and one insured person at the stand-in insurance platform (it forgets
    them at every start)."""
    settings = ctx.settings
    await _mock(
        ctx,
        "/insurance/institutions",
        {"fixmedins_code": settings.insurance_fixmedins_code, "key": settings.insurance_key},
    )
    await _mock(ctx, "/insurance/people", DEMO_INSURED)
    insured = {k: DEMO_INSURED[k] for k in ("name", "id_number")}
    return {"fixmedins_code": settings.insurance_fixmedins_code, "insured": insured}


async def register_demo_person(ctx: AppContext) -> dict[str, str]:
    """The demo person in the stand-in identity register with their phone (it forgets them at
    every start), so that their card is collected with an SMS code to it, or a face check."""
    person = {"name": DEMO_INSURED["name"], "id_number": DEMO_INSURED["id_number"],
              "phone": DEMO_PHONE}  # fmt: skip
    await _mock(ctx, "/idcheck/people", person)
    return person


async def seed_demo(ctx: AppContext) -> dict[str, Any]:
    """Seed (or find) the demo data; returns the credentials file's content."""
    inhouse, inhouse_secret = await ensure_client(
        ctx, DEMO_INHOUSE_CLIENT, name="Demo in-house app", kind="partner"
    )
    await ensure_inhouse_app(ctx, inhouse, inhouse_secret)
    wechat = await ensure_wechat_app(ctx)
    alipay = await ensure_alipay_app(ctx)
    terminal, terminal_secret = await ensure_client(
        ctx,
        DEMO_TERMINAL_CLIENT,
        name="Demo counter window 1",
        kind="terminal",
        institution_code=DEMO_HOSPITAL_CODE,
    )
    await Terminal.get_or_create(
        terminal_id=terminal.client_id,
        defaults={
            "institution_code": DEMO_HOSPITAL_CODE,
            "kind": "counter",
            "channel_code": TERMINAL_KINDS["counter"],
            "name": terminal.name,
        },
    )
    await ensure_his_webhook(ctx, terminal.client_id, terminal_secret)
    await seed_institutions(ctx)
    await seed_week(ctx, {region: code for region, (code, _) in DEMO_DISTRICTS.items()},
                    {"wechat": wechat.app_id, "alipay": alipay.app_id,
                     "inhouse": inhouse.client_id})  # fmt: skip
    await _mock(  # the stand-in WeChat Pay forgets its merchants at every start
        ctx,
        "/wechat/pay/merchants",
        {"mch_id": ctx.settings.wechatpay_mch_id, "api_key": ctx.settings.wechatpay_api_key},
    )
    insurance = await register_insurance(ctx)
    person = await register_demo_person(ctx)
    # The demo admin gets a new password and TOTP secret at every start: they are printed
    # into the credentials file, and an old file must not keep working forever.
    admin = await create_admin(ctx, DEMO_ADMIN, reset=True)
    region_admin = await create_admin(ctx, DEMO_REGION_ADMIN, reset=True, role="region_admin",
                                      scope=DEMO_REGION_ADMIN_SCOPE)  # fmt: skip
    await seed_special_cards(ctx, terminal.client_id, terminal_secret, DEMO_HOSPITAL_CODE,
                             wechat.app_id)  # fmt: skip
    auditor = await create_admin(ctx, DEMO_AUDITOR, reset=True, role="auditor",
                                 scope=DEMO_AUDITOR_SCOPE)  # fmt: skip
    clerk = await create_admin(ctx, DEMO_CLERK, reset=True, role="clerk", scope=DEMO_HOSPITAL_CODE)
    return {
        "base_url": ctx.settings.public_url,
        "issuer": ctx.settings.issuer,
        "apps": {
            "wechat": {"app_id": wechat.app_id},
            "alipay": {"app_id": alipay.app_id},
            "inhouse": {"app_id": inhouse.client_id, "app_secret": inhouse_secret},
        },
        "terminal": {
            "terminal_id": terminal.client_id,
            "terminal_secret": terminal_secret,
            "institution_code": terminal.institution_code,
        },
        "admin": {
            "username": admin.username,
            "password": admin.password,
            "totp_secret": admin.totp_secret,
        },
        "hospital_code": DEMO_HOSPITAL_CODE,
        "insurance": insurance,
        "users": [
            {"username": made.username, "password": made.password,
             "totp_secret": made.totp_secret, "role": role, "scope": scope}
            for made, role, scope in ((admin, "centre_admin", None),
                                      (region_admin, "region_admin", DEMO_REGION_ADMIN_SCOPE),
                                      (auditor, "auditor", DEMO_AUDITOR_SCOPE),
                                      (clerk, "clerk", DEMO_HOSPITAL_CODE))
        ],
        "districts": {region: code for region, (code, _) in DEMO_DISTRICTS.items()},
        "person": person,
    }  # fmt: skip


async def seed_institutions(ctx: AppContext) -> None:
    """The city's card centre and a hospital in each of two districts, with their catalogue."""
    await institutions.ensure(
        DEMO_CARD_CENTRE_CODE,
        name="演示市电子健康卡管理中心",
        kind="card_centre",
        region_code=DEMO_CITY,
        active=True,
    )
    for region, (code, name) in DEMO_DISTRICTS.items():
        await institutions.ensure(
            code,
            name=name,
            kind="hospital",
            region_code=region,
            parent_code=DEMO_CARD_CENTRE_CODE,
            level="二级",
            active=True,
        )
        await seed_hospital(ctx.settings, code, name)
    for region, population in DEMO_POPULATIONS.items():
        name = regions.SEED.get(region, region)
        await regions.put(region, name, population)
