"""Every setting of the service, read from ``EHC_*`` environment variables in this one module.

With nothing set the service runs on embedded defaults: a SQLite file and an in-process
Redis-compatible store under ``EHC_DATA_DIR`` (``./ehc-data``). Production sets
``EHC_DATABASE_URL=postgres://…`` and ``EHC_REDIS_URL=redis://…``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _flag(raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    return raw.lower() in ("1", "true", "yes", "on")


def _leads(raw: str | None, default: tuple[int, int]) -> tuple[int, int]:
    if not raw:
        return default
    first, second = (int(part) for part in raw.split(","))
    return first, second


def _peers(raw: str) -> dict[str, str]:
    """``ISSUER=URL,ISSUER=URL`` → mapping; the card centres we forward foreign codes to."""
    peers: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        issuer, _, url = item.partition("=")
        if not issuer or not url:
            raise ValueError(f"EHC_PEERS entry {item!r} must look like ISSUER=https://host")
        peers[issuer.strip()] = url.strip().rstrip("/")
    return peers


@dataclass(frozen=True)
class Settings:
    """The service's configuration; build it with :meth:`from_env` or :meth:`with_overrides`."""

    data_dir: Path = Path("ehc-data")
    database_url: str | None = None
    db_pool_size: int = 20
    redis_url: str | None = None
    keys_file: Path | None = None
    issuer: str = "1100A0001"
    public_url: str = "http://127.0.0.1:8000"
    # outside platforms (the demo points them at its own /mock)
    wechat_api_base: str = "https://api.weixin.qq.com/"
    alipay_gateway: str = "https://openapi.alipay.com/gateway.do"
    sms_base_url: str = ""
    sms_api_key: str = ""
    idcheck_base_url: str = ""
    face_base_url: str = ""  # the face-check platform (WeChat's or Alipay's face verification)
    upstream_timeout: float = 5.0
    wechatpay_base: str = "https://api.mch.weixin.qq.com/"
    wechatpay_mch_id: str = ""
    wechatpay_api_key: str = ""
    # the medical-insurance platform (医保移动支付): its URL, this hospital's code and signing key
    insurance_base_url: str = ""
    insurance_fixmedins_code: str = ""
    insurance_key: str = ""
    peers: dict[str, str] = field(default_factory=dict)
    peer_client_id: str = ""
    peer_client_secret: str = ""
    # security knobs
    access_token_ttl: int = 7200
    session_ttl: int = 7 * 24 * 3600
    admin_session_ttl: int = 8 * 3600
    timestamp_skew: int = 300
    nonce_ttl: int = 600
    admin_max_failures: int = 5
    admin_lock_seconds: int = 15 * 60
    max_body_bytes: int = 1024 * 1024
    qr_lifetime: int = 60
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    # appointments
    booking_open_days: int = 7  # booking opens this many days before the visit…
    booking_open_time: str = "07:00"  # …at this local time
    booking_close_minutes: int = 0  # and closes this many minutes before the slot starts
    pay_seconds: int = 15 * 60  # an unpaid hold lasts this long
    cancel_cutoff_minutes: int = 60
    noshow_limit: int = 3  # missed visits within the window…
    noshow_window_days: int = 90
    noshow_suspend_days: int = 30  # …suspend booking this long
    noshow_grace_seconds: int = 30 * 60  # after the slot ends before a booking is missed
    sweep_seconds: float = 5.0  # how often holds, no-shows and reminders are swept
    reminder_leads: tuple[int, int] = (24 * 3600, 2 * 3600)  # seconds before the slot
    # the counter: a payment code charged is awaited this long (the payer confirming on their
    # phone, a platform slow to answer), asked after every poll interval, then reversed
    counter_pay_wait: float = 30.0
    counter_poll_seconds: float = 2.0
    # messages
    run_worker: bool | None = None  # deliver the outbox in this process (unset: demo yes, serve no)
    worker_poll_seconds: float = 1.0
    message_retry_base: float = 10.0  # first retry after this, doubling each time
    message_max_attempts: int = 8  # then the message is a dead letter
    # the platform above (provincial / national card management): its envelope door and our
    # app there; empty: nothing is reported upward
    platform_base_url: str = ""
    platform_app_id: str = ""
    platform_secret: str = ""
    sync_seconds: float = 10.0  # how often records go up and the national blacklist comes down
    sync_batch: int = 200  # records per upload
    sync_retry_base: float = 5.0  # first pause after a failed upload, doubling each time…
    sync_retry_max: float = 300.0  # …up to this

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every ``EHC_*`` variable; unset ones keep the embedded defaults."""
        env = os.environ if env is None else env
        keys_file = env.get("EHC_KEYS_FILE")
        base = cls()
        return cls(
            data_dir=Path(env.get("EHC_DATA_DIR", str(base.data_dir))),
            database_url=env.get("EHC_DATABASE_URL") or None,
            db_pool_size=_int(env, "EHC_DB_POOL_SIZE", base.db_pool_size),
            redis_url=env.get("EHC_REDIS_URL") or None,
            keys_file=Path(keys_file) if keys_file else None,
            issuer=env.get("EHC_ISSUER", base.issuer),
            public_url=env.get("EHC_PUBLIC_URL", base.public_url).rstrip("/"),
            wechat_api_base=env.get("EHC_WECHAT_API_BASE", base.wechat_api_base),
            alipay_gateway=env.get("EHC_ALIPAY_GATEWAY", base.alipay_gateway),
            sms_base_url=env.get("EHC_SMS_BASE_URL", base.sms_base_url),
            sms_api_key=env.get("EHC_SMS_API_KEY", base.sms_api_key),
            idcheck_base_url=env.get("EHC_IDCHECK_BASE_URL", base.idcheck_base_url),
            face_base_url=env.get("EHC_FACE_BASE_URL", base.face_base_url),
            upstream_timeout=float(env.get("EHC_UPSTREAM_TIMEOUT", base.upstream_timeout)),
            wechatpay_base=env.get("EHC_WECHATPAY_BASE", base.wechatpay_base),
            wechatpay_mch_id=env.get("EHC_WECHATPAY_MCH_ID", ""),
            wechatpay_api_key=env.get("EHC_WECHATPAY_API_KEY", ""),
            insurance_base_url=env.get("EHC_INSURANCE_BASE_URL", "").rstrip("/"),
            insurance_fixmedins_code=env.get("EHC_INSURANCE_FIXMEDINS_CODE", ""),
            insurance_key=env.get("EHC_INSURANCE_KEY", ""),
            peers=_peers(env.get("EHC_PEERS", "")),
            peer_client_id=env.get("EHC_PEER_CLIENT_ID", ""),
            peer_client_secret=env.get("EHC_PEER_CLIENT_SECRET", ""),
            access_token_ttl=_int(env, "EHC_ACCESS_TOKEN_TTL", base.access_token_ttl),
            session_ttl=_int(env, "EHC_SESSION_TTL", base.session_ttl),
            admin_session_ttl=_int(env, "EHC_ADMIN_SESSION_TTL", base.admin_session_ttl),
            timestamp_skew=_int(env, "EHC_TIMESTAMP_SKEW", base.timestamp_skew),
            nonce_ttl=_int(env, "EHC_NONCE_TTL", base.nonce_ttl),
            admin_max_failures=_int(env, "EHC_ADMIN_MAX_FAILURES", base.admin_max_failures),
            admin_lock_seconds=_int(env, "EHC_ADMIN_LOCK_SECONDS", base.admin_lock_seconds),
            max_body_bytes=_int(env, "EHC_MAX_BODY_BYTES", base.max_body_bytes),
            qr_lifetime=_int(env, "EHC_QR_LIFETIME", base.qr_lifetime),
            timezone=env.get("EHC_TIMEZONE", base.timezone),
            log_level=env.get("EHC_LOG_LEVEL", base.log_level).upper(),
            booking_open_days=_int(env, "EHC_BOOKING_OPEN_DAYS", base.booking_open_days),
            booking_open_time=env.get("EHC_BOOKING_OPEN_TIME", base.booking_open_time),
            booking_close_minutes=_int(
                env, "EHC_BOOKING_CLOSE_MINUTES", base.booking_close_minutes
            ),
            pay_seconds=_int(env, "EHC_PAY_SECONDS", base.pay_seconds),
            cancel_cutoff_minutes=_int(
                env, "EHC_CANCEL_CUTOFF_MINUTES", base.cancel_cutoff_minutes
            ),
            noshow_limit=_int(env, "EHC_NOSHOW_LIMIT", base.noshow_limit),
            noshow_window_days=_int(env, "EHC_NOSHOW_WINDOW_DAYS", base.noshow_window_days),
            noshow_suspend_days=_int(env, "EHC_NOSHOW_SUSPEND_DAYS", base.noshow_suspend_days),
            noshow_grace_seconds=_int(env, "EHC_NOSHOW_GRACE_SECONDS", base.noshow_grace_seconds),
            sweep_seconds=float(env.get("EHC_SWEEP_SECONDS", base.sweep_seconds)),
            reminder_leads=_leads(env.get("EHC_REMINDER_LEADS"), base.reminder_leads),
            counter_pay_wait=float(env.get("EHC_COUNTER_PAY_WAIT", base.counter_pay_wait)),
            counter_poll_seconds=float(
                env.get("EHC_COUNTER_POLL_SECONDS", base.counter_poll_seconds)
            ),
            run_worker=_flag(env.get("EHC_RUN_WORKER")),
            worker_poll_seconds=float(env.get("EHC_WORKER_POLL_SECONDS", base.worker_poll_seconds)),
            message_retry_base=float(env.get("EHC_MESSAGE_RETRY_BASE", base.message_retry_base)),
            message_max_attempts=_int(env, "EHC_MESSAGE_MAX_ATTEMPTS", base.message_max_attempts),
            platform_base_url=env.get("EHC_PLATFORM_BASE_URL", "").rstrip("/"),
            platform_app_id=env.get("EHC_PLATFORM_APP_ID", ""),
            platform_secret=env.get("EHC_PLATFORM_SECRET", ""),
            sync_seconds=float(env.get("EHC_SYNC_SECONDS", base.sync_seconds)),
            sync_batch=_int(env, "EHC_SYNC_BATCH", base.sync_batch),
            sync_retry_base=float(env.get("EHC_SYNC_RETRY_BASE", base.sync_retry_base)),
            sync_retry_max=float(env.get("EHC_SYNC_RETRY_MAX", base.sync_retry_max)),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed (the demo and tests use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.data_dir / 'ehc.sqlite3').resolve()}"

    @property
    def resolved_keys_file(self) -> Path:
        """Where the generated keys live when none are configured."""
        return self.keys_file or self.data_dir / "keys.json"

    @property
    def uses_embedded_store(self) -> bool:
        """True when the cache is the in-process Redis-compatible store."""
        return not self.redis_url
