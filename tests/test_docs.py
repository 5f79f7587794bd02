"""The docs stay true: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from puerta.cli.main import app
from puerta.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "operations.md").read_text()
    missing = [name for name in Settings.model_fields if f"`{name}`" not in text]
    assert missing == []


def _commands(group: typer.Typer, prefix: str = "puerta") -> list[str]:
    click_group = typer.main.get_command(group)
    found: list[str] = []

    def walk(cmd, path: str) -> None:  # type: ignore[no-untyped-def]
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{path} {name}")
        else:
            found.append(path)

    walk(click_group, prefix)
    return found


def test_every_command_is_documented() -> None:
    text = (DOCS / "operations.md").read_text() + (DOCS.parent / "README.md").read_text()
    for doc in DOCS.glob("*.md"):
        text += doc.read_text()
    missing = [c for c in _commands(app) if f"`{c}" not in text]
    assert missing == []
