"""``counter-pos``: the institution front-end agent.

    counter-pos run      [--listen 127.0.0.1:8700] [--scanner -|PORT] [--reader NAME]
    counter-pos read     read the chip card in the reader once and link it (prints JSON)
    counter-pos verify QR
    counter-pos readers
    counter-pos sim-card --name 张三 --id-number 11010519491231002X [--profile social-security]
    counter-pos sim-id-reader --name 张三 --id-number 11010519491231002X

The card centre and the terminal credentials come from ``--core``, ``--terminal-id``,
``--terminal-secret`` or the environment (``COUNTER_POS_CORE_URL``, ``COUNTER_POS_TERMINAL_ID``,
``COUNTER_POS_TERMINAL_SECRET``), or from ``--credentials demo-credentials.json`` written by
``ehc demo``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from typing import Any

from counter_pos import chip_reader
from counter_pos.core_client import CoreClient, CoreError
from counter_pos.desk import Desk, DeskEvent, reader_error

log = logging.getLogger("counter_pos")


def _env_default(variable: str) -> str:
    """How a help line names a default read from the environment (never its value: secrets)."""
    return f"default: ${variable}" + (" (set)" if os.environ.get(variable) else " (unset)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``counter-pos``; every option says what it does and its default."""
    parser = argparse.ArgumentParser(
        prog="counter-pos",
        description="The hospital front-end (前置机): a local API for the HIS, a barcode scanner "
        "and a PC/SC card reader, talking to the card centre with a terminal's credentials.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    core = argparse.ArgumentParser(add_help=False)
    core.add_argument("--core", default=os.environ.get("COUNTER_POS_CORE_URL"), metavar="URL",
                      help="the card centre's base URL, e.g. http://127.0.0.1:8000 ("
                      + _env_default("COUNTER_POS_CORE_URL") + ")")  # fmt: skip
    core.add_argument("--terminal-id", default=os.environ.get("COUNTER_POS_TERMINAL_ID"),
                      help="this terminal's id at the card centre ("
                      + _env_default("COUNTER_POS_TERMINAL_ID") + ")")  # fmt: skip
    core.add_argument("--terminal-secret", default=os.environ.get("COUNTER_POS_TERMINAL_SECRET"),
                      help="this terminal's secret ("
                      + _env_default("COUNTER_POS_TERMINAL_SECRET") + ")")  # fmt: skip
    core.add_argument("--credentials", metavar="FILE", help=(
        "a demo-credentials.json written by 'ehc demo': base URL and terminal from it "
        "(default: none)"
    ))  # fmt: skip
    core.add_argument("--reader", metavar="NAME", help=(
        "the PC/SC reader to use (default: the first with a card)"
    ))  # fmt: skip
    core.add_argument("--scene", default="registration", help=(
        "the scene recorded with each verification and card read, e.g. registration or "
        "pharmacy (default: registration)"
    ))  # fmt: skip

    run = sub.add_parser(
        "run", parents=[core], help="serve the local API, scanner and reader",
        description="Serve the local API (POST /card/read, /verify, /checkin; GET /events, "
        "/readers, /healthz), read the scanner and identify chip cards as they are inserted.",
    )  # fmt: skip
    run.add_argument("--listen", default="127.0.0.1:8700", metavar="HOST:PORT",
                     help="where the local API listens (default: 127.0.0.1:8700)")  # fmt: skip
    run.add_argument("--scanner", default="-", metavar="-|PORT|none", help=(
        "'-' a keyboard-wedge scanner on stdin, a serial port such as /dev/ttyUSB0, or 'none' "
        "(default: -)"
    ))  # fmt: skip
    run.add_argument("--baud", type=int, default=9600,
                     help="the serial scanner's speed (default: 9600)")  # fmt: skip
    run.add_argument("--no-watch", action="store_true", help=(
        "don't read cards on insertion, only on POST /card/read (default: read on insertion)"
    ))  # fmt: skip
    run.add_argument("--id-reader", metavar="PORT", help=(
        "the ID card reader's serial port, e.g. /dev/ttyUSB1 (default: none)"
    ))  # fmt: skip
    run.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN", help=(
        "a web origin whose pages may call the local API, e.g. the card centre's for its "
        "/counter/ page; repeatable (default: none)"
    ))  # fmt: skip
    token_default = _env_default("COUNTER_POS_LOCAL_TOKEN")
    run.add_argument("--local-token", default=os.environ.get("COUNTER_POS_LOCAL_TOKEN"),
                     metavar="TOKEN", help="require 'Authorization: Bearer TOKEN' on the local "
                     f"API ({token_default}; unset: no token)")  # fmt: skip

    sub.add_parser(
        "read", parents=[core], help="read and link the card in the reader (prints JSON)",
        description="Read the chip card in the reader once, link it at the card centre and "
        "print the answer as JSON.",
    )  # fmt: skip
    verify = sub.add_parser(
        "verify", parents=[core], help="verify one scanned code (prints JSON)",
        description="Verify one scanned QR code at the card centre and print the answer as JSON.",
    )  # fmt: skip
    verify.add_argument("qr", help="the QR code's text, as the scanner reads it")
    verify.add_argument(
        "--with-identity", action="store_true",
        help="ask for the holder's full identity too (the card centre audits the read); default: "
        "only for a new patient record",
    )  # fmt: skip
    sub.add_parser("readers", help="list the PC/SC readers",
                   description="List the PC/SC readers pcscd knows.")  # fmt: skip
    sim = sub.add_parser(
        "sim-card", help="insert a simulated health or social-security card (vpcd)",
        description="Insert a simulated chip card (health or social-security) through "
        "vsmartcard-vpcd (needs pcscd).",
    )  # fmt: skip
    sim.add_argument("--name", required=True, help="the holder's name (required)")
    sim.add_argument("--id-number", required=True,
                     help="the holder's 18-digit ID number (required)")  # fmt: skip
    sim.add_argument("--sex", default="1", help="1 male, 2 female (default: 1)")
    sim.add_argument("--chip-serial", default="SIM0000001",
                     help="the chip's serial number (default: SIM0000001)")  # fmt: skip
    sim.add_argument("--port", type=int, default=35963,
                     help="vpcd's port to connect to (default: 35963)")  # fmt: skip
    sim.add_argument("--profile", choices=("health", "social-security"), default="health",
                     help="a resident health card or a social-security card "
                     "(default: health)")  # fmt: skip
    sim_id = sub.add_parser(
        "sim-id-reader", help="a stand-in ID card reader on a pseudo-terminal",
        description="Serve a stand-in ID card reader with one card on it on a pseudo-terminal "
        "and print its port (give it to 'counter-pos run --id-reader').",
    )  # fmt: skip
    sim_id.add_argument("--name", required=True, help="the card holder's name (required)")
    sim_id.add_argument("--id-number", required=True,
                        help="the holder's 18-digit ID number (required)")  # fmt: skip
    sim_id.add_argument("--sex", default="1", help="1 male, 2 female (default: 1)")
    return parser


