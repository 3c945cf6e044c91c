"""``python -m miniapp_mock --port 8090``: the stand-in platforms on their own."""

from __future__ import annotations

import argparse

import uvicorn

from miniapp_mock.app import create_standalone_app


def main() -> None:
    parser = argparse.ArgumentParser(description="stand-in WeChat, Alipay, SMS, identity register")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    uvicorn.run(create_standalone_app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
