"""The API from ``EHC_*`` settings plus a ``/boom`` route that fails as a bug would, served as
``ehc serve`` serves it: ``python -m tests.support.fault_server --port P``. Its own process,
so that a test can give it a Redis of its own beside the session's server."""

from __future__ import annotations

import argparse

import uvicorn
from starlette.requests import Request
from starlette.routing import Route

from api.settings import Settings
from api.web.app import create_app
from api.web.http_protocol import server_config


async def boom(request: Request) -> None:
    """An unforeseen failure."""
    raise RuntimeError("a bug")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(Settings.from_env(), extra_routes=[Route("/boom", boom)])
    config = server_config(app, host="127.0.0.1", port=args.port, log_level="warning")
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
