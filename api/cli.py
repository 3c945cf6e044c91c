"""The ``ehc`` command: serve, demo, worker, db, admin, hospitals, schedules, reconcile, stats and
keys."""

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
    if args.workers > 1:
        _shared_metrics_dir(settings, args.port)
    asyncio.run(lifecycle.upgrade(settings.resolved_database_url))
    uvicorn.run(
        "api.web.main:app",
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


def _shared_metrics_dir(settings: Settings, port: int) -> None:
    """Workers add up their metrics through files in one folder (``api.metrics``): the one
    ``PROMETHEUS_MULTIPROC_DIR`` names, else one per port under the data directory. Emptied
    first: a previous run's files would be counted again."""
    import os
    from pathlib import Path

    from api.metrics import MULTIPROC_ENV

    folder = Path(os.environ.get(MULTIPROC_ENV) or settings.data_dir / f"metrics-{port}")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.db"):  # prometheus_client's files, one set per worker process
        old.unlink()
    os.environ[MULTIPROC_ENV] = str(folder.resolve())  # the workers inherit it


def _demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from api.demo.run import run_demo

    # A file from an earlier run would say "ready" before this run has seeded the stand-ins
    # again (they forget their apps at every start): it is written anew once seeding is done.
    Path(args.credentials).unlink(missing_ok=True)
    return asyncio.run(run_demo(Settings.from_env(), args.host, args.port, args.credentials))


def _db_upgrade(args: argparse.Namespace) -> int:
    from api.db import lifecycle

    settings = Settings.from_env()
    applied = asyncio.run(lifecycle.upgrade(settings.resolved_database_url))
    if not applied:
        print("database schema was already current: nothing to do")
    elif applied[0].startswith("0001_"):
        print(f"database schema created ({len(applied)} migrations: {', '.join(applied)})")
    else:
        print(f"database schema migrated: applied {', '.join(applied)}")
    return 0


def _db_makemigrations(args: argparse.Namespace) -> int:
    from api.db.authoring import make_migrations

    return asyncio.run(make_migrations(args.name))


def _admin_create(args: argparse.Namespace) -> int:
    from api.commands.admin_create import create_admin_command

    return asyncio.run(create_admin_command(Settings.from_env(), args.username, args.reset))


def _schedules_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from api.commands.schedules_import import import_command

    return asyncio.run(import_command(Settings.from_env(), Path(args.file)))


def _patients_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from api.commands.patients_import import import_command

    return asyncio.run(import_command(Settings.from_env(), Path(args.file)))


def _hospitals_add(args: argparse.Namespace) -> int:
    from api.commands.hospitals_add import add_hospital_command

    opens = None if args.checkin_opens < 0 else args.checkin_opens
    return asyncio.run(
        add_hospital_command(Settings.from_env(), args.code, args.name, args.timezone, opens)
    )


def _worker(args: argparse.Namespace) -> int:
    from api.commands.worker import run_worker

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return asyncio.run(run_worker(settings))


def _reconcile(args: argparse.Namespace) -> int:
    from datetime import date

    from api.commands.reconcile import reconcile_command

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        print(f"ehc reconcile: --date wants YYYY-MM-DD, not {args.date!r}", file=sys.stderr)
        return 2
    return asyncio.run(reconcile_command(Settings.from_env(), day, args.method))


def _stats_export(args: argparse.Namespace) -> int:
    from datetime import date
    from pathlib import Path

    from api.commands.stats_export import export_command

    try:
        first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    except ValueError:
        print("ehc stats export: --from and --to want YYYY-MM-DD", file=sys.stderr)
        return 2
    return asyncio.run(
        export_command(Settings.from_env(), first, last, args.group_by, args.format, Path(args.out))
    )


def _keys_rotate(args: argparse.Namespace) -> int:
    from api.keys import rotate

    settings = Settings.from_env()
    keys = rotate(settings.resolved_keys_file)
    print(f"data key version {keys.ring.active_version} is now active")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ehc``; every option says what it does and its default."""
    parser = argparse.ArgumentParser(
        prog="ehc",
        description="Electronic health card platform (settings come from EHC_* variables)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="run the API from EHC_* settings (migrates first)", description=(
            "Run the API from EHC_* settings; the schema is migrated first."
        ),
    )  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1)")  # fmt: skip
    serve.add_argument("--port", type=int, default=8000,
                       help="port to listen on (default: 8000)")  # fmt: skip
    serve.add_argument("--workers", type=int, default=1, help=(
        "worker processes; more than 1 needs EHC_REDIS_URL and EHC_DATABASE_URL (default: 1)"
    ))  # fmt: skip
    serve.set_defaults(func=_serve)

    demo = sub.add_parser(
        "demo", help="the API, the stand-in platforms under /mock and seeded demo data",
        description="The API, the stand-in platforms under /mock and seeded demo data, on "
        "embedded defaults unless EHC_* settings say otherwise.",
    )  # fmt: skip
    demo.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default: 127.0.0.1)")  # fmt: skip
    demo.add_argument("--port", type=int, default=8000,
                      help="port to listen on (default: 8000)")  # fmt: skip
    demo.add_argument("--credentials", default="demo-credentials.json", help=(
        "where to write every seeded credential (default: demo-credentials.json)"
    ))  # fmt: skip
    demo.set_defaults(func=_demo)

    db = sub.add_parser("db", help="database schema", description="Database schema.")
    db_sub = db.add_subparsers(dest="db", required=True, metavar="ACTION")
    db_sub.add_parser(
        "upgrade", help="create the schema or apply pending migrations, and say which",
        description="Create the schema or apply pending migrations, and say which.",
    ).set_defaults(func=_db_upgrade)  # fmt: skip
    make = db_sub.add_parser(
        "makemigrations", help="(developers) write a migration for model changes",
        description="(Developers) write a migration under api/db/migrations for model changes.",
    )  # fmt: skip
    make.add_argument("--name", default=None, help=(
        "the migration's name, e.g. add_card_notes (default: one chosen by the tool)"
    ))  # fmt: skip
    make.set_defaults(func=_db_makemigrations)

    admin = sub.add_parser("admin", help="card-centre administrators",
                           description="Card-centre administrators.")  # fmt: skip
    admin_sub = admin.add_subparsers(dest="admin", required=True, metavar="ACTION")
    create = admin_sub.add_parser(
        "create", help="create an admin; prints password and TOTP",
        description="Create an admin and print a generated password, an otpauth:// URI and its "
        "QR code, once.",
    )  # fmt: skip
    create.add_argument("username", help="the admin's sign-in name")
    create.add_argument("--reset", action="store_true", help=(
        "replace the password and TOTP of an existing admin (default: refuse an existing name)"
    ))  # fmt: skip
    create.set_defaults(func=_admin_create)

    sub.add_parser(
        "worker", help="deliver the message outbox (run one or more)",
        description="Deliver the message outbox (WeChat, Alipay, webhooks, SMS); run one or "
        "several; SIGTERM finishes the message in hand.",
    ).set_defaults(func=_worker)  # fmt: skip

    hospitals = sub.add_parser("hospitals", help="hospitals that schedules belong to",
                               description="Hospitals that schedules belong to.")  # fmt: skip
    hospitals_sub = hospitals.add_subparsers(dest="hospitals", required=True, metavar="ACTION")
    add = hospitals_sub.add_parser(
        "add", help="create a hospital (or update the one with this code)",
        description="Create a hospital (or update the one with this code), e.g. before "
        "'ehc schedules import' on a fresh database.",
    )  # fmt: skip
    add.add_argument("code", help="the hospital's code, as schedules name it (e.g. H001)")
    add.add_argument("name", help="the hospital's name shown to residents")
    add.add_argument("--timezone", default="Asia/Shanghai",
                     help="the hospital's time zone (default: Asia/Shanghai)")  # fmt: skip
    add.add_argument("--checkin-opens", type=int, default=60, metavar="MINUTES", help=(
        "check-in opens this many minutes before the slot; -1: from booking on (default: 60)"
    ))  # fmt: skip
    add.set_defaults(func=_hospitals_add)

    schedules = sub.add_parser("schedules", help="doctors' schedules",
                               description="Doctors' schedules.")  # fmt: skip
    schedules_sub = schedules.add_subparsers(dest="schedules", required=True, metavar="ACTION")
    imp = schedules_sub.add_parser(
        "import", help="bulk schedules from a CSV or JSON file",
        description="Bulk schedules from a CSV or JSON file (columns in "
        "api/appointments/importer.py); the hospitals must exist ('ehc hospitals add').",
    )  # fmt: skip
    imp.add_argument("file", help="a .csv or .json file, one schedule per row")
    imp.set_defaults(func=_schedules_import)

    patients = sub.add_parser("patients", help="hospitals' existing patients",
                              description="Hospitals' existing patients.")  # fmt: skip
    patients_sub = patients.add_subparsers(dest="patients", required=True, metavar="ACTION")
    pimp = patients_sub.add_parser(
        "import", help="bring a hospital's patients onto the card from a CSV file",
        description="Bring a hospital's patients onto the card from a CSV file (columns: "
        "name,id_type,id_number,phone,institution_code,patient_id): each gets a card pending "
        "activation linked to the patient id; bad rows are reported by line, good rows kept; "
        "running it again changes nothing.",
    )  # fmt: skip
    pimp.add_argument("file", help="a UTF-8 .csv file with a header row")
    pimp.set_defaults(func=_patients_import)

    rec = sub.add_parser(
        "reconcile", help="compare a day's platform bill with our payments",
        description="Download a day's bill from WeChat Pay or Alipay and compare it with our "
        "payments and refunds. Exit status: 0 agreed, 1 discrepancies open, 2 no bill.",
    )  # fmt: skip
    rec.add_argument("--date", required=True,
                     help="the day, YYYY-MM-DD in the institution's zone (required)")  # fmt: skip
    rec.add_argument("--method", required=True, choices=("wechat", "alipay"),
                     help="whose bill: wechat or alipay (required)")  # fmt: skip
    rec.set_defaults(func=_reconcile)

    stats = sub.add_parser(
        "stats", help="the guide's indicators", description="The guide's indicators."
    )
    stats_sub = stats.add_subparsers(dest="stats", required=True, metavar="ACTION")
    exp = stats_sub.add_parser(
        "export", help="write the indicators to a CSV or XLSX file",
        description="Write the indicators for a range of days to a CSV or XLSX file (the rows "
        "of GET /api/v1/admin/stats?group_by=); long ranges report progress on stderr.",
    )  # fmt: skip
    exp.add_argument("--from", dest="first", required=True,
                     help="first day, YYYY-MM-DD in the centre's zone (required)")  # fmt: skip
    exp.add_argument("--to", dest="last", required=True,
                     help="last day, YYYY-MM-DD, inclusive (required)")  # fmt: skip
    exp.add_argument("--group-by", default="day",
                     choices=("day", "region", "institution", "channel", "scene"),
                     help="one row per day, region, institution, channel or scene "
                     "(default: day)")  # fmt: skip
    exp.add_argument("--format", default="csv", choices=("csv", "xlsx"),
                     help="csv or xlsx (default: csv)")  # fmt: skip
    exp.add_argument("--out", required=True, metavar="FILE", help="the file to write (required)")
    exp.set_defaults(func=_stats_export)

    keys = sub.add_parser("keys", help="data keys", description="Data keys.")
    keys_sub = keys.add_subparsers(dest="keys", required=True, metavar="ACTION")
    keys_sub.add_parser(
        "rotate", help="add a data-key version and make it active",
        description="Add a data-key version and make it active; old rows still open.",
    ).set_defaults(func=_keys_rotate)  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ehc`` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
