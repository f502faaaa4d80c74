"""Replies as Telegram HTML, in the chat's language. User text is escaped by ``t``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from domain.forecast import Forecast, Insight, State
from domain.i18n import Html, code, code_msg, msg, t
from domain.locale import days_left_text, fmt_date, fmt_delta, fmt_number, fmt_time
from domain.progress import overall_percent, progress_bar, round_percent
from domain.trail import Kind
from domain.views import FileFacts, ReportView, Role, Snapshot, TrackerView, WorkstreamView

# The catalogue key of each value shown by name: literals, so a search for a key finds its use
# (tests/test_message_keys.py reads them).
ROLE_NAME: dict[Role, str] = {Role.ADMIN: "role_admin", Role.REPORTER: "role_reporter"}
STATE_TEXT: dict[State, str] = {
    State.DONE: "state_done",
    State.ON_TRACK: "state_on_track",
    State.AT_RISK: "state_at_risk",
    State.STALLED: "state_stalled",
    State.OVERDUE: "state_overdue",
    State.NO_DATA: "state_no_data",
}
# A tracker's moves and archiving, as /trackers lists them for its admins.
EVENT_TEXT: dict[str, str] = {
    Kind.LINKED: "event_chat_linked",
    Kind.MOVED_AWAY: "event_chat_moved_away",
    Kind.ARCHIVED: "event_archived",
    Kind.RESTORED: "event_restored",
    Kind.FOLLOWED: "event_chat_followed",
    Kind.UNFOLLOWED: "event_chat_unfollowed",
}
# Why a file was recorded without a copy (``FileFacts.note``).
EVIDENCE_NOTE: dict[str, str] = {
    "too_big": "evidence_too_big",
    "unavailable": "evidence_unavailable",
    "not_writable": "evidence_not_writable",
}


def sentence(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case month names)."""
    return text[:1].upper() + text[1:]


def deadline_line(tracker: TrackerView, today: date, lang: str) -> str:
    return t(
        lang,
        "deadline_line",
        date=fmt_date(tracker.deadline, lang),
        left=days_left_text(tracker.deadline, today, lang),
    )


def header(tracker: TrackerView) -> list[str]:
    lines = [f"📊 <b>{escape(tracker.title)}</b>"]
    if tracker.regulation:
        lines.append(f"<i>{escape(tracker.regulation)}</i>")
    return lines


def state_text(state: State, lang: str) -> str:
    return t(lang, STATE_TEXT[state])


def _trend(forecast: Forecast | None, lang: str) -> str:
    if forecast is None:
        return ""
    state = state_text(forecast.state, lang)
    if forecast.pace is None or forecast.state is State.DONE:
        return f" · {state}"
    pace = Html(fmt_number(forecast.pace, lang, signed=True))
    return " · " + t(lang, "ws_trend", state=Html(state), pace=pace)


def whole_line(forecast: Forecast, lang: str) -> str:
    state = Html(state_text(forecast.state, lang))
    if forecast.pace is None:
        return t(lang, "whole_no_data", state=state)
    # "perkiraan selesai …": a projection, never read as a finish that happened.
    finish = (
        t(lang, "finish_on", date=Html(fmt_date(forecast.finish, lang)))
        if forecast.finish
        else t(lang, "finish_none")
    )
    needed = (
        fmt_number(forecast.needed, lang, signed=True)
        if forecast.needed is not None
        else t(lang, "needed_none")
    )
    return t(
        lang,
        "whole_line",
        pace=Html(fmt_number(forecast.pace, lang, signed=True)),
        needed=Html(needed),
        finish=Html(finish),
        state=state,
    )


def _workstream_lines(
    ws: WorkstreamView, tz_name: str, today: date, lang: str, forecast: Forecast | None
) -> list[str]:
    lines = [f"<code>{progress_bar(ws.percent)} {ws.percent:>3}%</code> {escape(ws.title)}"]
    if ws.latest is None:
        who = t(lang, "no_report_yet")
    else:
        when = fmt_time(ws.latest.created_at, tz_name, lang, today)
        who = f"{escape(ws.latest.reporter_name)}, {when}"
    lines.append(f"   └ {who}{_trend(forecast, lang)}")
    return lines


