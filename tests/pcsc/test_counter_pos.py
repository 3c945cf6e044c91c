"""counter-pos as a hospital runs it: its own process, a simulated card in a real pcscd reader,
a barcode scanner on stdin, and the card centre over HTTP."""

from __future__ import annotations

import json
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import IO

import httpx
import pytest

from counter_pos import card_sim
from tests.pcsc.conftest import chip_serial
from tests.support.counter import qr_payload
from tests.support.people import Person, make_person
from tests.support.processes import free_port
from tests.support.resident import collect, wechat_session

pytestmark = pytest.mark.pcsc


class CounterPos:
    def __init__(self, proc: subprocess.Popen[str], base: str, log: IO[str]) -> None:
        self.proc, self.base, self.log = proc, base, log
        self.http = httpx.Client(base_url=base, timeout=15)

    def scan(self, line: str) -> None:
        """The keyboard-wedge scanner types a line and Enter."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_event(self, kind: str, seen: int, timeout: float = 10) -> dict:
        """The newest event of ``kind`` once there are more than ``seen`` of them."""
        deadline = time.monotonic() + timeout
        while True:
            events = [e for e in self.http.get("/events").json()["events"] if e["kind"] == kind]
            if len(events) > seen:
                return events[0]
            assert time.monotonic() < deadline, f"no {kind} event"
            time.sleep(0.05)

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def output(self) -> str:
        """Everything counter-pos printed and logged so far."""
        self.log.seek(0)
        return self.log.read()

    def wait_output(self, text: str, timeout: float = 10) -> None:
        """Until ``text`` shows in the output."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert time.monotonic() < deadline, f"no {text!r} in: {self.output()[-2000:]}"
            time.sleep(0.1)

    def count(self, kind: str) -> int:
        return sum(e["kind"] == kind for e in self.http.get("/events").json()["events"])


