"""Burn-up charts as PNG, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib
from babel.dates import format_date

matplotlib.use("Agg")  # before pyplot: a server has no display

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from domain.forecast import Forecast, Point, overall_series  # noqa: E402
from domain.i18n import t  # noqa: E402
from domain.locale import fmt_date  # noqa: E402
from domain.views import TrackerView  # noqa: E402

WIDTH_PX, HEIGHT_PX, DPI = 1400, 900, 100
DRAWABLE = (date(1900, 1, 1), date(2200, 12, 31))
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True, slots=True)
class Series:
    title: str
    weight: float
    points: Sequence[Point]  # oldest first
    forecast: Forecast | None


def _projection(
    start: datetime, value: float, forecast: Forecast | None, end: datetime
) -> tuple[list[datetime], list[float]] | None:
    if forecast is None or forecast.pace is None or forecast.pace <= 0 or value >= 100:
        return None
    # Weeks as a number first: a tiny pace reaches 100% past year 9999, which no date holds.
    weeks = (100 - value) / forecast.pace
    if weeks > (end - start) / timedelta(weeks=1):  # draw up to the chart's edge, same slope
        return [start, end], [value, value + forecast.pace * (end - start).days / 7]
    return [start, start + timedelta(weeks=weeks)], [value, 100.0]


def render_chart(
    tracker: TrackerView,
    series: Sequence[Series],
    whole: Forecast | None,
    *,
    now: datetime,
    lang: str,
    fmt: str = "png",
) -> bytes:
    """A burn-up chart (PNG, or ``fmt`` ``svg`` or ``pdf``): each workstream as steps, the
    weighted whole thicker, the deadline as a vertical line, dashed projections to 100%;
    readable on a phone."""
    tz = ZoneInfo(tracker.timezone)
    today = now.astimezone(tz).date()
    # A deadline stored before deadlines were bounded (year 1, year 9999) is drawn at the edge
    # of what matplotlib and datetime can hold; its label still gives the real date.
    drawn = min(max(tracker.deadline, DRAWABLE[0]), DRAWABLE[1])
    deadline = datetime.combine(drawn, datetime.min.time(), tz)
    starts = [s.points[0][0] for s in series if s.points]
    # A deadline before the first report (a tracker carried over late) widens the chart to
    # the left as a later one does to the right: the red line and its label stay on it.
    first = min(min(starts) if starts else now - timedelta(days=7), deadline)
    end = max(deadline, now) + timedelta(days=7)

    plt.rcParams.update({"font.size": 16, "axes.titlesize": 22, "legend.fontsize": 14})
    figure, axes = plt.subplots(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    try:
        for index, item in enumerate(series):
            color = PALETTE[index % len(PALETTE)]
            if not item.points:
                continue
            xs = _num([when for when, _ in item.points] + [now])
            ys = [value for _, value in item.points] + [item.points[-1][1]]
            axes.step(xs, ys, where="post", color=color, linewidth=2.5, label=_plain(item.title))
            projection = _projection(now, item.points[-1][1], item.forecast, end)
            if projection:
                axes.plot(_num(projection[0]), projection[1], "--", color=color, linewidth=1.8)
        whole_points = overall_series([(s.weight, s.points) for s in series])
        if whole_points:
            xs = _num([when for when, _ in whole_points] + [now])
            ys = [value for _, value in whole_points] + [whole_points[-1][1]]
            label = t(lang, "chart_overall")
            axes.step(xs, ys, where="post", color="#111111", linewidth=5, label=label)
            projection = _projection(now, whole_points[-1][1], whole, end)
            if projection:
                axes.plot(_num(projection[0]), projection[1], "--", color="#111111", linewidth=3)
        axes.axvline(_num([deadline])[0], color="#c00000", linewidth=2.5)
        # The label sits at the top beside the line, on whichever side has room.
        left, right = _num([first - timedelta(days=2), end])
        x_deadline = _num([deadline])[0]
        near_right_edge = (x_deadline - left) / (right - left) > 0.7
        label = f"{t(lang, 'chart_deadline')} {fmt_date(tracker.deadline, lang)}"
        axes.text(
            x_deadline,
            104,
            f"{label} " if near_right_edge else f" {label}",
            color="#c00000",
            ha="right" if near_right_edge else "left",
            va="center",
            fontsize=15,
            fontweight="bold",
        )
        axes.set_ylim(0, 110)
        axes.set_xlim(left, right)
        axes.set_ylabel(t(lang, "chart_percent"))
        axes.set_title(
            _plain(t(lang, "chart_title", title=tracker.title, date=fmt_date(today, lang)))
        )
        axes.grid(True, alpha=0.3)
        axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))  # type: ignore[no-untyped-call]
        pattern = "MMM y" if (end - first).days > 300 else "d MMM"
        axes.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _pos: _axis_date(x, tz, lang, pattern))
        )
        if axes.get_legend_handles_labels()[0]:
            axes.legend(loc="lower right", framealpha=0.9)
        else:
            axes.text(0.5, 0.5, t(lang, "chart_no_reports"), transform=axes.transAxes, ha="center")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=DPI)
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _num(moments: Sequence[datetime]) -> list[float]:
    """Matplotlib's date numbers (its typing does not accept datetimes)."""
    return [float(mdates.date2num(moment)) for moment in moments]  # type: ignore[no-untyped-call]


def _axis_date(x: float, tz: ZoneInfo, lang: str, pattern: str) -> str:
    day = mdates.num2date(x, tz).date()  # type: ignore[no-untyped-call]
    return format_date(day, pattern, locale=lang)


def _plain(text: str) -> str:
    """User text as matplotlib should print it: a $ would otherwise start mathtext."""
    return text.replace("$", r"\$")
