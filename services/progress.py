"""A tracker's figures and forecasts, read once: what status, digests, charts and check-ins
all start from."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from domain.forecast import Insight, build_insight
from domain.views import Snapshot
from storage import history as history_store
from storage import reports as report_store
from storage.models import Tracker


def insight_for(session: Session, snapshot: Snapshot, now: datetime) -> Insight:
    """Pace, projected finish and state of every workstream and of the whole."""
    return build_insight(
        snapshot, history_store.histories(session, snapshot=snapshot, now=now), now=now
    )


def tracker_state(session: Session, tracker: Tracker, now: datetime) -> tuple[Snapshot, Insight]:
    """A tracker's snapshot and the forecasts built on it."""
    snapshot = report_store.snapshot(session, tracker=tracker)
    return snapshot, insight_for(session, snapshot, now)
