"""Hospitals' existing patients brought onto the card (``ehc patients import FILE`` and the
admin upload): good rows become cards pending activation linked to the hospital's patient
ids, every bad row is named by its line, a re-run changes nothing, and a resident who collects
such a card through the ordinary proofs finds it already linked (no second patient record)."""

from __future__ import annotations

import random
import secrets

from tests.support.counter import qr_payload, terminal_headers
from tests.support.people import make_person
from tests.support.resident import collect, register_person, wechat_session

HEADER = "name,id_type,id_number,phone,institution_code,patient_id\n"


def patients_csv(clinic: str, count: int) -> tuple[str, list, list[str]]:
    """``count`` good rows and three bad ones (lines named in the answer)."""
    rng = random.Random(secrets.randbits(64))
    tag = secrets.token_hex(3).upper()
    people = [make_person(rng) for _ in range(count)]
    ids = [f"HIS{tag}{n:05d}" for n in range(count)]
    lines = [
        f"{p.name},01,{p.id_number},{p.phone},{clinic},{i}\n"
        for p, i in zip(people, ids, strict=True)
    ]
    lines.insert(10, f"张三,01,110105194912310000,13800000000,{clinic},BAD{tag}1\n")  # line 12
    lines.insert(20, f"李四,01,{people[0].id_number},12345,{clinic},BAD{tag}2\n")  # line 22
    lines.insert(30, "only,three,fields\n")  # line 32
    return HEADER + "".join(lines), people, ids


async def test_importing_patients_makes_pending_linked_cards_once_and_collection_finds_them(
    api, live, clinic, terminal, channel_apps, tmp_path
) -> None:
    text, people, ids = patients_csv(clinic, 300)
    path = tmp_path / "patients.csv"
    path.write_text(text, encoding="utf-8")

    first = live.ehc("patients", "import", str(path), check=False)
    assert first.returncode == 1, first.stderr  # some rows were refused
    refused = [line for line in first.stdout.splitlines() if line.startswith(str(path))]
    assert [line.split(":")[1] for line in refused] == ["12", "22", "32"], first.stderr[-3000:]
    assert "300 cards made (pending activation), 300 patient ids linked" in first.stdout
    assert "303/303" in first.stderr  # the progress bar reached the end

    again = live.ehc("patients", "import", str(path), check=False)
    assert "0 cards made (pending activation), 0 patient ids linked, 300 already there" in (
        again.stdout
    )

    # A resident collects their card through the ordinary proofs: it is the imported one,
    # and the hospital's scan finds the patient id it already had.
    person, patient_id = people[5], ids[5]
    await register_person(api, person)
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))
    collected = await collect(api, session["token"], person)
    assert collected.status_code in (200, 201), collected.text
    card = collected.json()
    assert card["status"] == "active"
    qr = await qr_payload(api, session["token"], card["card_id"])
    verified = await api.post(
        "/api/v1/pos/verify",
        json={"qr": qr, "scene": "registration"},
        headers=await terminal_headers(api, terminal),
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["patient_id"] == patient_id  # the hospital's own: no second record


async def test_the_admin_upload_streams_the_same_import(api, admin_headers, clinic) -> None:
    text, _, _ = patients_csv(clinic, 50)

    async def chunks():
        data = text.encode()
        for start in range(0, len(data), 997):  # cuts lines and characters anywhere
            yield data[start : start + 997]

    uploaded = await api.post(
        "/api/v1/admin/patients/import",
        content=chunks(),
        headers={**admin_headers, "Content-Type": "text/csv"},
    )
    assert uploaded.status_code == 200, uploaded.text
    report = uploaded.json()
    assert (report["rows"], report["cards_created"], report["linked"]) == (53, 50, 50)
    assert [p["line"] for p in report["problems"]] == [12, 22, 32]
    again = await api.post(
        "/api/v1/admin/patients/import",
        content=text.encode(),
        headers={**admin_headers, "Content-Type": "text/csv"},
    )
    assert (again.json()["cards_created"], again.json()["unchanged"]) == (0, 50)


async def test_a_person_listed_twice_gets_one_card_and_keeps_the_first_patient_id(
    api, admin_headers, clinic
) -> None:
    person = make_person(random.Random(secrets.randbits(64)))
    tag = secrets.token_hex(3).upper()
    text = HEADER + "".join(
        f"{person.name},01,{person.id_number},{person.phone},{clinic},TWICE{tag}{n}\n"
        for n in (1, 2)
    )
    uploaded = await api.post(
        "/api/v1/admin/patients/import",
        content=text.encode(),
        headers={**admin_headers, "Content-Type": "text/csv"},
    )
    report = uploaded.json()
    assert (report["rows"], report["cards_created"], report["linked"]) == (2, 1, 1), report
    assert [(p["line"], p["reason"]) for p in report["problems"]] == [
        (3, f"this person is already patient TWICE{tag}1 here")
    ]
