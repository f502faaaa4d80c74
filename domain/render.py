"""Replies as Telegram HTML. Every piece of user-supplied text goes through ``escape``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from domain.progress import days_left, overall_percent, progress_bar, round_percent
from domain.views import ReportView, Role, Snapshot, TrackerView, WorkstreamView


def fmt_date(day: date) -> str:
    """``12 Apr 2024``: unambiguous for Indonesian and English readers alike."""
    return f"{day.day} {day:%b %Y}"


def fmt_time(moment: datetime, tz_name: str, today: date | None = None) -> str:
    """``20 Feb 14:05`` in the tracker's timezone; the year only when it is not this year."""
    local = moment.astimezone(ZoneInfo(tz_name))
    if today is not None and local.year != today.year:
        return f"{local.day} {local:%b %Y %H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def fmt_delta(delta: float) -> str:
    points = round(delta)
    if points == 0:
        return "±0"
    return f"{points:+d}"


def days_left_text(deadline: date, today: date) -> str:
    left = days_left(deadline, today)
    if left > 1:
        return f"{left} days left"
    if left == 1:
        return "1 day left"
    if left == 0:
        return "due today"
    if left == -1:
        return "1 day overdue"
    return f"{-left} days overdue"


def deadline_line(tracker: TrackerView, today: date) -> str:
    return f"deadline {fmt_date(tracker.deadline)} · {days_left_text(tracker.deadline, today)}"