def render_status(
    snapshot: Snapshot, today: date, lang: str, insight: Insight | None = None
) -> str:
    tracker = snapshot.tracker
    insight = insight or Insight()
    overall = overall_percent(snapshot.workstreams)
    lines = header(tracker)
    lines.append(
        t(
            lang,
            "overall_line",
            overall=round_percent(overall),
            deadline=Html(deadline_line(tracker, today, lang)),
        )
    )
    if insight.whole is not None and snapshot.workstreams:
        lines.append(whole_line(insight.whole, lang))
    if not snapshot.workstreams:
        lines.append("")
        lines.append(t(lang, "status_no_workstreams"))
        return "\n".join(lines)
    lines.append("")
    for ws in snapshot.workstreams:
        forecast = insight.per_workstream.get(ws.id)
        lines.extend(_workstream_lines(ws, tracker.timezone, today, lang, forecast))
    missing = [ws for ws in snapshot.workstreams if ws.latest is None]
    risky = [
        ws
        for ws in snapshot.workstreams
        if ws.latest is not None
        and ws.id in insight.per_workstream
        and insight.per_workstream[ws.id].at_risk
    ]
    if missing or risky:
        lines.append("")
    if risky:
        lines.append(t(lang, "at_risk_line", names=", ".join(ws.title for ws in risky)))
    if missing:
        lines.append(t(lang, "never_reported", names=", ".join(ws.title for ws in missing)))
    return "\n".join(lines)


def _report_lines(report: ReportView, tz_name: str, today: date, lang: str) -> list[str]:
    when = fmt_time(report.created_at, tz_name, lang, today)
    head = f"{when} · <b>{report.percent}%</b> · {escape(report.reporter_name)}"
    if report.retracted_at is not None:
        head = f"<s>{head}</s> {t(lang, 'undone_mark')}"
    lines = [head]
    if report.note:
        lines.append(f"   <i>{escape(report.note)}</i>")
    if report.files:
        lines.append("   📎 " + ", ".join(escape(name) for name in report.files))
    return lines


def render_files(files: Sequence[FileFacts], lang: str) -> str:
    """What became of the files an /update carried: one line each (empty without files)."""
    lines = []
    for facts in files:
        if facts.note is None:
            lines.append(t(lang, "evidence_kept", name=facts.name, sha=(facts.sha256 or "")[:12]))
        else:
            why = msg(EVIDENCE_NOTE[facts.note])
            lines.append(t(lang, "evidence_not_kept", name=facts.name, why=why))
    return "".join("\n" + line for line in lines)


def render_workstream_status(
    tracker: TrackerView,
    ws: WorkstreamView,
    reports: Sequence[ReportView],
    today: date,
    lang: str,
    forecast: Forecast | None = None,
) -> str:
    lines = header(tracker)
    lines.append(sentence(deadline_line(tracker, today, lang)))
    lines.append("")
    lines.extend(_workstream_lines(ws, tracker.timezone, today, lang, forecast))
    lines.append("")
    lines.append(t(lang, "last_reports", count=len(reports)))
    if not reports:
        lines.append(t(lang, "none_yet"))
    for report in reports:
        lines.extend(_report_lines(report, tracker.timezone, today, lang))
    return "\n".join(lines)


def render_history(
    tracker: TrackerView,
    ws: WorkstreamView,
    reports: Sequence[ReportView],
    today: date,
    lang: str,
) -> str:
    lines = [t(lang, "history_title", title=ws.title, count=len(reports))]
    if not reports:
        lines.append(t(lang, "history_empty", example=code(f"/update {ws.key} 50")))
    for report in reports:
        lines.extend(_report_lines(report, tracker.timezone, today, lang))
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """What /update changed, for the reply."""

    snapshot: Snapshot  # after the change
    workstream: WorkstreamView  # after the change
    previous_percent: int  # the workstream's value before
    previous_overall: float
    note: str | None = None
    lower_than_before: bool = False


def render_update(outcome: ReportOutcome, today: date, lang: str) -> str:
    ws = outcome.workstream
    headline = t(
        lang,
        "update_done",
        title=ws.title,
        percent=ws.percent,
        change=fmt_delta(ws.percent - outcome.previous_percent),
    )
    return headline + "\n" + render_update_figures(outcome, today, lang)


def render_update_figures(outcome: ReportOutcome, today: date, lang: str) -> str:
    """What a report changed overall, its note and (for a drop) the question why: the reply
    to /update below its headline, and the whole reply to a correction below its own."""
    ws = outcome.workstream
    overall = overall_percent(outcome.snapshot.workstreams)
    lines = [
        t(
            lang,
            "update_overall",
            overall=round_percent(overall),
            # The change between the two figures the reader sees, so 70% → 71% is never "±0".
            change=fmt_delta(round_percent(overall) - round_percent(outcome.previous_overall)),
            left=days_left_text(outcome.snapshot.tracker.deadline, today, lang),
        ),
    ]
    if outcome.note:
        lines.append(f"📝 <i>{escape(outcome.note)}</i>")
    if outcome.lower_than_before and not outcome.note:
        example = code_msg("example_lower", key=ws.key, percent=str(ws.percent))
        lines.append(
            t(
                lang,
                "update_lower",
                before=outcome.previous_percent,
                after=ws.percent,
                example=example,
            )
        )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class UndoOutcome:
    undone: ReportView
    workstream_title: str
    snapshot: Snapshot  # after the undo


