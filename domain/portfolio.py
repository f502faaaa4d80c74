"""A portfolio: several trackers in one chat, one line each, the most at risk first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.forecast import Insight, State
from domain.i18n import code, t
from domain.locale import days_left_text
from domain.progress import overall_percent, round_percent
from domain.render import state_text
from domain.trail import short_head
from domain.views import Snapshot

# Worst first: what a manager should look at before the rest.
_SEVERITY = {
    State.OVERDUE: 0,
    State.AT_RISK: 1,
    State.STALLED: 2,
    State.NO_DATA: 3,
    State.ON_TRACK: 4,
    State.DONE: 5,
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One tracker of a portfolio, as of ``today`` in its own timezone."""

    snapshot: Snapshot
    insight: Insight
    today: date
    head: str | None = None  # its trail's head, for digests

    @property
    def overall(self) -> float:
        return overall_percent(self.snapshot.workstreams)

    @property
    def state(self) -> State:
        whole = self.insight.whole
        if whole is not None and self.snapshot.workstreams:
            return whole.state
        return State.NO_DATA

    def most_at_risk(self) -> str | None:
        """The title of the workstream in the worst state (lowest percent among equals),
        unless every one is done or on track."""
        worst = None
        for ws in self.snapshot.workstreams:
            forecast = self.insight.per_workstream.get(ws.id)
            if forecast is None or not forecast.at_risk:
                continue
            rank = (_SEVERITY[forecast.state], ws.percent)
            if worst is None or rank < worst[0]:
                worst = (rank, ws.title)
        return worst[1] if worst is not None else None


def worst_first(entries: Sequence[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (_SEVERITY[e.state], e.overall, e.snapshot.tracker.key))


def portfolio_lines(entries: Sequence[Entry], lang: str, *, heads: bool = False) -> list[str]:
    lines = []
    for entry in worst_first(entries):
        tracker = entry.snapshot.tracker
        risky = entry.most_at_risk()
        lines.append(
            t(
                lang,
                "portfolio_line",
                state=state_text(entry.state, lang),
                title=tracker.title,
                key=code(tracker.key),
                overall=round_percent(entry.overall),
                left=days_left_text(tracker.deadline, entry.today, lang),
                risk=t(lang, "portfolio_risk", name=risky) if risky else "",
            )
        )
        if heads and entry.head is not None:
            lines.append("   " + t(lang, "digest_trail", head=short_head(entry.head)))
    return lines


def render_portfolio(entries: Sequence[Entry], lang: str) -> str:
    """/status in a chat that follows several trackers."""
    lines = [t(lang, "portfolio_title", count=len(entries)), ""]
    lines.extend(portfolio_lines(entries, lang))
    example = worst_first(entries)[0].snapshot.tracker.key if entries else "key"
    lines.extend(["", t(lang, "portfolio_more", example=code(f"/status {example}"))])
    return "\n".join(lines)


def render_portfolio_digest(entries: Sequence[Entry], lang: str) -> str:
    """A scheduled digest in such a chat: one message covering them all, worst first, each
    with its trail's head."""
    lines = [t(lang, "portfolio_digest_title", count=len(entries)), ""]
    lines.extend(portfolio_lines(entries, lang, heads=True))
    return "\n".join(lines)
