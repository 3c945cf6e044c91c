"""Every option of ``ehc`` and ``counter-pos``, in every sub-command, explains itself in
``--help`` and names its default, as a new user reads it in a terminal."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import build_parser as ehc_parser
from counter_pos.cli import build_parser as counter_pos_parser

BIN = Path(sys.executable).parent


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (sub-)command of a parser, with the words that reach it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from commands(child, (*path, name))


CASES = [
    (script, path, parser)
    for script, root in (("ehc", ehc_parser()), ("counter-pos", counter_pos_parser()))
    for path, parser in commands(root)
]


def test_the_walk_finds_every_command() -> None:
    found = {(script, " ".join(path)) for script, path, _ in CASES}
    assert {("ehc", "hospitals add"), ("ehc", "db upgrade"), ("counter-pos", "run"),
            ("counter-pos", "sim-card")} <= found  # fmt: skip


@pytest.mark.parametrize(
    ("script", "path", "parser"), CASES, ids=[f"{s} {' '.join(p)}" for s, p, _ in CASES]
)
def test_every_option_has_a_help_line_with_its_default(
    script: str, path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    env = {**os.environ, "COLUMNS": "100"}
    shown = subprocess.run(
        [str(BIN / script), *path, "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "`" not in shown, "help shows literal backticks"
    assert parser.description, f"{script} {' '.join(path)} has no description"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        name = action.option_strings[0] if action.option_strings else action.dest
        assert action.help and action.help != argparse.SUPPRESS, f"{name} has no help line"
        assert action.help.split()[0] in shown, f"{name}'s help is not shown"
        if action.option_strings and not action.required:
            assert "default" in action.help, f"{name} does not name its default"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help, f"sub-command {choice.dest} has no help line"
