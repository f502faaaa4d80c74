"""Pace, projected finish and state on hand-made histories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.forecast import State, build_insight, forecast, least_squares_pace, overall_series
from domain.views import ReportView, Snapshot, TrackerView, WorkstreamView

NOW = datetime(2024, 2, 23, 2, 0, tzinfo=UTC)
DEADLINE = date(2024, 4, 12)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def fc(history: list[tuple[datetime, float]], deadline: date = DEADLINE) -> object:
    return forecast(history, now=NOW, deadline=deadline, tz_name="Asia/Jakarta")


def test_linear_history_gives_its_slope_and_finish() -> None:
    history = [(days_ago(21), 40.0), (days_ago(14), 50.0), (days_ago(7), 60.0), (NOW, 70.0)]
    result = forecast(history, now=NOW, deadline=DEADLINE, tz_name="Asia/Jakarta")
    assert result.pace == pytest.approx(10.0)
    assert result.finish == date(2024, 2, 23) + timedelta(days=21)  # 30 points at 10 a week
    assert result.needed == pytest.approx(30 / (49 / 7))
    assert result.state is State.ON_TRACK


def test_too_slow_to_make_the_deadline_is_at_risk() -> None:
    history = [(days_ago(21), 10.0), (days_ago(14), 11.0), (days_ago(7), 12.0), (NOW, 13.0)]
    result = forecast(history, now=NOW, deadline=DEADLINE, tz_name="Asia/Jakarta")
    assert result.pace == pytest.approx(1.0)
    assert result.finish is not None
    assert result.finish > DEADLINE
    assert result.state is State.AT_RISK


def test_no_report_for_14_days_is_stalled() -> None:
    history = [(days_ago(30), 40.0), (days_ago(20), 60.0), (days_ago(15), 60.0)]
    result = forecast(history, now=NOW, deadline=DEADLINE, tz_name="Asia/Jakarta")
    assert result.state is State.STALLED


def test_a_report_within_the_stall_period_is_never_stalled() -> None:
    # Reported today, lower than a fortnight ago: news, and at risk, but not "stalled".
    history = [(days_ago(30), 40.0), (days_ago(20), 60.0), (NOW, 55.0)]
    result = forecast(history, now=NOW, deadline=DEADLINE, tz_name="Asia/Jakarta")
    assert result.state is State.AT_RISK
    same = [(days_ago(30), 40.0), (days_ago(20), 60.0), (days_ago(3), 60.0)]
    assert forecast(same, now=NOW, deadline=DEADLINE, tz_name="UTC").state is not State.STALLED


def test_finished_workstream_finishes_on_the_day_it_reached_100() -> None:
    history = [(days_ago(20), 50.0), (days_ago(9), 100.0), (days_ago(2), 100.0)]
    result = forecast(history, now=NOW, deadline=DEADLINE, tz_name="Asia/Jakarta")
    assert result.state is State.DONE
    assert result.finish == days_ago(9).astimezone(ZoneInfo("Asia/Jakarta")).date()


def test_a_regression_lowers_the_pace_and_flags_the_workstream() -> None:
    steady = [(days_ago(20), 40.0), (days_ago(7), 70.0), (NOW, 75.0)]
    dropped = [(days_ago(20), 40.0), (days_ago(7), 70.0), (NOW, 45.0)]
    before = forecast(steady, now=NOW, deadline=DEADLINE, tz_name="UTC")
    after = forecast(dropped, now=NOW, deadline=DEADLINE, tz_name="UTC")
    assert before.pace is not None
    assert after.pace is not None
    assert after.pace < before.pace
    assert before.state is State.ON_TRACK
    assert after.state is State.AT_RISK
    # Dropping below where it stood 14 days ago, reported today: at risk, not stalled.
    back = [(days_ago(14), 60.0), (days_ago(7), 70.0), (NOW, 50.0)]
    assert forecast(back, now=NOW, deadline=DEADLINE, tz_name="UTC").state is State.AT_RISK


def test_single_report_is_not_enough_data() -> None:
    result = forecast([(days_ago(2), 30.0)], now=NOW, deadline=DEADLINE, tz_name="Asia/Jakarta")
    assert result.pace is None
    assert result.state is State.NO_DATA
    same_day = [(days_ago(1), 30.0), (days_ago(1) + timedelta(hours=2), 40.0)]
    assert least_squares_pace(same_day) is None


def test_done_and_past_deadline() -> None:
    done = forecast([(days_ago(9), 50.0), (NOW, 100.0)], now=NOW, deadline=DEADLINE, tz_name="UTC")
    assert done.state is State.DONE
    assert done.needed is None
    late = forecast(
        [(days_ago(9), 50.0), (NOW, 80.0)], now=NOW, deadline=date(2024, 2, 1), tz_name="UTC"
    )
    assert late.state is State.OVERDUE
    assert late.needed is None


def test_reports_older_than_28_days_do_not_count_towards_pace() -> None:
    history = [(days_ago(60), 0.0), (days_ago(10), 50.0), (NOW, 60.0)]
    assert forecast(history, now=NOW, deadline=DEADLINE, tz_name="UTC").pace == pytest.approx(7.0)


def test_overall_series_is_weighted_after_each_report() -> None:
    a = [(days_ago(10), 100.0)]
    b = [(days_ago(5), 50.0), (NOW, 70.0)]
    series = overall_series([(1.0, a), (3.0, b)])
    assert [round(v, 2) for _, v in series] == [25.0, 62.5, 77.5]


def test_build_insight_flags_regressions() -> None:
    tracker = TrackerView(1, "t", "T", None, DEADLINE, "Asia/Jakarta")
    latest = ReportView(2, "w", 50, None, 1, "A", NOW)
    snap = Snapshot(tracker, (WorkstreamView(7, "w", "W", 1.0, latest),))
    insight = build_insight(snap, {7: [(days_ago(7), 70.0), (NOW, 50.0)]}, now=NOW)
    assert insight.regressions == ((7, 70, 50),)
    assert insight.per_workstream[7].state is State.AT_RISK
    assert insight.whole is not None
    assert insight.whole.current == pytest.approx(50.0)
