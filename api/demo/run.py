"""``ehc demo``: the API, the mock platforms under /mock and seeded data, in one process."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from pathlib import Path

import uvicorn

from api.db import lifecycle
from api.demo.seed import seed_demo
from api.demo.special_cards import DEMO_GUARDIAN_USER
from api.settings import Settings
from api.web.app import create_demo_app
from api.web.http_protocol import server_config
from api.web.middleware import configure_logging
from miniapp_mock.addresses import stand_in_settings

DEMO_MCH_ID = "1900000109"  # the demo merchant number registered with the stand-in
DEMO_FIXMEDINS_CODE = "H33010000001"  # the demo hospital's code at the stand-in insurance
# our app at the stand-in platform above (DEMO values, the ones miniapp_mock/platform.py knows)
DEMO_PLATFORM_APP_ID, DEMO_PLATFORM_SECRET = "ehc-demo-centre", "demo-platform-secret"


def demo_settings(settings: Settings, host: str, port: int) -> Settings:
    """Point every outside platform at this process's own ``/mock``."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown_host}:{port}"
    stand_ins = stand_in_settings(base)
    # an operator may link the demo to a real platform above: theirs is kept
    stand_ins["platform_base_url"] = settings.platform_base_url or stand_ins["platform_base_url"]
    return settings.with_overrides(
        **stand_ins,
        public_url=base,
        sms_api_key=settings.sms_api_key or "demo-sms-key",
        run_worker=True if settings.run_worker is None else settings.run_worker,
        wechatpay_mch_id=settings.wechatpay_mch_id or DEMO_MCH_ID,
        wechatpay_api_key=settings.wechatpay_api_key or demo_merchant_key(settings.data_dir),
        insurance_fixmedins_code=settings.insurance_fixmedins_code or DEMO_FIXMEDINS_CODE,
        insurance_key=settings.insurance_key or demo_secret(settings.data_dir, "insurance-key"),
        platform_app_id=settings.platform_app_id or DEMO_PLATFORM_APP_ID,
        platform_secret=settings.platform_secret or DEMO_PLATFORM_SECRET,
    )


def demo_merchant_key(data_dir: Path) -> str:
    """The demo WeChat Pay merchant's API key: generated once beside the embedded data (a
    DEMO value, never a real merchant's)."""
    return demo_secret(data_dir, "wechatpay-key")


def demo_secret(data_dir: Path, name: str) -> str:
    """A demo secret (``demo-<name>`` beside the embedded data), generated on first use."""
    path = data_dir / f"demo-{name}"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def _write_credentials(path: Path, creds: dict[str, object]) -> None:
    # Written aside and renamed: a reader never sees half a file. Mode 600: demo secrets.
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(creds, fh, indent=2, ensure_ascii=False)
    tmp.replace(path)


def _banner(base: str, creds_path: Path, settings: Settings) -> str:
    store = "embedded (SQLite + in-process store)" if settings.uses_embedded_store else "external"
    return "\n".join(
        [
            "",
            "  Electronic health card platform — demo",
            f"  Open this:    {base}/miniapp/   (a resident's mini-program and a hospital counter)",
            f"  Special cards: log in to the mini-program as {DEMO_GUARDIAN_USER} for a newborn's"
            " card; the counter's temporary card for 无名氏 was bound to 赵建华's card",
            f"  Console:      {base}/admin/   (the card centre; users in the credentials file)",
            f"  API:          {base}/api/v1/…   (health: {base}/healthz)",
            f"  API docs:     {base}/docs",
            "  Mock platforms (WeChat, Alipay, SMS, identity register, insurance, platform "
            f"above): {base}/mock/",
            f"  Credentials:  {creds_path.resolve()}  (demo values only)",
            f"  Storage:      {store}; data in {settings.data_dir.resolve()}",
            "  Stop with Ctrl+C.",
            "",
        ]
    )


async def run_demo(settings: Settings, host: str, port: int, credentials: str) -> int:
    """Serve the demo until interrupted."""
    settings = demo_settings(settings, host, port)
    configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    await lifecycle.upgrade(settings.resolved_database_url)
    creds_path = Path(credentials)
    app = create_demo_app(settings)
    config = server_config(app, host=host, port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            return 1  # uvicorn already said why (port taken, …)
        await asyncio.sleep(0.05)
    creds = await seed_demo(app.state.ctx)
    app.state.demo_credentials = creds
    _write_credentials(creds_path, creds)
    print(_banner(settings.public_url, creds_path, settings), flush=True)
    await serving
    return 0
