"""Runs one app under uvicorn for a bench (uvloop, httptools, no uvicorn access log, ``--workers``
as asked). Ours runs as ``ehc serve`` runs it: our httptools protocol with its limits, JSON
logs at ``EHC_LOG_LEVEL`` (the access line included at INFO, production's default) and the
workers' metrics shared through files; ``--plain`` (the outside baselines) runs uvicorn's own
httptools protocol and nothing else.

Run by ``bench.harness``: python -m bench.serve FACTORY PORT [--workers N] [--plain]
"""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("factory")
    parser.add_argument("port", type=int)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--plain", action="store_true")
    args = parser.parse_args()
    options: dict[str, object] = {"http": "httptools"}
    if not args.plain:
        from api.cli import _shared_metrics_dir
        from api.settings import Settings
        from api.web.http_protocol import server_options

        options = server_options()
        if args.workers > 1:
            _shared_metrics_dir(Settings.from_env(), args.port)
    uvicorn.run(
        args.factory,
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        log_config=None,
        access_log=False,
        **options,  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
