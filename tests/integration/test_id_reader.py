"""An ID card read at the counter through a stand-in ID reader on a pseudo-terminal (the same
serial protocol a USB ID reader speaks): the Desk issues the holder's e-card from it, and the
local API serves the same to the HIS and the clerk's page."""

from __future__ import annotations

import random
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest

from counter_pos.core_client import CoreClient
from counter_pos.desk import Desk
from counter_pos.id_document import IdDocument
from counter_pos.id_reader import IdReader, IdReaderUnavailable, NoDocumentError
from counter_pos.id_reader_sim import IdReaderSimulator
from counter_pos.local_api import create_local_app
from tests.support.people import make_person

pytestmark = pytest.mark.storage


def document(person) -> IdDocument:
    return IdDocument(name=person.name, sex="2", ethnicity="01",
                      birth_date=person.id_number[6:14], address="北京市东城区演示路1号",
                      id_number=person.id_number, authority="北京市公安局东城分局",
                      valid_from="20200101", valid_to="长期")  # fmt: skip


@pytest.fixture
async def desk(live, terminal) -> AsyncIterator[tuple[Desk, IdReaderSimulator]]:
    reader = IdReaderSimulator()
    core = CoreClient(live.base_url, terminal["terminal_id"], terminal["terminal_secret"])
    yield Desk(core, id_reader=IdReader(reader.port)), reader
    await core.close()
    reader.close()


async def test_the_id_reader_fills_the_form_and_issues_the_card(desk) -> None:
    counter, reader = desk
    person = make_person(random.Random(secrets.randbits(64)))
    with pytest.raises(NoDocumentError, match="place the card"):
        await counter.read_id_document()
    reader.place(document(person))
    read = await counter.read_id_document()
    assert (read.name, read.id_number, read.valid_to) == (person.name, person.id_number, "长期")
    issued = await counter.issue_from_id_document(person.phone)
    assert issued["issued"] is True and issued["name_masked"].startswith(person.name[0])
    again = await counter.issue_from_id_document()
    assert again["card_id"] == issued["card_id"] and again["issued"] is False
    assert counter.recent[0].kind == "id_card_read"


async def test_the_local_api_serves_the_reader_and_says_when_it_is_gone(desk) -> None:
    counter, reader = desk
    person = make_person(random.Random(secrets.randbits(64)))
    app = create_local_app(counter, allow_origins=("http://page.example",))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://pos") as pos:
        empty = await pos.post("/id-card/read")
        assert empty.status_code == 404 and empty.json()["error"]["code"] == "NO_ID_CARD"
        reader.place(document(person))
        read = await pos.post("/id-card/read", headers={"Origin": "http://page.example"})
        assert read.json()["id_number"] == person.id_number
        assert read.headers["access-control-allow-origin"] == "http://page.example"
        issued = await pos.post("/id-card/issue", json={})
        assert issued.status_code == 200 and issued.json()["issued"] is True
        reader.close()  # unplugged
        gone = await pos.post("/id-card/read")
        assert gone.status_code == 503 and gone.json()["error"]["code"] == "NO_ID_READER"


def test_a_reader_on_no_port_is_unavailable() -> None:
    with pytest.raises(IdReaderUnavailable):
        IdReader("/dev/nonexistent-id-reader").read()
