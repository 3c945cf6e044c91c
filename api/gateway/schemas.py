"""Shapes of the provincial envelope (API.md "The provincial envelope for partners") and of
each method's ``biz_content``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.bounds import key, line
from api.cards.schemas import ID_TYPE_PATTERN, PHONE_PATTERN
from api.schemas import Body, Out


class EnvelopeIn(Body):
    app_id: str = Field(description="an in-house app's or a terminal's id")
    method: str = Field(description="ehc.ehealthcard.query, .register, ehc.ehealthcode.generate…")
    term_id: str = Field(description="the caller's serial for this call (unique for 10 minutes)")
    version: str = Field(description='"1.0.0"')
    timestamp: str = Field(description="YYYYMMDDHHMMSS, Beijing time (±300 s)")
    digest_type: str = Field(description='"SM3"')
    enc_type: str = Field(description='"SM4"')
    biz_content: str = Field(description="the method's JSON, SM4-ECB/PKCS#7, base64")
    digest: str = Field(description="SM3 hex of the sorted k=v&… plus &key=<secret>")


class EnvelopeOut(Out):
    code: str = Field(description='"0" success; 4001 digest, 4002 replay/time, 4003, 4100')
    msg: str
    biz_content: str = Field(description="the answer's JSON, encrypted as the request's")


class UserBiz(Body):
    user_ref: key(64)


class RegisterBiz(UserBiz):
    name: line(64)
    id_type: str = Field(default="01", pattern=ID_TYPE_PATTERN)
    id_number: key(32, min_length=4)
    phone: str = Field(pattern=PHONE_PATTERN)
    otp: str = Field(pattern=r"^\d{6}$")


class GenerateBiz(UserBiz):
    card_id: key(64)
    code_type: Literal["0", "1"] = Field(description="0 dynamic, 1 static")


class CloseBiz(UserBiz):
    card_id: key(64)


class VerifyBiz(Body):
    ehealth_code: line(256)
    medstepcode: key(16) = "other"
    channelcode: key(8) | None = None
    terminalcode: key(64) | None = None
