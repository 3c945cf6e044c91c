"""Hospitals' existing patients brought onto the card (``ehc patients import FILE`` and the
admin upload): good rows become cards pending activation linked to the hospital's patient
ids, every bad row is named by its line, a re-run changes nothing, and a resident who collects
such a card through the ordinary proofs finds it already linked (no second patient record),
and counted in the card centre's figures by region like a card collected through a channel."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.support.counter import qr_payload, terminal_headers
from tests.support.people import Person, id_number, make_person
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


DISTRICT = "320102"  # districts no other test issues cards in
OTHER_DISTRICT = "320104"


async def test_an_imported_card_counts_in_its_holders_district_once_collected(
    api, admin_headers, channel_apps
) -> None:
    hospital = await _district_hospital(api, admin_headers, DISTRICT)
    tag = secrets.token_hex(3).upper()
    local = Person("王芳", id_number(date(1980, 5, 17), 262, DISTRICT), "13912345678")
    visitor = Person("李强", id_number(date(1975, 3, 2), 131, "110105"), "13912345679")
    text = HEADER + "".join(
        f"{p.name},01,{p.id_number},{p.phone},{hospital},{n}{tag}\n"
        for n, p in enumerate((local, visitor))
    )
    window = {"from": _today(), "to": _today()}
    before = (await _by_region(api, admin_headers, window)).get(DISTRICT, {}).get("issued", 0)
    uploaded = await api.post(
        "/api/v1/admin/patients/import", content=text.encode(),
        headers={**admin_headers, "Content-Type": "text/csv"},
    )  # fmt: skip
    assert uploaded.json()["cards_created"] == 2, uploaded.text

    # The resident collects the hospital's card for themselves through a mini-program.
    await register_person(api, local)
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))
    collected = await collect(api, session["token"], local)
    assert collected.status_code in (200, 201), collected.text
    assert collected.json()["status"] == "active"

    counted = (await _by_region(api, admin_headers, window))[DISTRICT]
    assert counted["issued"] == before + 1  # the visitor counts at home, as below
    assert counted["collection_rate"] == 1 / 1000
    inside = await api.get(
        "/api/v1/admin/stats", params={**window, "group_by": "day", "region": DISTRICT[:4]},
        headers=admin_headers,
    )  # fmt: skip
    assert inside.json()["rows"][0]["issued"] >= 1
    # Each card lies where a channel's card would: in its holder's home district, which the
    # ID number names, wherever the hospital that brought them is.
    assert await _card_region(api, admin_headers, "01", local.id_number) == DISTRICT
    assert await _card_region(api, admin_headers, "01", visitor.id_number) == "110105"


async def test_an_imported_passport_holder_lies_in_the_hospitals_district(
    api, admin_headers
) -> None:
    hospital = await _district_hospital(api, admin_headers, OTHER_DISTRICT)
    passport = "E" + str(secrets.randbelow(10**8)).zfill(8)
    text = HEADER + f"John Smith,03,{passport},13912345670,{hospital},P{passport}\n"
    uploaded = await api.post(
        "/api/v1/admin/patients/import", content=text.encode(),
        headers={**admin_headers, "Content-Type": "text/csv"},
    )  # fmt: skip
    assert uploaded.json()["cards_created"] == 1, uploaded.text
    # A passport names no region: the card lies in the district of the hospital that knows them.
    assert await _card_region(api, admin_headers, "03", passport) == OTHER_DISTRICT


async def _district_hospital(api, admin_headers: dict, district: str) -> str:
    """A new hospital registered in ``district`` (1,000 people live there); returns its code."""
    region = await api.put(
        f"/api/v1/admin/regions/{district}", json={"name": "区", "population": 1000},
        headers=admin_headers,
    )  # fmt: skip
    assert region.status_code in (200, 201), region.text
    code = "H" + secrets.token_hex(4).upper()
    made = await api.post("/api/v1/admin/institutions", json={
        "code": code, "name": "区人民医院", "kind": "hospital", "region_code": district,
    }, headers=admin_headers)  # fmt: skip
    assert made.status_code == 201, made.text
    return code


async def _card_region(api, admin_headers: dict, id_type: str, number: str) -> str | None:
    found = await api.get(
        "/api/v1/admin/persons", params={"id_type": id_type, "id_number": number},
        headers=admin_headers,
    )  # fmt: skip
    assert found.status_code == 200, found.text
    return found.json()["cards"][0]["region_code"]


def _today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


async def _by_region(api, admin_headers: dict, window: dict) -> dict[str, dict]:
    resp = await api.get(
        "/api/v1/admin/stats", params={**window, "group_by": "region"}, headers=admin_headers
    )
    assert resp.status_code == 200, resp.text
    return {row["key"]: row for row in resp.json()["rows"]}
