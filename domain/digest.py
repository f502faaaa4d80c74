"""Digests, deadline reminders and quiet nudges: what each scheduled notice says."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from domain.forecast import Insight
from domain.i18n import Html, t
from domain.locale import days_left_text, fmt_date, fmt_day, fmt_delta, fmt_time
from domain.progress import overall_percent, round_percent
from domain.render import state_text, whole_line
from domain.views import Snapshot, UndoneReport, WorkstreamView

# Undone reports a digest lists by name; beyond that it points to /history. Without a previous
# digest it lists those of the last week.
UNDONE_SHOWN = 20
UNDONE_WINDOW = timedelta(days=7)


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


def render_digest(
    snapshot: Snapshot,
    previous: Figures | None,
    *,
    today: date,
    now: datetime,
    fallback: datetime,
    lang: str,
    insight: Insight | None = None,
    late_for: datetime | None = None,
    undone: Sequence[UndoneReport] = (),
) -> str:
    """``undone``: reports taken back since ``previous`` (or in the last ``UNDONE_WINDOW``
    when there is none), at most ``UNDONE_SHOWN + 1`` of them."""
    tracker = snapshot.tracker
    insight = insight or Insight()
    overall = overall_percent(snapshot.workstreams)
    lines = [t(lang, "digest_title", title=tracker.title)]
    if late_for is not None:
        when = fmt_time(late_for, tracker.timezone, lang)
        lines.append(t(lang, "digest_late", when=Html(when)))
    since = (
        t(
            lang,
            "digest_since",
            change=fmt_delta(round_percent(overall) - round_percent(previous.overall)),
        )
        if previous
        else ""
    )
    lines.append(
        t(
            lang,
            "digest_overall",
            overall=round_percent(overall),
            since=Html(since),
            left=days_left_text(tracker.deadline, today, lang),
            deadline=fmt_date(tracker.deadline, lang),
        )
    )
    if insight.whole is not None and snapshot.workstreams:
        lines.append(whole_line(insight.whole, lang))
    lines.append("")
    for ws in snapshot.workstreams:
        delta = ""
        if previous is not None:
            before = previous.percents.get(ws.key)
            delta = (
                f" ({fmt_delta(ws.percent - before)})"
                if before is not None
                else t(lang, "digest_new")
            )
        who = (
            t(
                lang,
                "digest_who",
                name=ws.latest.reporter_name,
                day=fmt_day(ws.latest.created_at, tracker.timezone, lang),
            )
            if ws.latest
            else t(lang, "digest_nobody")
        )
        forecast = insight.per_workstream.get(ws.id)
        state = f" · {state_text(forecast.state, lang)}" if forecast and ws.latest else ""
        lines.append(
            t(
                lang,
                "digest_line",
                title=ws.title,
                percent=ws.percent,
                delta=Html(delta),
                who=Html(who + state),
            )
        )
    if not snapshot.workstreams:
        lines.append(t(lang, "digest_empty"))
    extra = []
    titles = {ws.id: ws.title for ws in snapshot.workstreams}
    if insight.regressions:
        items = ", ".join(
            f"{escape(titles.get(ws_id, '?'))} ({before}% → {after}%)"
            for ws_id, before, after in insight.regressions
        )
        extra.append(t(lang, "digest_down", items=Html(items)))
    quiet = quiet_workstreams(snapshot, now, fallback)
    if quiet:
        names = ", ".join(ws.title for ws, _ in quiet)
        extra.append(t(lang, "digest_quiet", days=tracker.quiet_days, names=names))
    if extra:
        lines.append("")
        lines.extend(extra)
    if undone:
        lines.append("")
        lines.extend(_undone_lines(undone, previous is not None, tracker.timezone, lang))
    return "\n".join(lines)


def _undone_lines(
    undone: Sequence[UndoneReport], since_digest: bool, tz_name: str, lang: str
) -> list[str]:
    """Who took back which report: managers see a retraction as they saw the report."""
    if since_digest:
        lines = [t(lang, "digest_undone")]
    else:
        lines = [t(lang, "digest_undone_week", days=UNDONE_WINDOW.days)]
    for item in undone[:UNDONE_SHOWN]:
        lines.append(
            t(
                lang,
                "digest_undone_line",
                name=item.reporter_name,
                title=item.workstream,
                percent=item.percent,
                day=fmt_day(item.created_at, tz_name, lang),
            )
        )
    if len(undone) > UNDONE_SHOWN:
        lines.append(t(lang, "digest_undone_more"))
    return lines


def render_deadline_notice(
    snapshot: Snapshot, *, today: date, lang: str, late: bool = False
) -> str:
    tracker = snapshot.tracker
    left = (tracker.deadline - today).days
    overall = round_percent(overall_percent(snapshot.workstreams))
    params = {
        "title": tracker.title,
        "left": days_left_text(tracker.deadline, today, lang),
        "deadline": fmt_date(tracker.deadline, lang),
    }
    key = "reminder_ahead" if left > 0 else "reminder_today" if left == 0 else "reminder_overdue"
    lines = [t(lang, key, **params)]
    if late:
        lines.append(t(lang, "reminder_late"))
    behind = [ws for ws in snapshot.workstreams if ws.percent < 100]
    if not behind:
        lines.append(t(lang, "reminder_all_done", overall=overall))
        return "\n".join(lines)
    lines.append(t(lang, "reminder_below", overall=overall))
    lines.extend(f"• {escape(ws.title)} {ws.percent}%" for ws in behind)
    return "\n".join(lines)


def render_quiet_nudge(
    ws: WorkstreamView, since: datetime, *, tz_name: str, now: datetime, lang: str
) -> str:
    if ws.latest is not None:
        last = t(
            lang,
            "nudge_last",
            percent=ws.latest.percent,
            name=ws.latest.reporter_name,
            day=fmt_day(ws.latest.created_at, tz_name, lang),
        )
    else:
        last = t(lang, "nudge_never")
    return t(lang, "nudge", title=ws.title, days=(now - since).days, last=Html(last), key=ws.key)