def _core_client(args: argparse.Namespace) -> CoreClient:
    base, terminal_id, secret = args.core, args.terminal_id, args.terminal_secret
    if args.credentials:
        with open(args.credentials, encoding="utf-8") as fh:
            creds = json.load(fh)
        base = base or creds["base_url"]
        terminal_id = terminal_id or creds["terminal"]["terminal_id"]
        secret = secret or creds["terminal"]["terminal_secret"]
    if not (base and terminal_id and secret):
        raise SystemExit(
            "counter-pos needs the card centre and terminal credentials: --core, --terminal-id "
            "and --terminal-secret (or COUNTER_POS_* variables, or --credentials FILE)"
        )
    return CoreClient(base, terminal_id, secret)


def _say(event: DeskEvent) -> None:
    """One line for the clerk (the ID number only masked, as the card centre returns it)."""
    if not event.ok:
        error = event.error or {}
        print(f"✘ {event.kind}: {error.get('code')} — {error.get('message')}", flush=True)
    elif event.kind in ("scan", "card_read"):
        r = event.result or {}
        new = ", new patient" if r.get("new_patient") else ""
        # A temporary or newborn card has no document yet: the clerk asks for one to bind.
        kind = f" [{r['kind']} card]" if r.get("kind", "standard") != "standard" else ""
        print(
            f"✔ {r.get('name') or r.get('name_masked')}{kind} {r.get('id_number_masked') or '-'}"
            f" patient {r.get('patient_id')} ({r.get('status')}, {r.get('source')}{new})",
            flush=True,
        )
    else:
        print(f"• {event.kind}: {(event.result or {}).get('reader')}", flush=True)


