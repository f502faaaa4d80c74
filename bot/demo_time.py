"""The demo's clock and what it shows when time passes: ``:clock`` and ``:tap``.

``:clock +1d``, ``:clock +2h``, ``:clock 2024-03-01 09:00`` move the demo's clock and run,
in order, every scheduled job that falls due on the way (digests, reminders, quiet nudges,
check-ins) at its own moment, printing what would arrive: private messages marked as such,
buttons as ``[80%] [90%] [100%] [✍️ Other] [No change]``. ``:tap 90%`` presses a button on
the newest prompt, as the person it was sent to.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot import checkins, jobs
from bot.context import PantauApp
from bot.offline import OfflineBotAPI, Person, SentMessage, UpdateFactory

_SHIFT = re.compile(r"^\+(\d{1,4})([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@dataclass
class DemoClock:
    """Real time flowing from a start, which ``:clock`` moves forward."""

    start: datetime
    _origin: float = field(default_factory=time.monotonic)

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._origin)

    def set(self, moment: datetime) -> None:
        self.start = moment
        self._origin = time.monotonic()


def parse_clock(arg: str, now: datetime, tz_name: str) -> datetime | str:
    """Where ``:clock`` goes; a string says what to type instead."""
    arg = arg.strip()
    shift = _SHIFT.match(arg)
    if shift:
        return now + timedelta(**{_UNITS[shift.group(2)]: int(shift.group(1))})
    try:
        local = datetime.strptime(arg, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(tz_name))
    except ValueError:
        return "Type :clock +1d, :clock +2h, :clock +30m or :clock YYYY-MM-DD HH:MM"
    moment = local.astimezone(UTC)
    if moment <= now:
        return "The demo's clock only moves forward: give a later time"
    return moment


def due_jobs(
    application: PantauApp, after: datetime, until: datetime
) -> list[tuple[datetime, str]]:
    """Every cron job's fire times in ``(after, until]``, oldest first: (when, job name)."""
    job_queue = application.job_queue
    assert job_queue is not None
    found: list[tuple[datetime, str]] = []
    for job in job_queue.jobs():
        trigger = job.job.trigger
        if not isinstance(trigger, CronTrigger) or job.name is None:
            continue
        moment = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
        while moment is not None and moment <= until:
            found.append((moment, job.name))
            moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return sorted(found)


async def register_jobs(application: PantauApp) -> None:
    """What ``post_init`` does for a running bot: the jobs the database implies."""
    await jobs.register_all(application)
    await checkins.register_all(application)


async def advance(
    application: PantauApp,
    clock: DemoClock,
    target: datetime,
    show: Callable[[list[SentMessage]], None],
    api: OfflineBotAPI,
    tz_name: str,
) -> int:
    """Move the clock to ``target``, running each due job at its moment; how many ran."""
    job_queue = application.job_queue
    assert job_queue is not None
    ran = 0
    for moment, name in due_jobs(application, clock(), target):
        matching = job_queue.get_jobs_by_name(name)
        if not matching:
            continue  # removed by an earlier job (a chat that refused the bot)
        clock.set(moment)
        await matching[0].run(application)
        ran += 1
        arrived = api.take()
        if arrived:
            print(f"⏰ {moment.astimezone(ZoneInfo(tz_name)):%a %d %b %H:%M} · {name}")
            show(arrived)
    clock.set(max(target, clock()))
    return ran


def describe(message: SentMessage, people: dict[int, Person], groups: dict[int, str]) -> str:
    """Where a message arrives, for the demo's printout."""
    if message.chat_id > 0:
        person = people.get(message.chat_id)
        who = person.first_name if person else str(message.chat_id)
        return f"🔒 private chat of {who}{' (message edited)' if message.edited else ''}"
    where = groups.get(message.chat_id, str(message.chat_id))
    return f"💬 {where}{' (message edited)' if message.edited else ''}"


async def tap(
    application: PantauApp,
    api: OfflineBotAPI,
    factory: UpdateFactory,
    arg: str,
    people: dict[int, Person],
    fallback: Person,
) -> tuple[Person | None, str, bool]:
    """Press ``label`` (optionally under the workstream named after it) on the newest
    prompt, as the person it was sent to: who pressed (else what to type instead) and
    whether it was in their private chat."""
    label, _, workstream = arg.strip().partition(" ")
    if label.lower() in ("other", "✍️"):
        label, workstream = "✍️ Other", workstream.removeprefix("Other").strip()
    elif label.lower() == "no":
        label, workstream = "No change", workstream.removeprefix("change").strip()
    found = api.find_button(label, workstream=workstream or None)
    if found is None:
        return None, f"No button {label!r} on the newest prompt (try :tap 80%)", False
    prompt, data = found
    person = people.get(prompt.chat_id, fallback) if prompt.chat_id > 0 else fallback
    await application.process_update(factory.tap(prompt, data, sender=person))
    return person, "", prompt.chat_id > 0
