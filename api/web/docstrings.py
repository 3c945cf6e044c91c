"""A handler's docstring as an OpenAPI summary and description, in Markdown.

The summary is the first sentence of the first paragraph, the description everything after it;
reStructuredText's ``double backticks`` and :role:`target` become Markdown code spans. A
paragraph indented by four spaces (an example request, after a line ending in ``::``) stays as
it is written: a Markdown code block.
"""

from __future__ import annotations

import inspect
import re

# A sentence ends at . ! ? (or a full-width 。！？) followed by a space and a capital, an opening
# bracket or quote, or the end: "e.g. the code" and "v1.2" go on.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'「“`])|(?<=[。！？])")
_LITERAL = re.compile(r"``(.+?)``")
_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")


def markdown(text: str) -> str:
    """reStructuredText inline literals and roles as Markdown code spans."""
    text = _ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", text)
    return _LITERAL.sub(r"`\1`", text)


def _is_block(paragraph: str) -> bool:
    return all(line.startswith("    ") for line in paragraph.splitlines() if line.strip())


def _paragraphs(doc: str) -> list[str]:
    """Paragraphs with their lines joined (a docstring wraps lines at 100 columns), code blocks
    with their lines kept."""
    cleaned = inspect.cleandoc(doc)
    return [
        p.strip("\n").rstrip() if _is_block(p) else " ".join(p.split())
        for p in re.split(r"\n\s*\n", cleaned)
        if p.strip()
    ]


def _prose(paragraph: str) -> str:
    """A paragraph as Markdown: a code block as it is, prose with RST marks converted (the
    ``::`` that introduces a block becomes a colon)."""
    if _is_block(paragraph):
        return paragraph
    text = markdown(paragraph)
    return text[:-1] if text.endswith("::") else text


def summary_and_description(doc: str | None, fallback: str) -> tuple[str, str]:
    """``(summary, description)`` of a docstring; ``fallback`` when there is none."""
    paragraphs = _paragraphs(doc or "")
    if not paragraphs:
        return fallback.replace("_", " "), ""
    first = markdown(paragraphs[0])
    parts = _SENTENCE_END.split(first, maxsplit=1)
    summary = parts[0].strip()
    rest = [parts[1].strip()] if len(parts) > 1 and parts[1].strip() else []
    rest += [_prose(p) for p in paragraphs[1:]]
    return summary, "\n\n".join(rest)
