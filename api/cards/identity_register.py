"""The population identity register adapter: does this name go with this ID number?"""

from __future__ import annotations

import httpx

from api.upstream import post_json


class IdentityRegister:
    """Checks a (name, ID number) pair with the public-security identity service."""

    def __init__(self, *, base_url: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http

    async def check(self, name: str, id_number: str) -> bool:
        """True only when the register says the pair matches."""
        answer = await post_json(
            self.http,
            f"{self.base_url}/verify",
            {"name": name, "id_number": id_number},
            platform="identity register",
        )
        return answer.get("result") == "match"
