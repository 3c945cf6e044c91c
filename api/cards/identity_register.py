"""The population identity register adapter: does this name go with this ID number, and (the
carrier's three-factor check, 三要素) is this phone registered to that person?"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from api.upstream import post_json


@dataclass(frozen=True)
class RegisterAnswer:
    """The register's word: ``identity`` when name and number match; ``phone`` when the phone
    asked about is registered to that person (False when no phone was asked about)."""

    identity: bool
    phone: bool = False


class IdentityRegister:
    """Checks a (name, ID number[, phone]) with the public-security identity service and the
    carriers' real-name phone register behind it."""

    def __init__(self, *, base_url: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http

    async def check(self, name: str, id_number: str, phone: str | None = None) -> RegisterAnswer:
        """Ask the register; ``phone`` adds the three-factor question."""
        body = {"name": name, "id_number": id_number}
        if phone:
            body["phone"] = phone
        answer = await post_json(
            self.http, f"{self.base_url}/verify", body, platform="identity register"
        )
        matches = answer.get("result") == "match"
        return RegisterAnswer(identity=matches, phone=matches and answer.get("phone") == "match")