def _sentence(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case month names)."""
    return text[:1].upper() + text[1:]


def _header(tracker: TrackerView) -> list[str]:
    lines = [f"📊 <b>{escape(tracker.title)}</b>"]
    if tracker.regulation:
        lines.append(f"<i>{escape(tracker.regulation)}</i>")
    return lines


def _workstream_line(ws: WorkstreamView, tz_name: str, today: date) -> list[str]:
    bar = progress_bar(ws.percent)
    lines = [f"<code>{bar} {ws.percent:>3}%</code> {escape(ws.title)}"]
    if ws.latest is None:
        lines.append("   └ no report yet")
    else:
        when = fmt_time(ws.latest.created_at, tz_name, today)
        lines.append(f"   └ {escape(ws.latest.reporter_name)}, {when}")
    return lines


def render_status(snapshot: Snapshot, today: date) -> str:
    tracker = snapshot.tracker
    overall = overall_percent(snapshot.workstreams)
    lines = _header(tracker)
    lines.append(f"<b>{round_percent(overall)}%</b> overall · {deadline_line(tracker, today)}")
    if not snapshot.workstreams:
        lines.append("")
        lines.append("No workstreams yet: an admin adds one with /workstream add &lt;key&gt;.")
        return "\n".join(lines)
    lines.append("")
    for ws in snapshot.workstreams:
        lines.extend(_workstream_line(ws, tracker.timezone, today))
    missing = [ws for ws in snapshot.workstreams if ws.latest is None]
    if missing:
        names = ", ".join(escape(ws.title) for ws in missing)
        lines.append("")
        lines.append(f"⚠️ Never reported: {names}")
    return "\n".join(lines)


def _report_line(report: ReportView, tz_name: str, today: date) -> list[str]:
    when = fmt_time(report.created_at, tz_name, today)
    head = f"{when} · <b>{report.percent}%</b> · {escape(report.reporter_name)}"
    if report.retracted_at is not None:
        head = f"<s>{head}</s> (undone)"
    lines = [head]
    if report.note:
        lines.append(f"   <i>{escape(report.note)}</i>")
    return lines


def render_workstream_status(
    tracker: TrackerView, ws: WorkstreamView, reports: Sequence[ReportView], today: date
) -> str:
    lines = _header(tracker)
    lines.append(_sentence(deadline_line(tracker, today)))
    lines.append("")
    lines.extend(_workstream_line(ws, tracker.timezone, today))
    lines.append("")
    lines.append(f"Last {len(reports)} report{'s' if len(reports) != 1 else ''}:")
    if not reports:
        lines.append("none yet")
    for report in reports:
        lines.extend(_report_line(report, tracker.timezone, today))
    return "\n".join(lines)


def render_history(
    tracker: TrackerView, ws: WorkstreamView, reports: Sequence[ReportView], today: date
) -> str:
    count = len(reports)
    lines = [f"🗂 <b>{escape(ws.title)}</b> — last {count} report{'s' if count != 1 else ''}"]
    if not reports:
        lines.append(f"No reports yet. Send {_example_update(ws.key)}")
    for report in reports:
        lines.extend(_report_line(report, tracker.timezone, today))
    return "\n".join(lines)


def _example_update(key: str) -> str:
    return f"<code>/update {escape(key)} 50</code>"


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """What /update or /undo changed, for the reply."""

    snapshot: Snapshot  # after the change
    workstream: WorkstreamView  # after the change
    previous_percent: int  # the workstream's value before
    previous_overall: float
    note: str | None = None


def render_update(outcome: ReportOutcome, today: date) -> str:
    ws = outcome.workstream
    overall = overall_percent(outcome.snapshot.workstreams)
    change = fmt_delta(ws.percent - outcome.previous_percent)
    overall_change = fmt_delta(overall - outcome.previous_overall)
    lines = [
        f"✅ <b>{escape(ws.title)}</b>: {ws.percent}% ({change})",
        f"Overall <b>{round_percent(overall)}%</b> ({overall_change}) · "
        f"{days_left_text(outcome.snapshot.tracker.deadline, today)}",
    ]
    if outcome.note:
        lines.append(f"📝 <i>{escape(outcome.note)}</i>")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class UndoOutcome:
    undone: ReportView
    workstream_title: str
    snapshot: Snapshot  # after the undo


def render_undo(outcome: UndoOutcome, today: date) -> str:
    tracker = outcome.snapshot.tracker
    overall = overall_percent(outcome.snapshot.workstreams)
    title = escape(outcome.workstream_title)
    lines = [
        f"↩️ Undone: <b>{title}</b> {outcome.undone.percent}% "
        f"from {fmt_time(outcome.undone.created_at, tracker.timezone, today)}."
    ]
    current = next(
        (ws for ws in outcome.snapshot.workstreams if ws.key == outcome.undone.workstream_key),
        None,
    )
    now_part = f"{title} is now {current.percent}% · " if current is not None else ""
    lines.append(
        f"{now_part}overall <b>{round_percent(overall)}%</b> · "
        f"{days_left_text(tracker.deadline, today)}"
    )
    return "\n".join(lines)


def render_workstreams(snapshot: Snapshot) -> str:
    tracker = snapshot.tracker
    lines = [f"🧩 <b>{escape(tracker.title)}</b> — workstreams"]
    if not snapshot.workstreams:
        lines.append("None yet: an admin adds one with /workstream add &lt;key&gt; [title].")
    total = sum(ws.weight for ws in snapshot.workstreams) or 1.0
    for ws in snapshot.workstreams:
        share = round(ws.weight / total * 100)
        lines.append(
            f"<code>{escape(ws.key)}</code> {escape(ws.title)} · weight {fmt_weight(ws.weight)} "
            f"({share}%)"
        )
    return "\n".join(lines)


def fmt_weight(weight: float) -> str:
    return f"{weight:g}"


def render_tracker_linked(tracker: TrackerView, today: date, *, created: bool) -> str:
    verb = "Created" if created else "Linked this chat to"
    lines = [
        f"🔗 {verb} <b>{escape(tracker.title)}</b> (<code>{escape(tracker.key)}</code>).",
        _sentence(deadline_line(tracker, today)),
    ]
    if created:
        lines.append(
            "Next: <code>/workstream add payments Payments</code>, then "
            "<code>/grant @username reporter</code>."
        )
    return "\n".join(lines)


def render_deadline(tracker: TrackerView, today: date, *, changed_from: date | None) -> str:
    if changed_from is not None:
        return (
            f"📅 Deadline of <b>{escape(tracker.title)}</b> moved from "
            f"{fmt_date(changed_from)} to {fmt_date(tracker.deadline)} · "
            f"{days_left_text(tracker.deadline, today)}"
        )
    return f"📅 <b>{escape(tracker.title)}</b>: {deadline_line(tracker, today)}"


@dataclass(frozen=True, slots=True)
class HelpEntry:
    command: str
    text: str
    role: Role | None  # None: anyone in a linked chat


HELP: tuple[HelpEntry, ...] = (
    HelpEntry("/status [workstream]", "where things stand", None),
    HelpEntry("/workstreams", "the workstreams and their weights", None),
    HelpEntry("/history &lt;workstream&gt; [n]", "the last reports with notes", None),
    HelpEntry("/deadline", "the deadline and days left", None),
    HelpEntry("/digest", "post the digest now", None),
    HelpEntry("/schedule", "when digests come here", None),
    HelpEntry(
        "/update &lt;workstream&gt; &lt;percent&gt; [note]", "report progress", Role.REPORTER
    ),
    HelpEntry("/undo", "take back your last report", Role.REPORTER),
    HelpEntry("/setup &lt;key&gt; [YYYY-MM-DD] [title]", "create or link a tracker", Role.ADMIN),
    HelpEntry("/workstream add &lt;key&gt; [weight=N] [title]", "add a workstream", Role.ADMIN),
    HelpEntry("/workstream remove &lt;key&gt;", "archive a workstream", Role.ADMIN),
    HelpEntry("/grant &lt;@user|id&gt; &lt;reporter|admin&gt;", "give a role", Role.ADMIN),
    HelpEntry("/revoke &lt;@user|id&gt;", "take a role away", Role.ADMIN),
    HelpEntry("/deadline YYYY-MM-DD", "move the deadline", Role.ADMIN),
    HelpEntry("/schedule daily|weekdays|mon…sun HH:MM | off", "digests for this chat", Role.ADMIN),
    HelpEntry("/quiet &lt;days&gt;", "days of silence before a nudge", Role.ADMIN),
)

_INTRO = (
    "👋 <b>Pantau</b> tracks progress towards a compliance deadline.\n"
    "Staff report with <code>/update payments 100</code>; anyone here asks /status."
)


def render_help(
    tracker: TrackerView | None, role: Role | None, *, can_create: bool, private: bool
) -> str:
    lines = [_INTRO, ""]
    if tracker is None:
        if private and role is None:
            lines.append("You are not a member of any tracker yet.")
        elif not private:
            lines.append("This chat is not linked to a tracker yet.")
        if can_create:
            setup = next(entry for entry in HELP if entry.command.startswith("/setup"))
            lines.append(f"• {setup.command} — {setup.text}")
        else:
            lines.append(
                "An admin links it with <code>/setup &lt;tracker-key&gt;</code>; ask them to "
                "add you with /grant."
            )
        return "\n".join(lines)
    lines.append(
        f"Tracker: <b>{escape(tracker.title)}</b>" + (f" · you are {role}" if role else "")
    )
    allowed = {None, Role.REPORTER, Role.ADMIN} if role is Role.ADMIN else {None, role}
    for entry in HELP:
        if entry.role in allowed:
            lines.append(f"• {entry.command} — {entry.text}")
    if role is None:
        lines.append("To report progress, ask an admin to /grant you the reporter role.")
    return "\n".join(lines)
