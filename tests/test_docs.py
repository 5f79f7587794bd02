"""The docs stay true: every setting and every command has its own row in the docs.

As datasette's tests/test_docs.py does, each item is looked up in its own place
(a row of the settings table, a row of the commands table of
docs/operations.md), not as a substring anywhere in the docs, and each is its
own test case, so a failure names what is undocumented.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer.main

from puerta.cli.main import app
from puerta.config import Settings

OPERATIONS = Path(__file__).resolve().parents[1] / "docs" / "operations.md"


def _table(heading: str) -> list[list[str]]:
    """The body rows (their cells) of the table in section ``## heading`` of operations.md."""
    section = OPERATIONS.read_text().split(f"\n## {heading}\n", 1)
    assert len(section) == 2, f"no '## {heading}' section in {OPERATIONS.name}"
    body = section[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("|")]
    assert len(rows) > 2, f"no table in '## {heading}'"
    assert set(rows[1].replace("|", "").split()) == {"---"}, rows[1]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[2:]]


@cache
def _settings_rows() -> dict[str, list[str]]:
    """Setting name -> its row; a row's first cell is exactly one `name`."""
    rows: dict[str, list[str]] = {}
    for cells in _table("Settings"):
        name = re.fullmatch(r"`(\w+)`", cells[0])
        assert name, f"not one `setting` in the first cell: {cells}"
        assert name[1] not in rows, f"{name[1]} has two rows"
        rows[name[1]] = cells
    return rows


def _command_of(usage: str) -> str:
    """``puerta draw verify --date YYYY-MM-DD`` -> ``puerta draw verify``."""
    words = []
    for word in usage.split():
        if not re.fullmatch(r"[a-z][a-z0-9-]*", word):
            break
        words.append(word)
    return " ".join(words)


@cache
def _command_rows() -> dict[str, list[str]]:
    """Command -> its row; every usage in a row's first cell is of that one command."""
    rows: dict[str, list[str]] = {}
    for cells in _table("Commands"):
        commands = {_command_of(u) for u in re.findall(r"`([^`]+)`", cells[0])}
        assert len(commands) == 1, f"a row documents one command: {cells[0]}"
        command = commands.pop()
        assert command not in rows, f"{command} has two rows"
        rows[command] = cells
    return rows


def _commands() -> list[str]:
    """Every command a person can run: the leaves, and groups that run on their own."""
    found: list[str] = []

    def walk(cmd: Any, path: str) -> None:  # typer's own click: groups have .commands
        subs = getattr(cmd, "commands", None)
        if subs is None or cmd.invoke_without_command:
            found.append(path)
        for name, sub in (subs or {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "puerta")
    return found


SETTINGS = sorted(Settings.model_fields)
COMMANDS = _commands()


@pytest.mark.parametrize("name", SETTINGS)
def test_setting_has_its_own_row(name: str) -> None:
    row = _settings_rows().get(name)
    assert row is not None, f"`{name}` has no row in the settings table of operations.md"
    assert len(row) == 3, row
    assert all(row), f"`{name}`: a row gives the default and the meaning: {row}"


def test_the_settings_table_documents_only_settings() -> None:
    assert sorted(_settings_rows()) == SETTINGS


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_its_own_row(command: str) -> None:
    row = _command_rows().get(command)
    assert row is not None, f"`{command}` has no row in the commands table of operations.md"
    assert len(row) == 2, row
    assert row[1], f"`{command}`: a row says what it does"


def test_the_commands_table_documents_only_commands() -> None:
    assert sorted(_command_rows()) == sorted(COMMANDS)
    assert {"puerta synth", "puerta synth report", "puerta db upgrade"} <= set(COMMANDS)
