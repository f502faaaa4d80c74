"""Pace and projected finish, from the reported history alone.

For each workstream: its pace in percentage points per week, by least squares over its
reports of the last 28 days (at least two reports on different days, otherwise there is not
enough data); the date it would reach 100% at that pace; the pace needed to finish by the
deadline; and a state. The same for the weighted whole, over the series of overall values the
reports produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.views import Snapshot

WINDOW = timedelta(days=28)
STALL = timedelta(days=14)
MIN_POINTS = 2
# A projected finish further than this past the deadline is no forecast: "not at this pace".
# It also keeps every date Pantau computes far from year 9999, where date arithmetic overflows.
HORIZON = timedelta(days=3653)  # ten years

Point = tuple[datetime, float]  # (when, percent)


class State(StrEnum):
    DONE = "done"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    STALLED = "stalled"
    OVERDUE = "overdue"
    NO_DATA = "no_data"


@dataclass(frozen=True, slots=True)
class Forecast:
    current: float
    pace: float | None  # percentage points per week; None: not enough data
    # The projected day the value reaches 100; None: not at this pace (or only past HORIZON).
    finish: date | None
    needed: float | None  # points per week still needed to finish by the deadline
    state: State

    @property
    def at_risk(self) -> bool:
        return self.state in (State.AT_RISK, State.STALLED, State.OVERDUE)


def least_squares_pace(points: Sequence[Point]) -> float | None:
    """Slope in points per week, or None with fewer than two distinct days."""
    if len(points) < MIN_POINTS or len({p[0].date() for p in points}) < MIN_POINTS:
        return None
    origin = points[0][0]
    xs = [(when - origin).total_seconds() / WINDOW.total_seconds() * 4 for when, _ in points]
    ys = [value for _, value in points]
    n = len(points)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    var_x = sum((x - mean_x) ** 2 for x in xs)
    if var_x == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var_x


def forecast(history: Sequence[Point], *, now: datetime, deadline: date, tz_name: str) -> Forecast:
    """``history``: (time, percent), oldest first; may start with the value before the window."""
    today = now.astimezone(ZoneInfo(tz_name)).date()
    current = history[-1][1] if history else 0.0
    recent = [p for p in history if now - p[0] <= WINDOW]
    pace = least_squares_pace(recent)
    weeks_left = (deadline - today).days / 7
    needed = (100 - current) / weeks_left if weeks_left > 0 and current < 100 else None
    finish: date | None = None
    if current >= 100:
        finish = _reached_100(history, ZoneInfo(tz_name)) or today
    elif pace is not None and pace > 0:
        finish = projected_finish(today, current, pace, deadline)
    if current >= 100:
        state = State.DONE
    elif today > deadline:
        state = State.OVERDUE
    elif _stalled(history, now):
        state = State.STALLED
    elif pace is None:
        state = State.NO_DATA
    elif finish is None or finish > deadline:
        state = State.AT_RISK
    else:
        state = State.ON_TRACK
    return Forecast(current, pace, finish, needed, state)


def _reached_100(history: Sequence[Point], tz: ZoneInfo) -> date | None:
    """The day the value reached 100 and stayed there (as far back as ``history`` goes)."""
    reached: datetime | None = None
    for when, value in history:
        reached = (reached or when) if value >= 100 else None
    return reached.astimezone(tz).date() if reached is not None else None


def _stalled(history: Sequence[Point], now: datetime) -> bool:
    """No report at all for the stall period.

    A report today, even one lower than before, is news: the workstream is at risk (its pace
    says so), not stalled.
    """
    return bool(history) and now - history[-1][0] >= STALL


def projected_finish(today: date, current: float, pace: float, deadline: date) -> date | None:
    """The day ``current`` reaches 100 at ``pace`` points a week; None beyond the horizon.

    The days are compared as numbers before any date is made: a tiny positive pace (50%, 60%,
    then 50% again) projects millions of years ahead, far past what ``date`` can hold.
    """
    days = (100 - current) / pace * 7
    horizon = (deadline - today).days + HORIZON.days
    if days > horizon or days > (date.max - today).days:
        return None
    return today + timedelta(days=days)


def overall_series(
    histories: Sequence[tuple[float, Sequence[Point]]],
) -> list[Point]:
    """The weighted overall value after each report, from each workstream's (weight, history)."""
    total = sum(weight for weight, _ in histories)
    if total <= 0:
        return []
    events = sorted(
        (when, index, value)
        for index, (_, history) in enumerate(histories)
        for when, value in history
    )
    values = [0.0] * len(histories)
    series: list[Point] = []
    for when, index, value in events:
        values[index] = value
        overall = sum(w * v for (w, _), v in zip(histories, values, strict=True)) / total
        if series and series[-1][0] == when:
            series[-1] = (when, overall)
        else:
            series.append((when, overall))
    return series


@dataclass(frozen=True, slots=True)
class Insight:
    """Forecasts for a snapshot: per workstream (by id) and for the weighted whole."""

    per_workstream: dict[int, Forecast] = field(default_factory=dict)
    whole: Forecast | None = None
    # Workstreams whose latest report is lower than the one before: (id, before, after).
    regressions: tuple[tuple[int, int, int], ...] = ()


def build_insight(
    snapshot: Snapshot, histories: dict[int, list[Point]], *, now: datetime
) -> Insight:
    """Forecast every workstream and the whole from their recent histories.

    ``histories[ws_id]``: the workstream's reports of the window, oldest first, preceded by
    the last one before the window (its value when the window opened).
    """
    tracker = snapshot.tracker
    per: dict[int, Forecast] = {}
    regressions = []
    for ws in snapshot.workstreams:
        history = histories.get(ws.id, [])
        per[ws.id] = forecast(
            history, now=now, deadline=tracker.deadline, tz_name=tracker.timezone
        )
        if len(history) >= 2 and history[-1][1] < history[-2][1]:
            regressions.append((ws.id, int(history[-2][1]), int(history[-1][1])))
    series = overall_series([(ws.weight, histories.get(ws.id, [])) for ws in snapshot.workstreams])
    whole = forecast(series, now=now, deadline=tracker.deadline, tz_name=tracker.timezone)
    return Insight(per, whole, tuple(regressions))