async def _watch_readers(desk: Desk) -> None:
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    watcher = chip_reader.CardWatcher(asyncio.get_running_loop(), queue)
    watcher.start()
    try:
        while True:
            kind, reader = await queue.get()
            _say(await desk.on_reader_event(kind, reader))
    finally:
        watcher.stop()


async def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from counter_pos.id_reader import IdReader
    from counter_pos.local_api import create_local_app
    from counter_pos.scanner import LineReader, open_source

    core = _core_client(args)
    id_reader = IdReader(args.id_reader) if args.id_reader else None
    desk = Desk(core, reader=args.reader, scene=args.scene, id_reader=id_reader)
    host, _, port = args.listen.rpartition(":")
    config = uvicorn.Config(
        create_local_app(desk, args.local_token, tuple(args.allow_origin)),
        host=host or "127.0.0.1",
        port=int(port),
        log_level="warning",
    )
    server = uvicorn.Server(config)
    tasks: list[asyncio.Task[Any]] = []
    if args.scanner != "none":

        async def on_line(text: str) -> None:
            _say(await desk.on_scan(text))

        LineReader(
            open_source(args.scanner, args.baud), on_line, asyncio.get_running_loop()
        ).start()
    if not args.no_watch:
        tasks.append(asyncio.create_task(_watch_readers(desk)))
    print(f"counter-pos listening on http://{config.host}:{config.port}", flush=True)
    try:
        await server.serve()
    finally:
        for task in tasks:
            task.cancel()
        await core.close()


async def _once(args: argparse.Namespace) -> int:
    core = _core_client(args)
    desk = Desk(core, reader=args.reader, scene=args.scene)
    try:
        if args.command == "read":
            answer = await desk.identify_chip()
        else:
            answer = await desk.verify(args.qr, with_identity=args.with_identity)
    except chip_reader.ReaderError as exc:
        print(json.dumps({"error": reader_error(exc)}, ensure_ascii=False))
        return 1
    except CoreError as exc:
        print(json.dumps({"error": {"code": exc.code, "message": exc.message}}, ensure_ascii=False))
        return 1
    finally:
        await core.close()
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``counter-pos`` console script."""
    args = build_parser().parse_args(argv)
    # A long-running agent logs what it does; a one-shot command prints only its answer.
    level = logging.INFO if args.command == "run" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(message)s")
    if args.command == "readers":
        print("\n".join(chip_reader.list_readers()) or "no reader (is pcscd running?)")
    elif args.command == "sim-card":
        from counter_pos import card_sim

        card_sim.main(
            [
                "--name", args.name, "--id-number", args.id_number, "--sex", args.sex,
                "--chip-serial", args.chip_serial, "--port", str(args.port),
                "--profile", args.profile,
            ]
        )  # fmt: skip
    elif args.command == "sim-id-reader":
        from counter_pos import id_reader_sim

        id_reader_sim.main(["--name", args.name, "--id-number", args.id_number, "--sex", args.sex])
    elif args.command == "run":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(args))
    else:
        sys.exit(asyncio.run(_once(args)))
