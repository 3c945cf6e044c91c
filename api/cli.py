"""The ``ehc`` command: serve, demo, worker, db, admin, schedules, reconcile and keys."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from api.settings import Settings
from api.web.middleware import configure_logging


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.db import lifecycle
    from api.web.http_protocol import server_options

    settings = Settings.from_env()
    if args.workers > 1 and settings.uses_embedded_store:
        print(
            "ehc serve: --workers > 1 needs EHC_REDIS_URL and EHC_DATABASE_URL; the embedded "
            "store lives inside one process, so workers would not share codes and sessions.",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings.log_level)
    asyncio.run(lifecycle.upgrade(settings.resolved_database_url))
    uvicorn.run(
        "api.main:app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        log_config=None,
        access_log=False,
        **server_options(),  # httptools with head and body limits, no server banner
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from api.demo.run import run_demo

    return asyncio.run(run_demo(Settings.from_env(), args.host, args.port, args.credentials))


def _db_upgrade(args: argparse.Namespace) -> int:
    from api.db import lifecycle

    settings = Settings.from_env()
    asyncio.run(lifecycle.upgrade(settings.resolved_database_url))
    print("database schema is up to date")
    return 0


def _db_makemigrations(args: argparse.Namespace) -> int:
    from api.db.authoring import make_migrations

    return asyncio.run(make_migrations(args.name))


def _admin_create(args: argparse.Namespace) -> int:
    from api.admin.cli import create_admin_command

    return asyncio.run(create_admin_command(Settings.from_env(), args.username, args.reset))


def _schedules_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from api.appointments.import_command import import_command

    return asyncio.run(import_command(Settings.from_env(), Path(args.file)))


def _worker(args: argparse.Namespace) -> int:
    from api.messages.worker_command import run_worker

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return asyncio.run(run_worker(settings))


def _reconcile(args: argparse.Namespace) -> int:
    from datetime import date

    from api.payments.reconcile_command import reconcile_command

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        print(f"ehc reconcile: --date wants YYYY-MM-DD, not {args.date!r}", file=sys.stderr)
        return 2
    return asyncio.run(reconcile_command(Settings.from_env(), day, args.method))


def _keys_rotate(args: argparse.Namespace) -> int:
    from api.keys import rotate

    settings = Settings.from_env()
    keys = rotate(settings.resolved_keys_file)
    print(f"data key version {keys.ring.active_version} is now active")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ehc``."""
    parser = argparse.ArgumentParser(prog="ehc", description="Electronic health card platform")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API from EHC_* settings")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="the API, the mock platforms and seeded demo data")
    demo.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--credentials", default="demo-credentials.json")
    demo.set_defaults(func=_demo)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(func=_db_upgrade)
    make = db.add_parser("makemigrations", help="(developers) write a migration for model changes")
    make.add_argument("--name", default=None)
    make.set_defaults(func=_db_makemigrations)

    admin = sub.add_parser("admin", help="card-centre administrators")
    admin_sub = admin.add_subparsers(dest="admin", required=True)
    create = admin_sub.add_parser("create", help="create an admin; prints password and TOTP")
    create.add_argument("username")
    create.add_argument("--reset", action="store_true", help="replace password and TOTP")
    create.set_defaults(func=_admin_create)

    sub.add_parser("worker", help="deliver the message outbox (run one or more)").set_defaults(
        func=_worker
    )
    schedules = sub.add_parser("schedules", help="doctors' schedules").add_subparsers(
        dest="schedules", required=True
    )
    imp = schedules.add_parser("import", help="bulk schedules from a CSV or JSON file")
    imp.add_argument("file")
    imp.set_defaults(func=_schedules_import)
    rec = sub.add_parser("reconcile", help="compare a day's platform bill with our payments")
    rec.add_argument("--date", required=True, help="YYYY-MM-DD, in the institution's zone")
    rec.add_argument("--method", required=True, choices=("wechat", "alipay"))
    rec.set_defaults(func=_reconcile)
    keys = sub.add_parser("keys", help="data keys").add_subparsers(dest="keys", required=True)
    keys.add_parser("rotate", help="add a data-key version and make it active").set_defaults(
        func=_keys_rotate
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ehc`` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
