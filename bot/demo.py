"""``pantau demo``: a terminal chat with the real application on an offline transport.

Nothing is sent to Telegram. The demo has its own SQLite file, seeded from the example tracker,
and its own clock, set by default to the day of the news story behind Pantau.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.cli import CliError, load_settings, ready_engine
from bot.context import PantauApp
from bot.demo_time import DemoClock, advance, describe, parse_clock, register_jobs, tap
from bot.files import write_private
from bot.offline import ChatRef, OfflineBotAPI, Person, SentMessage, UpdateFactory
from domain.i18n import language
from domain.spec import ImportSpec, SpecError, load_spec
from storage.db import session_scope
from storage.importer import apply_spec

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = ROOT / "examples" / "tiktok-tokopedia.toml"
OUTSIDER = Person(1004, "Dewi", "Anggraini", "dewi_a")

_ANSI = {
    "b": ("\033[1m", "\033[22m"),
    "i": ("\033[3m", "\033[23m"),
    "code": ("\033[36m", "\033[39m"),
    "s": ("\033[9m", "\033[29m"),
    "u": ("\033[4m", "\033[24m"),
}
_TAG = re.compile(r"<(/?)([a-z-]+)[^>]*>")


def to_terminal(source: str, *, color: bool) -> str:
    """Telegram HTML as a person would read it: styled on a terminal, plain otherwise."""

    def swap(match: re.Match[str]) -> str:
        codes = _ANSI.get(match.group(2))
        if not color or codes is None:
            return ""
        return codes[1] if match.group(1) else codes[0]

    return html.unescape(_TAG.sub(swap, source))


@dataclass
class DemoState:
    person: Person
    chat: ChatRef
    people: dict[str, Person]
    groups: dict[str, ChatRef]

    def prompt(self) -> str:
        where = self.chat.title if self.chat.id < 0 else "private chat"
        return f"{self.person.first_name} in {where}> "


def demo_clock(today: date, tz_name: str) -> DemoClock:
    """Real time flowing from 09:00 local on ``today`` (``:clock`` moves it forward)."""
    return DemoClock.at_nine(today, tz_name)


HELP = """Demo commands (everything else goes to the bot):
  :as NAME      speak as ayu (admin), budi or sari (reporters), or dewi (no role)
  :group        the staff group     :managers   the managers' group
  :private      a private chat with the bot
  :clock +1d    move time on (+2h, +30m, or 2024-03-01 09:00) and run the jobs due on the way
  :tap 90%      press a button on the newest prompt (:tap Other, :tap No change)
  :help         this list           :quit       leave (Ctrl-D works too)"""


def _people(spec: ImportSpec) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for member in spec.members:
        first, _, last = (member.name or str(member.user_id)).partition(" ")
        username = member.username.lstrip("@") if member.username else None
        people[first.lower()] = Person(member.user_id, first, last or None, username)
    people[OUTSIDER.first_name.lower()] = OUTSIDER
    return people


def _meta(line: str, state: DemoState) -> str | None:
    """Handle a ``:command``; returns what to print, or None to quit."""
    word, _, arg = line[1:].partition(" ")
    word = word.lower()
    if word in ("quit", "exit", "q"):
        return None
    if word == "as":
        person = state.people.get(arg.strip().lower())
        if person is None:
            return f"Unknown person; choose one of: {', '.join(state.people)}"
        state.person = person
        if state.chat.id > 0:
            state.chat = ChatRef(person.id)
        return f"You are now {person.first_name}."
    if word in state.groups:
        state.chat = state.groups[word]
        return f"Now in {state.chat.title}."
    if word == "private":
        state.chat = ChatRef(state.person.id)
        return "Now in your private chat with the bot."
    return HELP


def run_demo(args: argparse.Namespace) -> int:
    """Prepare the demo database (blocking, before the event loop starts), then chat."""
    try:
        today = date.fromisoformat(args.today)
    except ValueError:
        raise CliError(f"--today {args.today!r}: write the date as YYYY-MM-DD") from None
    seed_path = Path(args.seed) if args.seed else DEFAULT_SEED
    base = load_settings()
    # The demo's language: its chats read it, and the seed's titles and notes are in it.
    lang = language(getattr(args, "lang", None) or base.pantau_language)
    try:
        spec = load_spec(seed_path.read_text(encoding="utf-8")).in_language(lang)
    except OSError as exc:
        raise CliError(f"cannot read the demo seed {seed_path}: {exc.strerror}") from None
    except SpecError as exc:
        raise CliError(f"{seed_path}: {exc}") from None

    db_path = Path(args.db)
    if args.reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    settings = base.model_copy(
        update={
            "database_url": f"sqlite:///{db_path}",
            "telegram_bot_token": None,
            "pantau_admin_ids": frozenset(),
            "pantau_language": lang,
        }
    )
    clock = demo_clock(today, spec.tracker.timezone)
    engine = ready_engine(settings)
    with session_scope(engine) as session:
        apply_spec(session, spec=spec, now=clock())

    api = OfflineBotAPI(clock)
    application = build_application(settings, request=api, engine=engine, clock=clock)
    return asyncio.run(_chat(application, api, spec, today, db_path))


async def _chat(
    application: PantauApp,
    api: OfflineBotAPI,
    spec: ImportSpec,
    today: date,
    db_path: Path,
) -> int:
    clock = application.bot_data.clock
    people = _people(spec)
    groups = {
        name: ChatRef(chat.chat_id, chat.title)
        for name, chat in zip(("group", "managers"), spec.chats, strict=False)
    }
    admin = next(p for p in people.values() if p.id == spec.members[0].user_id)
    state = DemoState(admin, groups.get("group", ChatRef(admin.id)), people, groups)
    interactive = sys.stdin.isatty()
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ

    by_id = {p.id: p for p in people.values()}
    group_titles = {chat.id: chat.title or str(chat.id) for chat in groups.values()}

    def show(messages: list[SentMessage], *, where: bool = True) -> None:
        for message in messages:
            if where:
                print(describe(message, by_id, group_titles))
            print(to_terminal(message.html, color=color))
            for line in message.button_lines():
                print(line)
            print()

    async with application:
        factory = UpdateFactory(application.bot, clock)
        await register_jobs(application)
        if interactive:
            _banner(today, db_path)
        while True:
            try:
                line = await asyncio.to_thread(_read_line, state.prompt(), interactive)
            except EOFError:
                break
            if not interactive and not line:
                break
            line = line.strip()
            if not line:
                continue
            if not interactive:
                print(f"{state.prompt()}{line}")
            word, _, arg = line[1:].partition(" ")
            if line.startswith(":") and word.lower() == "clock" and isinstance(clock, DemoClock):
                target = parse_clock(arg, clock(), spec.tracker.timezone)
                if isinstance(target, str):
                    print(target)
                    continue
                ran = await advance(application, clock, target, show, api, spec.tracker.timezone)
                local = clock().astimezone(ZoneInfo(spec.tracker.timezone))
                print(f"🕘 Now {local:%a %d %b %Y %H:%M} ({ran} scheduled job runs on the way)")
                continue
            if line.startswith(":") and word.lower() == "tap":
                pressed, problem, private = await tap(
                    application, api, factory, arg, by_id, state.person
                )
                if pressed is None:
                    print(problem)
                    continue
                if private:  # what they type next (after ✍️ Other) goes to that chat
                    state.person, state.chat = pressed, ChatRef(pressed.id)
                print(f"({pressed.first_name} taps {arg.strip()})")
                show(api.take())
                continue
            if line.startswith(":"):
                said = _meta(line, state)
                if said is None:
                    break
                print(said)
                continue
            update = factory.message(line, sender=state.person, chat=state.chat)
            await application.process_update(update)
            await application.bot.outbox.drain()  # replies leave after the handler returns
            show(api.take(), where=False)
            for sent in api.files:  # a chat shows a picture or a file: here, a path to open
                path = db_path.parent / f"demo-{sent.filename}"
                write_private(path, sent.content)
                caption = to_terminal(sent.caption or "", color=color)
                print(f"{caption}\n📎 saved to {path} ({len(sent.content):,} bytes)\n")
            api.files.clear()
            if api.unknown:
                print(f"(the bot called unknown methods: {api.unknown})", file=sys.stderr)
                api.unknown.clear()
    return 0


def _read_line(prompt: str, interactive: bool) -> str:
    """One line from the person (blocking: called in a worker thread)."""
    return input(prompt) if interactive else sys.stdin.readline()


def _banner(today: date, db_path: Path) -> None:
    print(
        "Pantau demo: the real bot, offline — nothing is sent to Telegram.\n"
        f"Today is {today:%d %b %Y}; data in {db_path} (use --reset to start over).\n"
        "Try /status, /update sellers 60 merchant migration going well, /history sellers.\n"
        f"{HELP}\n"
    )
