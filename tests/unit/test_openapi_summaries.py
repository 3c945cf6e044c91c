"""/docs and /openapi.json read as finished Markdown: whole first sentences as summaries, the
rest of the docstring as the description, code in single backticks."""

from __future__ import annotations

from api.settings import Settings
from api.web.app import create_app
from api.web.docstrings import summary_and_description
from api.web.openapi import build_openapi


def test_the_summary_is_the_whole_first_sentence_and_the_rest_is_the_description() -> None:
    doc = """Identify the holder of a chip card read at the counter and link the chip to
    their e-card, issuing one if they have none. The chip was issued in person.

    Uses ``scene`` and :class:`~api.cards.models.Card`.
    """
    summary, description = summary_and_description(doc, "link_chip")
    assert summary == (
        "Identify the holder of a chip card read at the counter and link the chip to "
        "their e-card, issuing one if they have none."
    )
    assert description == "The chip was issued in person.\n\nUses `scene` and `Card`."
    assert summary_and_description("Send a code, e.g. by SMS.", "x") == (
        "Send a code, e.g. by SMS.", "")  # fmt: skip
    assert summary_and_description(None, "list_cards") == ("list cards", "")


def test_an_indented_example_stays_a_code_block_with_its_lines() -> None:
    doc = """Cancel an unpaid bill. A paid one is refused.

    Example::

        POST /api/v1/pos/bills/B1/cancel
        → 200 {"bill_id": "B1",
               "status": "cancelled"}
    """
    summary, description = summary_and_description(doc, "cancel")
    assert summary == "Cancel an unpaid bill."
    assert description == (
        "A paid one is refused.\n\nExample:\n\n"
        '    POST /api/v1/pos/bills/B1/cancel\n    → 200 {"bill_id": "B1",\n'
        '           "status": "cancelled"}'
    )


def test_every_published_summary_is_a_finished_sentence_without_rst() -> None:
    doc = build_openapi(list(create_app(Settings.from_env()).routes), "EHC", "1")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            assert op["summary"].endswith((".", ")", "。")), f"{where}: {op['summary']!r}"
            assert "``" not in op["summary"] + op.get("description", ""), where
            assert "\n" not in op["summary"], where
