"""A partner written against a provincial card centre, from the envelope's description alone
(API.md, DOMAIN.md; nothing imported from our code), switches to us by base URL: it registers
a card, gets a code and verifies it through ``POST /ehc/gateway``; the envelope's own codes
answer a bad digest, a replayed serial, an unknown method and a refusal."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.support.people import make_person
from tests.support.resident import inhouse_session, register_person, send_otp

BEIJING = timezone(timedelta(hours=8))
DOC = Path(__file__).resolve().parents[2] / "docs" / "gateway.md"


class ProvincialClient:
    """What a partner's server does for every call to a provincial card centre."""

    def __init__(self, api: httpx.AsyncClient, app_id: str, secret: str) -> None:
        self.api, self.app_id, self.secret = api, app_id, secret
        self.key = hashlib.new("sm3", secret.encode()).digest()[:16]

    def encrypt(self, content: dict) -> str:
        padder = padding.PKCS7(128).padder()
        raw = padder.update(json.dumps(content).encode()) + padder.finalize()
        enc = Cipher(algorithms.SM4(self.key), modes.ECB()).encryptor()
        return base64.b64encode(enc.update(raw) + enc.finalize()).decode()

    def decrypt(self, text: str) -> dict:
        dec = Cipher(algorithms.SM4(self.key), modes.ECB()).decryptor()
        raw = dec.update(base64.b64decode(text)) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return json.loads(unpadder.update(raw) + unpadder.finalize())

    def digest(self, params: dict[str, str]) -> str:
        text = "&".join(f"{k}={params[k]}" for k in sorted(params))
        return hashlib.new("sm3", f"{text}&key={self.secret}".encode()).hexdigest()

    def envelope(self, method: str, content: dict, **changes: str) -> dict[str, str]:
        params = {
            "app_id": self.app_id, "method": method, "term_id": secrets.token_hex(10),
            "version": "1.0.0", "timestamp": datetime.now(BEIJING).strftime("%Y%m%d%H%M%S"),
            "digest_type": "SM3", "enc_type": "SM4", "biz_content": self.encrypt(content),
        }  # fmt: skip
        params.update(changes)
        return {**params, "digest": self.digest(params)}

    async def send(self, body: dict[str, str]) -> dict:
        resp = await self.api.post("/ehc/gateway", json=body)
        assert resp.status_code == 200, resp.text
        answer = resp.json()
        if answer["code"] == "0":
            answer["content"] = self.decrypt(answer["biz_content"])
        return answer

    async def call(self, method: str, content: dict) -> dict:
        return await self.send(self.envelope(method, content))


async def test_partner_registers_gets_a_code_and_a_terminal_verifies_it(
    api: httpx.AsyncClient, channel_apps: dict, terminal: dict
) -> None:
    app = channel_apps["inhouse"]
    partner = ProvincialClient(api, app["app_id"], app["app_secret"])
    user_ref = "partner-user-" + secrets.token_hex(4)
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    session = await inhouse_session(api, app, user_ref)  # the SMS code, as for POST /cards
    otp = await send_otp(api, session["token"], person.phone)

    registered = await partner.call("ehc.ehealthcard.register", {
        "user_ref": user_ref, "name": person.name, "id_type": "01",
        "id_number": person.id_number, "phone": person.phone, "otp": otp,
    })  # fmt: skip
    assert registered["code"] == "0", registered
    card = registered["content"]
    assert re.fullmatch(r"[0-9a-f]{64}", card["card_id"]) and card["status"] == "active"
    assert person.id_number not in json.dumps(card)  # masked

    listed = await partner.call("ehc.ehealthcard.query", {"user_ref": user_ref})
    assert [c["card_id"] for c in listed["content"]["cards"]] == [card["card_id"]]

    code = await partner.call("ehc.ehealthcode.generate", {
        "user_ref": user_ref, "card_id": card["card_id"], "code_type": "0"})  # fmt: skip
    assert code["code"] == "0" and code["content"]["expires_at"]

    window = ProvincialClient(api, terminal["terminal_id"], terminal["terminal_secret"])
    verify = {"ehealth_code": code["content"]["ehealth_code"], "medstepcode": "010101",
              "channelcode": "0100"}  # fmt: skip
    verified = await window.call("ehc.ehealthcode.verify", verify)
    assert verified["code"] == "0", verified
    assert verified["content"]["card_id"] == card["card_id"]
    assert verified["content"]["name"] == person.name and verified["content"]["patient_id"]
    again = await window.call("ehc.ehealthcode.verify", verify)
    assert (again["code"], again["msg"]) == ("4100", "QR_REPLAYED")

    # The terminal's envelope may not act for residents, nor the app verify.
    assert (await window.call("ehc.ehealthcard.query", {"user_ref": user_ref}))["code"] == "4003"
    assert (await partner.call("ehc.ehealthcode.verify", verify))["code"] == "4003"

    closed = await partner.call("ehc.ehealthcard.close",
                                {"user_ref": user_ref, "card_id": card["card_id"]})  # fmt: skip
    assert closed["code"] == "0"
    assert (await partner.call("ehc.ehealthcard.query", {"user_ref": user_ref}))["content"] == {
        "cards": []
    }


async def test_the_envelope_answers_in_its_own_codes(
    api: httpx.AsyncClient, channel_apps: dict
) -> None:
    app = channel_apps["inhouse"]
    partner = ProvincialClient(api, app["app_id"], app["app_secret"])
    body = partner.envelope("ehc.ehealthcard.query", {"user_ref": "x1"})
    assert (await partner.send({**body, "digest": "0" * 64}))["code"] == "4001"
    assert (await partner.send(body))["code"] == "0"
    assert (await partner.send(body))["code"] == "4002"  # the same term_id again
    stale = partner.envelope("ehc.ehealthcard.query", {"user_ref": "x1"},
                             timestamp="20200101120000")  # fmt: skip
    assert (await partner.send(stale))["code"] == "4002"
    unknown = partner.envelope("ehc.ehealthcode.addorg", {})
    assert (await partner.send(unknown))["code"] == "4003"
    stranger = ProvincialClient(api, "pa_nobody", "nothing")
    assert (await stranger.call("ehc.ehealthcard.query", {"user_ref": "x1"}))["code"] == "4003"
    refused = await partner.call("ehc.ehealthcard.register", {"user_ref": "x1", "name": "张三",
        "id_type": "01", "id_number": "110105199001011230", "phone": "13800000000",
        "otp": "123456"})  # fmt: skip
    assert refused["code"] == "4100" and refused["msg"] in ("INVALID_ID_NUMBER", "OTP_INVALID")


def test_the_worked_example_in_the_docs_is_right() -> None:
    """docs/gateway.md's example: its biz_content and digest, recomputed here."""
    text = DOC.read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(\{.*?\})\n```", text, re.S).group(1))
    secret = re.search(r"secret `([^`]+)`", text).group(1)
    content = json.loads(re.search(r"biz_content in clear: `([^`]+)`", text).group(1))
    client = ProvincialClient(httpx.AsyncClient(), example["app_id"], secret)
    assert client.encrypt(content) == example["biz_content"]
    assert client.decrypt(example["biz_content"]) == content
    params = {k: v for k, v in example.items() if k != "digest"}
    assert client.digest(params) == example["digest"]
    signed = re.search(r"string to hash: `([^`]+)`", text).group(1)
    assert hashlib.new("sm3", signed.encode()).hexdigest() == example["digest"]
