"""The use-case layer, called directly with a session and plain arguments, as handlers, jobs
and the CLI call it (tests/test_layers.py checks that it never imports bot/)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from domain.errors import UserError
from domain.parsing import UpdateArgs, WorkstreamArgs
from domain.render import ReportOutcome
from services import reports, trackers, workstreams
from services.reports import AlreadyRecorded, Source
from services.trackers import TrackerFields
from services.workstreams import WorkstreamChange
from storage import trackers as tracker_store
from storage.db import session_scope

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
ADMIN = 1001


def _tracker(engine: Engine) -> int:
    fields = TrackerFields("tk", date(2024, 4, 12), "TK")
    with session_scope(engine) as session:
        saved = trackers.save_tracker(
            session, None, fields, default_timezone="UTC", actor_id=ADMIN, now=NOW
        )
        assert saved.created
        assert saved.tracker.id is not None
        return saved.tracker.id


def test_a_new_tracker_needs_a_deadline(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(UserError) as refused:
        trackers.save_tracker(
            session,
            None,
            TrackerFields("tk", None, None),
            default_timezone="UTC",
            actor_id=ADMIN,
            now=NOW,
        )
    assert refused.value.key == "setup_needs_deadline"


def test_save_workstream_says_what_it_did(engine: Engine) -> None:
    tracker_id = _tracker(engine)
    with session_scope(engine) as session:

        def save(title: str | None, weight: float | None) -> workstreams.WorkstreamSaved:
            return workstreams.save_workstream(
                session, tracker_id, WorkstreamArgs("add", "pay", weight, title), now=NOW
            )

        added = save("Pay", None)
        same = save("Pay", None)
        heavier = save(None, 2.0)
    assert (added.change, added.changed) == (WorkstreamChange.ADDED, True)
    assert (same.change, same.changed) == (WorkstreamChange.UPDATED, False)
    assert (heavier.change, heavier.changed) == (WorkstreamChange.UPDATED, True)


def test_the_same_message_records_one_report(engine: Engine) -> None:
    tracker_id = _tracker(engine)
    source = Source(ADMIN, "Ayu", -100, 7, 70, NOW)
    args = UpdateArgs("pay", 40, None)
    with session_scope(engine) as session:
        workstreams.save_workstream(
            session, tracker_id, WorkstreamArgs("add", "pay", None, "Pay"), now=NOW
        )
    with session_scope(engine) as session:
        tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
        assert tracker is not None
        first = reports.record_report(session, tracker, source, args, NOW)
        again = reports.record_report(session, tracker, source, args, NOW)
    assert isinstance(first, ReportOutcome)
    assert (first.workstream.percent, first.previous_percent) == (40, 0)
    assert again == AlreadyRecorded("Pay")
