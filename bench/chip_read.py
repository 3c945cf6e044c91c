"""Chip-card identity read through pyscard → pcscd → vsmartcard-vpcd → simulated card (the
WS/T 543 reads counter-pos makes: SELECT application, SELECT/READ EF05, EF06, EF08), next to
the baseline of one bare APDU round trip (SELECT) on an open connection in the same run.

Target: ≤ 50 ms per identity read. Run: .venv/bin/python -m bench.chip_read [--reads 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

from counter_pos import apdu, card_sim, chip_reader
from counter_pos.card_layout import HEALTH_AID
from counter_pos.pcsc_env import Pcscd


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def _wait_for_card() -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            chip_reader.read_health_card()
            return
        except chip_reader.NoCardError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    daemon = Pcscd()
    daemon.start()
    record = card_sim.demo_record("欧阳娜娜", "11010519491231002X", "2", "BENCH0001")
    card = card_sim.SimulatedCard(card_sim.health_card(record))
    card.insert()
    try:
        _wait_for_card()
        reads = []
        for _ in range(args.reads):
            started = time.perf_counter()
            chip_reader.read_health_card()
            reads.append((time.perf_counter() - started) * 1000)
        from smartcard.System import readers

        connection = next(r for r in readers() if str(r).endswith("00 00")).createConnection()
        connection.connect()
        rtts = []
        for _ in range(args.reads):
            started = time.perf_counter()
            connection.transmit(apdu.select_by_name(HEALTH_AID))
            rtts.append((time.perf_counter() - started) * 1000)
        connection.release()
    finally:
        card.pull()
        daemon.stop()
    read_p50, read_p99 = _percentiles(reads)
    rtt_p50, rtt_p99 = _percentiles(rtts)
    print("Chip-card identity read, pyscard → pcscd → vpcd → simulated card")
    print(f"baseline: one APDU round trip      p50 {rtt_p50:7.2f} ms   p99 {rtt_p99:7.2f} ms")
    print(
        f"identity read (connect + 7 APDUs)  p50 {read_p50:7.2f} ms   p99 {read_p99:7.2f} ms"
        f"   ratio {read_p50 / rtt_p50:5.1f}× one APDU   target ≤ 50 ms: "
        + ("met" if read_p99 <= 50 else "NOT met")
    )


if __name__ == "__main__":
    main()