def start_counter(live, terminal, *extra: str) -> CounterPos:
    """``counter-pos run`` in its own process, answering on a free port."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - kept open with the process
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "counter_pos", "run", "--core", live.base_url,
            "--terminal-id", terminal["terminal_id"],
            "--terminal-secret", terminal["terminal_secret"],
            "--listen", f"127.0.0.1:{port}", "--scanner", "-", *extra,
        ],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise AssertionError(f"counter-pos exited: {log.read()[-3000:]}")
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return CounterPos(proc, base, log)
        except httpx.TransportError:
            assert time.monotonic() < deadline
            time.sleep(0.1)


@pytest.fixture
def counter(pcscd, live, terminal) -> Iterator[CounterPos]:
    """counter-pos reading cards as they go in."""
    pos = start_counter(live, terminal)
    yield pos
    pos.stop()


@pytest.fixture
def quiet_counter(pcscd, live, terminal) -> Iterator[CounterPos]:
    """counter-pos that reads only when the HIS asks (--no-watch)."""
    pos = start_counter(live, terminal, "--no-watch")
    yield pos
    pos.stop()


def read_card(counter: CounterPos) -> httpx.Response:
    """POST /card/read, once the reader has noticed the card."""
    deadline = time.monotonic() + 5
    while True:
        resp = counter.http.post("/card/read", json={"scene": "registration"})
        if resp.status_code != 404 or time.monotonic() > deadline:
            return resp
        time.sleep(0.05)


def health(person, serial: str | None = None, sex: str = "1") -> card_sim.CardApplet:
    """A health card issued to ``person`` on a chip of its own (or ``serial``), their phone in
    it (the phone on record of the e-card it links)."""
    record = card_sim.demo_record(
        person.name, person.id_number, sex, serial or chip_serial(), phone=person.phone
    )
    return card_sim.health_card(record)


def stranger() -> Person:
    """Someone the identity register does not know: only the chip card vouches for them."""
    return make_person(random.Random(secrets.randbits(64)))


async def test_chip_card_gets_an_e_card_without_new_proofing(
    api, counter, insert_card, channel_apps
) -> None:
    person = stranger()
    seen = counter.count("card_read")
    insert_card(health(person))
    # The desk reads a card as it goes in: the core issues the e-card and links the chip.
    body = counter.wait_event("card_read", seen)["result"]
    assert body["name"] == person.name and body["issued"] is True
    assert body["id_number_masked"] == person.id_number[:6] + "********" + person.id_number[-4:]
    # The HIS asks again (the card still in the reader): the same card and patient.
    again_resp = read_card(counter)
    assert again_resp.status_code == 200, again_resp.text
    assert person.id_number not in again_resp.text
    again = again_resp.json()
    assert again["card_id"] == body["card_id"] and again["patient_id"] == body["patient_id"]
    assert again["issued"] is False
    # At home, the holder collects the e-card in the mini-program with only an SMS code
    # (the register does not know them): it is the card the counter linked.
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))
    collected = await collect(api, session["token"], person)
    assert collected.status_code in (200, 201), collected.text
    assert collected.json()["card_id"] == body["card_id"]
    # …and its QR code, scanned at the same counter, finds the same patient record.
    payload = await qr_payload(api, session["token"], body["card_id"])
    seen = counter.count("scan")
    counter.scan(payload)
    scanned = counter.wait_event("scan", seen)
    assert scanned["ok"] and scanned["result"]["patient_id"] == body["patient_id"]


def test_scanner_lines_are_verified_and_forgeries_refused(counter) -> None:
    seen = counter.count("scan")
    counter.scan("EHC1:S:ZZZZ:0000:not-a-mac")
    event = counter.wait_event("scan", seen)
    assert not event["ok"] and event["error"]["code"] in (
        "QR_FORGED",
        "QR_MALFORMED",
        "UNKNOWN_ISSUER",
    )
    counter.scan("")  # an empty line (a double Enter) is ignored
    assert counter.http.get("/healthz").json()["core"] == "ok"


def test_a_social_security_card_issues_and_links_the_e_card(quiet_counter, insert_card) -> None:
    person = stranger()
    serial = chip_serial()
    record = card_sim.social_security_record(person.name, person.id_number, "2", serial)
    card = insert_card(card_sim.social_security_card(record))
    first = read_card(quiet_counter)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["name"] == person.name and body["issued"] is True
    assert body["chip_kind"] == "social_security_card" and person.id_number not in first.text
    again = read_card(quiet_counter).json()
    assert again["card_id"] == body["card_id"] and again["issued"] is False
    card.pull()
    time.sleep(1.0)
    # the same person's health card later: the same e-card
    insert_card(health(person))
    health_read = read_card(quiet_counter).json()
    assert health_read["card_id"] == body["card_id"] and health_read["chip_kind"] == "health_card"


def test_wrong_cards_and_pulled_cards_are_explained_and_the_desk_carries_on(
    quiet_counter, insert_card
) -> None:
    counter = quiet_counter
    person = stranger()
    record = card_sim.demo_record(person.name, person.id_number, "2", chip_serial())
    card = insert_card(card_sim.unknown_card())
    refused = read_card(counter)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "UNSUPPORTED_CARD"
    card.pull()
    time.sleep(1.0)
    insert_card(card_sim.health_card(record), drop_after=4)
    pulled = read_card(counter)
    assert pulled.status_code == 409 and pulled.json()["error"]["code"] == "CARD_REMOVED"
    time.sleep(1.0)
    empty = counter.http.post("/card/read")
    assert empty.status_code == 404 and empty.json()["error"]["code"] == "NO_CARD"
    insert_card(card_sim.health_card(record))
    ok = read_card(counter)
    assert ok.status_code == 200 and ok.json()["name"] == person.name


def test_one_chip_cannot_serve_two_people(counter, insert_card) -> None:
    serial = chip_serial()
    first, second = stranger(), stranger()
    card = insert_card(health(first, serial))
    assert read_card(counter).status_code == 200
    card.pull()
    time.sleep(1.0)
    insert_card(health(second, serial))
    clash = read_card(counter)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "PHYSICAL_CARD_CONFLICT"


def test_cli_read_prints_the_linked_card(live, terminal, insert_card) -> None:
    person = stranger()
    insert_card(health(person))
    time.sleep(0.6)
    out = subprocess.run(
        [
            sys.executable, "-m", "counter_pos", "read", "--core", live.base_url,
            "--terminal-id", terminal["terminal_id"],
            "--terminal-secret", terminal["terminal_secret"],
        ],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    answer = json.loads(out.stdout)
    assert answer["name"] == person.name and person.id_number not in out.stdout


def test_reader_gone_is_said_plainly_and_the_desk_recovers(
    pcscd, quiet_counter, insert_card
) -> None:
    if pcscd.process is None:
        pytest.skip("pcscd was started by someone else; not ours to stop")
    pcscd.stop()  # the reader is unplugged (pcscd and its readers gone)
    gone = quiet_counter.http.post("/card/read")
    assert gone.status_code == 503 and gone.json()["error"]["code"] == "NO_READER"
    assert quiet_counter.http.get("/healthz").json()["readers"] == []
    pcscd.start()  # plugged back in
    person = stranger()
    insert_card(health(person))
    back = read_card(quiet_counter)
    assert back.status_code == 200, back.text
    assert back.json()["name"] == person.name


STOPPED = "the card-reader service (pcscd) stopped; retrying every 2 s"
BACK = "the card-reader service (pcscd) is back"


def test_pcscd_stopping_is_one_line_and_the_watch_resumes(pcscd, counter, insert_card) -> None:
    if pcscd.process is None:
        pytest.skip("pcscd was started by someone else; not ours to stop")
    counter.wait_event("reader_added", 0)  # the watcher has seen the readers
    pcscd.stop()
    try:
        counter.wait_output(STOPPED)
        time.sleep(4.5)  # two retries go by: still the one line
    finally:
        pcscd.start()  # the other tests of the session need it, whatever happened here
    counter.wait_output(BACK)
    seen = counter.count("card_read")
    person = stranger()
    insert_card(health(person))
    event = counter.wait_event("card_read", seen)
    assert event["ok"] and event["result"]["name"] == person.name
    out = counter.output()
    assert out.count(STOPPED) == 1 and out.count(BACK) == 1
    assert "Traceback" not in out and "Exception" not in out
