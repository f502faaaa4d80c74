"""``pantau demo``: a terminal chat with the real application on an offline transport.

Nothing is sent to Telegram. The demo has its own SQLite file, seeded from the story's tracker
(shipped inside the package) when it is new, and its own clock: a new demo starts on the day of
the news story behind Pantau; a restarted one continues where it stopped, its clock from the
last thing that happened and its message ids after the last ones recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.cli_common import CliError, load_settings, ready_engine
from bot.context import PantauApp
from bot.demo_time import DemoClock, advance, describe, parse_clock, register_jobs, tap
from bot.files import write_private
from bot.offline import (
    ChatRef,
    OfflineBotAPI,
    Person,
    SentMessage,
    UpdateFactory,
    html_to_text,
)
from domain.i18n import language
from domain.parsing import impossible_date
from domain.spec import ImportSpec, SpecError, load_spec, report_lines
from domain.views import Role
from services.imports import ImportRefused, apply_spec
from storage import history as history_store
from storage import members as member_store
from storage import trackers as tracker_store
from storage.db import session_scope

SEED_NAME = "tiktok-tokopedia.toml"
STORY_DAY = date(2024, 2, 23)  # the day of the news report the seed tells
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


def demo_clock(start: datetime) -> DemoClock:
    """Real time flowing from ``start`` (``:clock`` moves it forward)."""
    return DemoClock(start.astimezone(UTC))


def morning_of(day: date, tz_name: str) -> datetime:
    """09:00 local on ``day``: when a demo day starts."""
    return datetime.combine(day, datetime.min.time(), ZoneInfo(tz_name)) + timedelta(hours=9)


def parse_today(text: str) -> date:
    """``--today``: a real ``YYYY-MM-DD``, or one line naming what is wrong with it."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise CliError(f"--today {text!r}: write the date as YYYY-MM-DD, e.g. 2024-02-23")
    try:
        return date.fromisoformat(text)
    except ValueError:
        reason = html_to_text(impossible_date(text).render("en"))
        raise CliError(f"--today {reason}") from None


def read_seed(path: str | None) -> tuple[str, str]:
    """``(where, text)`` of the seed: a file given with --seed, or the one Pantau ships."""
    if path is None:
        resource = files("bot").joinpath("seeds", SEED_NAME)
        return f"the built-in seed {SEED_NAME}", resource.read_text(encoding="utf-8")
    try:
        return path, Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read the demo seed {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CliError(f"the demo seed {path} is not UTF-8 text; save it as UTF-8") from None


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
    today = parse_today(args.today) if args.today else None
    where, text = read_seed(args.seed)
    try:
        base = load_settings()
        # The demo's language: its chats read it, and the seed's titles and notes are in it.
        lang = language(getattr(args, "lang", None) or base.pantau_language)
        spec = load_spec(text).in_language(lang)
    except SpecError as exc:
        raise CliError(f"{where}: {exc}") from None

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
    tz_name = spec.tracker.timezone
    engine = ready_engine(settings)
    with session_scope(engine) as session:
        resume = history_store.resume_point(session)
        new = tracker_store.get_tracker(session, key=spec.tracker.key) is None
        if new:  # the seed only makes a new demo: a restart keeps what was done since
            start = morning_of(today or STORY_DAY, tz_name)
            last_report = max((report.at for report in spec.reports), default=None)
            if today is not None and last_report is not None and last_report > start:
                raise CliError(
                    f"--today {today}: the demo's story has reports until "
                    f"{last_report:%d %b %Y}; choose that day or a later one"
                )
            try:
                apply_spec(session, spec=spec, now=start, lines=report_lines(text))
            except ImportRefused as exc:
                raise CliError(f"{where} {exc.problems[0]}") from None
        elif today is not None:
            start = morning_of(today, tz_name)
            if resume.last_event is not None and resume.last_event > start:
                print(
                    f"pantau demo: note that this demo already holds events up to "
                    f"{resume.last_event.astimezone(ZoneInfo(tz_name)):%d %b %Y %H:%M}; reports "
                    "made earlier than those do not count as the latest (--reset starts over)",
                    file=sys.stderr,
                )
        else:  # continue one minute after the last thing that happened
            last = resume.last_event or morning_of(STORY_DAY, tz_name)
            start = max(last + timedelta(minutes=1), morning_of(STORY_DAY, tz_name))
        tracker = tracker_store.get_tracker(session, key=spec.tracker.key)
        roles = {
            member.user_id: member_store.role_of(
                session, tracker_id=tracker.id, user_id=member.user_id
            )
            for member in spec.members
            if tracker is not None and tracker.id is not None
        }
    clock = demo_clock(start.astimezone(UTC))
    api = OfflineBotAPI(clock)
    application = build_application(settings, request=api, engine=engine, clock=clock)
    opening = Opening(
        start=start.astimezone(ZoneInfo(tz_name)),
        db_path=db_path,
        continued=not new,
        roles=roles,
        first_message_id=resume.message_id + 1,
        first_update_id=resume.update_id + 1,
    )
    return asyncio.run(_chat(application, api, spec, opening))


@dataclass(frozen=True, slots=True)
class Opening:
    """Where the demo starts: the clock, the file, and the ids to continue from."""

    start: datetime  # local time of the tracker
    db_path: Path
    continued: bool
    roles: dict[int, Role | None]
    first_message_id: int
    first_update_id: int


async def _chat(
    application: PantauApp,
    api: OfflineBotAPI,
    spec: ImportSpec,
    opening: Opening,
) -> int:
    clock = application.bot_data.clock
    db_path = opening.db_path
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
        factory = UpdateFactory(
            application.bot,
            clock,
            first_update_id=opening.first_update_id,
            first_message_id=opening.first_message_id,
        )
        await register_jobs(application)
        if interactive:
            print(banner(opening, state, application.bot.username))
        else:  # a pipe: say where the demo stands, out of the way of the answers
            print(_where_line(opening), file=sys.stderr)
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
    print(
        f"Demo stopped; everything is kept in {db_path}: `pantau demo` continues from here.",
        file=sys.stderr,
    )
    return 0


def _read_line(prompt: str, interactive: bool) -> str:
    """One line from the person (blocking: called in a worker thread)."""
    return input(prompt) if interactive else sys.stdin.readline()


def _full(person: Person) -> str:
    return f"{person.first_name} {person.last_name}" if person.last_name else person.first_name


def _where_line(opening: Opening) -> str:
    how = "continuing" if opening.continued else "new"
    return (
        f"Pantau demo ({how}): {opening.start:%a %d %b %Y %H:%M} {opening.start.tzname()}; "
        f"data in {opening.db_path}"
    )


def banner(opening: Opening, state: DemoState, bot_username: str) -> str:
    """What the demo is, who you can be (with their @usernames) and what to try."""
    lines = [
        f"Pantau demo: the real bot, @{bot_username}, offline — nothing is sent to Telegram.",
        f"{_where_line(opening)} (--reset starts over).",
        f"You are {_full(state.person)} in {state.chat.title or 'a private chat'}. "
        "You can be (with :as NAME):",
    ]
    for name, person in state.people.items():
        role = opening.roles.get(person.id)
        what = role.value if role is not None else "no role"
        handle = f" @{person.username}" if person.username else ""
        lines.append(f"  {name:<6} {_full(person)}{handle} — {what}")
    lines.append(
        "Try /status, /update sellers 60 merchant migration going well, /history sellers."
    )
    lines.append(HELP)
    return "\n".join(lines) + "\n"
