"""The README's tables are the command table's: "who may do what" under *Security model*
is generated from bot/commands.py here, and *Commands* names every command."""

from __future__ import annotations

from pathlib import Path

from bot.access import Command, Place, Rank
from bot.commands import COMMANDS

README = Path(__file__).resolve().parent.parent / "README.md"
RANK_WORDS = {Rank.NONE: "anyone", Rank.REPORTER: "reporter", Rank.ADMIN: "admin"}
RANK_WORDS[Rank.OPERATOR] = "operator"


def _cell(command: Command, place: Place) -> str:
    access = command.access(place)
    if access is None:
        return "—"
    text = RANK_WORDS[access.use]
    if access.change is not None and access.change != access.use:
        text += f"; {RANK_WORDS[access.change]} to change"
    elif access.change is not None:
        text += ", also to change"
    return text


def _notes(command: Command) -> str:
    notes = []
    if command.key_rank is not None:
        notes.append(f"{RANK_WORDS[command.key_rank]} of the tracker `<key>` names")
    if command.creates:
        notes.append("a new key: operators (anyone if `PANTAU_ADMIN_IDS` is empty)")
    if command.writes:
        notes.append("not on an archived tracker")
    elif any((a := command.access(p)) is not None and a.change for p in Place):
        notes.append("changing: not on an archived tracker" if not command.change_is_chat else "")
    if command.edit_handler is not None:
        notes.append("an edit corrects it within 48 h")
    return "; ".join(n for n in notes if n)


def security_table() -> str:
    """The README's "who may do what" table, generated from the command table."""
    lines = [
        "| command | linked group | unlinked group | private chat | also |",
        "| --- | --- | --- | --- | --- |",
    ]
    for command in COMMANDS:
        cells = [_cell(command, place) for place in (Place.LINKED, Place.UNLINKED, Place.PRIVATE)]
        if command.where.private_linked is not None:
            cells[2] += f" (one that follows a tracker: {_cell(command, Place.PRIVATE_LINKED)})"
        lines.append(f"| `/{command.name}` | {' | '.join(cells)} | {_notes(command)} |")
    return "\n".join(lines)


def test_readme_security_model_table_is_the_command_table() -> None:
    table = security_table()
    assert table in README.read_text(encoding="utf-8"), (
        "README.md's table under 'Security model' differs from bot/commands.py; "
        f"paste this:\n{table}"
    )


def test_readme_commands_table_lists_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    commands = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for command in COMMANDS:
        assert f"`/{command.name}" in commands, command.name
