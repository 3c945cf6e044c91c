"""Baselines every other bench compares against: req/s of a bare endpoint, of one doing one
Redis SET NX, and of one doing one SQL round trip, on PostgreSQL + Redis, one worker.

Run: .venv/bin/python -m bench.baseline [--seconds 5]
"""

from __future__ import annotations

import argparse

from bench.harness import api_server, bench_database, wrk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    with bench_database() as env, api_server(env) as base:
        bare = wrk("bare JSON endpoint", f"{base}/bench/bare", seconds=args.seconds)
        redis = wrk("one Redis SET NX", f"{base}/bench/redis", seconds=args.seconds)
        sql = wrk("one SQL round trip (PostgreSQL)", f"{base}/bench/sql", seconds=args.seconds)
    print("baseline, one uvicorn worker (uvloop + httptools), wrk -t2 -c32")
    print(bare.row())
    print(redis.row(bare))
    print(sql.row(bare))


if __name__ == "__main__":
    main()