def render_undo(outcome: UndoOutcome, today: date, lang: str) -> str:
    tracker = outcome.snapshot.tracker
    overall = overall_percent(outcome.snapshot.workstreams)
    when = fmt_time(outcome.undone.created_at, tracker.timezone, lang, today)
    lines = [
        t(
            lang,
            "undone",
            title=outcome.workstream_title,
            percent=outcome.undone.percent,
            when=Html(when),
        )
    ]
    current = next(
        (ws for ws in outcome.snapshot.workstreams if ws.key == outcome.undone.workstream_key),
        None,
    )
    now_part = (
        t(lang, "undone_now", title=outcome.workstream_title, percent=current.percent)
        if current is not None
        else ""
    )
    lines.append(
        t(
            lang,
            "undone_overall",
            now=Html(now_part),
            overall=round_percent(overall),
            left=days_left_text(tracker.deadline, today, lang),
        )
    )
    return "\n".join(lines)


def render_workstreams(snapshot: Snapshot, lang: str) -> str:
    tracker = snapshot.tracker
    lines = [t(lang, "workstreams_title", tracker=tracker.title)]
    if not snapshot.workstreams:
        lines.append(t(lang, "workstreams_none"))
    total = sum(ws.weight for ws in snapshot.workstreams) or 1.0
    for ws in snapshot.workstreams:
        lines.append(
            t(
                lang,
                "workstreams_line",
                key=code(ws.key),
                title=ws.title,
                weight=fmt_number(ws.weight, lang),
                share=round(ws.weight / total * 100),
            )
        )
    return "\n".join(lines)


def render_tracker_linked(tracker: TrackerView, today: date, lang: str, *, created: bool) -> str:
    lines = [
        t(
            lang,
            "tracker_created" if created else "tracker_linked",
            title=tracker.title,
            key=code(tracker.key),
        ),
        sentence(deadline_line(tracker, today, lang)),
    ]
    if created:
        lines.append(t(lang, "tracker_next_steps"))
    return "\n".join(lines)


def past_deadline_warning(tracker: TrackerView, today: date, lang: str) -> str | None:
    """A line for a deadline just set in the past: accepted (a late tracker is real), flagged
    in case it is a typo."""
    if tracker.deadline >= today:
        return None
    return t(lang, "deadline_in_past", example=code_msg("usage_deadline_move"))


def render_deadline(
    tracker: TrackerView, today: date, lang: str, *, changed_from: date | None
) -> str:
    if changed_from is not None:
        return t(
            lang,
            "deadline_moved",
            title=tracker.title,
            old=fmt_date(changed_from, lang),
            new=fmt_date(tracker.deadline, lang),
            left=days_left_text(tracker.deadline, today, lang),
        )
    return t(
        lang, "deadline_show", title=tracker.title, line=Html(deadline_line(tracker, today, lang))
    )


def render_help(
    tracker: TrackerView | None,
    role: Role | None,
    lang: str,
    *,
    lines: Sequence[tuple[str, str]],
    private: bool,
    where_note: str | None = None,
) -> str:
    """/help: where you are, then one line per command you may use here, as the command
    table lists them: (usage as HTML, catalogue key of its description). ``where_note``
    replaces the "no tracker here" line when there is more to say."""
    out = [t(lang, "intro"), ""]
    if tracker is None:
        if where_note is not None:  # e.g. a private chat of someone in several trackers
            out.append(where_note)
        elif private and role is None:
            out.append(t(lang, "help_no_tracker_private"))
        elif not private:
            out.append(t(lang, "help_no_tracker_group"))
    else:
        you = t(lang, "help_you_are", role=t(lang, ROLE_NAME[role])) if role else ""
        out.append(t(lang, "help_tracker", title=tracker.title) + you)
    out.extend(f"• {usage} — {t(lang, key)}" for usage, key in lines)
    if tracker is None and not any(usage.startswith("/setup") for usage, _ in lines):
        out.append(t(lang, "help_ask_admin"))
    if tracker is not None and role is None:
        out.append(t(lang, "help_ask_reporter"))
    return "\n".join(out)
