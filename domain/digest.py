"""Digests, deadline reminders and quiet nudges: what each scheduled notice says."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from domain.progress import overall_percent, round_percent
from domain.render import days_left_text, fmt_date, fmt_delta
from domain.views import Snapshot, WorkstreamView


@dataclass(frozen=True, slots=True)
class Figures:
    """What a digest showed, kept so the next digest can show the changes since."""

    overall: float
    percents: dict[str, int]

    def dumps(self) -> str:
        return json.dumps({"overall": self.overall, "percents": self.percents}, sort_keys=True)

    @staticmethod
    def loads(text: str | None) -> Figures | None:
        if not text:
            return None
        data = json.loads(text)
        return Figures(float(data["overall"]), {k: int(v) for k, v in data["percents"].items()})

    @staticmethod
    def of(snapshot: Snapshot) -> Figures:
        return Figures(
            overall_percent(snapshot.workstreams),
            {ws.key: ws.percent for ws in snapshot.workstreams},
        )


def silent_since(ws: WorkstreamView, fallback: datetime) -> datetime:
    """Since when a workstream has had no report: its latest, else its creation."""
    if ws.latest is not None:
        return ws.latest.created_at
    return ws.created_at or fallback


def quiet_workstreams(
    snapshot: Snapshot, now: datetime, fallback: datetime
) -> list[tuple[WorkstreamView, datetime]]:
    """Active workstreams below 100% with no report for the tracker's quiet threshold."""
    threshold = timedelta(days=snapshot.tracker.quiet_days)
    quiet = []
    for ws in snapshot.workstreams:
        since = silent_since(ws, fallback)
        if ws.percent < 100 and now - since >= threshold:
            quiet.append((ws, since))
    return quiet


def _local_day(moment: datetime, tz_name: str) -> str:
    local = moment.astimezone(ZoneInfo(tz_name))
    return f"{local.day} {local:%b}"


def render_digest(
    snapshot: Snapshot,
    previous: Figures | None,
    *,
    today: date,
    now: datetime,
    fallback: datetime,
    late_for: datetime | None = None,
) -> str:
    tracker = snapshot.tracker
    overall = overall_percent(snapshot.workstreams)
    lines = [f"🗞 <b>Digest · {escape(tracker.title)}</b>"]
    if late_for is not None:
        local = late_for.astimezone(ZoneInfo(tracker.timezone))
        lines.append(f"<i>Late: due {local.day} {local:%b %H:%M}, sent when the bot was back.</i>")
    change = (
        f" ({fmt_delta(overall - previous.overall)} since the last digest)" if previous else ""
    )
    lines.append(
        f"<b>{round_percent(overall)}%</b> overall{change} · "
        f"{days_left_text(tracker.deadline, today)} ({fmt_date(tracker.deadline)})"
    )
    lines.append("")
    for ws in snapshot.workstreams:
        delta = ""
        if previous is not None:
            before = previous.percents.get(ws.key)
            delta = f" ({fmt_delta(ws.percent - before)})" if before is not None else " (new)"
        who = (
            f" — {escape(ws.latest.reporter_name)}, "
            f"{_local_day(ws.latest.created_at, tracker.timezone)}"
            if ws.latest
            else " — no report yet"
        )
        lines.append(f"• {escape(ws.title)} <b>{ws.percent}%</b>{delta}{who}")
    if not snapshot.workstreams:
        lines.append("No workstreams yet.")
    quiet = quiet_workstreams(snapshot, now, fallback)
    if quiet:
        lines.append("")
        names = ", ".join(escape(ws.title) for ws, _ in quiet)
        lines.append(f"😴 No report for {tracker.quiet_days}+ days: {names}")
    return "\n".join(lines)


def render_deadline_notice(snapshot: Snapshot, *, today: date, late: bool = False) -> str:
    tracker = snapshot.tracker
    left = (tracker.deadline - today).days
    overall = round_percent(overall_percent(snapshot.workstreams))
    title = escape(tracker.title)
    if left > 0:
        left_text = days_left_text(tracker.deadline, today)
        head = f"⏳ <b>{left_text}</b> until the deadline of <b>{title}</b>"
    elif left == 0:
        head = f"🚩 <b>Deadline day</b> for <b>{title}</b>"
    else:
        head = f"⚠️ <b>{title}</b> is <b>{days_left_text(tracker.deadline, today)}</b>"
    lines = [f"{head} ({fmt_date(tracker.deadline)})."]
    if late:
        lines.append("<i>Late: sent when the bot was back.</i>")
    behind = [ws for ws in snapshot.workstreams if ws.percent < 100]
    if not behind:
        lines.append(f"Overall <b>{overall}%</b>: every workstream is done. 🎉")
        return "\n".join(lines)
    lines.append(f"Overall <b>{overall}%</b>. Still below 100%:")
    lines.extend(f"• {escape(ws.title)} {ws.percent}%" for ws in behind)
    return "\n".join(lines)


def render_quiet_nudge(ws: WorkstreamView, since: datetime, *, tz_name: str, now: datetime) -> str:
    days = (now - since).days
    if ws.latest is not None:
        last = (
            f"last: {ws.latest.percent}% by {escape(ws.latest.reporter_name)} on "
            f"{_local_day(ws.latest.created_at, tz_name)}"
        )
    else:
        last = "never reported"
    return (
        f"😴 <b>{escape(ws.title)}</b> has had no report for {days} days ({last}).\n"
        f"News? Send <code>/update {escape(ws.key)} &lt;percent&gt; [note]</code>"
    )
