"""Shapes of a patients import's answer."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Out


class ProblemOut(Out):
    line: int = Field(description="the line of the file (the header is line 1)")
    reason: str


class ImportOut(Out):
    rows: int
    cards_created: int = Field(description="new cards, pending activation")
    linked: int = Field(description="patient ids linked to a card")
    unchanged: int = Field(description="rows already imported before")
    problems: list[ProblemOut]
