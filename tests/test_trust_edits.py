"""Issue 10: an edited /update corrects its report with a new revision, never rewrites it; every
report keeps when it was true, when it was received, and who undid it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from sqlmodel import select

from bot.app import build_application
from bot.commands import BY_NAME
from bot.config import Settings
from bot.handlers.common import caller_of
from bot.handlers.reports import record_correction, record_report
from bot.offline import OfflineBotAPI
from domain.parsing import parse_update
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import Report
from tests.helpers import BUDI, OPERATOR, STAFF, Clock, Harness, seed_tracker
from tests.trust_helpers import at_once


async def test_editing_an_undone_update_does_not_bring_it_back(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 60", sender=BUDI, message_id=600)
    harness.clock.advance(minutes=1)
    await harness.say("/undo", sender=BUDI)
    harness.clock.advance(minutes=1)
    reply = await harness.say("/update payments 65", sender=BUDI, message_id=600, edited=True)
    assert "was undone" in reply
    assert "Send a new /update payments 65" in reply
    (only,) = harness.reports()
    assert only.retracted_at is not None
    assert only.retracted_by == BUDI.id
    assert "0% Payments" in await harness.say("/status")


async def test_editing_a_refused_update_40_days_later_records_it_at_the_edit_time(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    sent_at = harness.clock.now
    assert "payments" in await harness.say("/update paymnts 100", sender=BUDI, message_id=601)
    harness.clock.advance(days=40)
    await harness.say(
        "/update payments 30", sender=BUDI, message_id=601, edited=True, when=sent_at
    )
    (report,) = harness.reports()
    assert report.percent == 30
    assert report.created_at == harness.clock.now  # the edit's time, not the message's
    assert report.recorded_at == harness.clock.now


async def test_editing_an_old_message_after_the_group_moved_changes_neither_tracker(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 60", sender=BUDI, message_id=602)
    await harness.say("/setup other-b 2024-06-01 Other", sender=OPERATOR)
    await harness.say("/workstream add payments Payments", sender=OPERATOR)
    await harness.say(f"/grant {BUDI.id} reporter", sender=OPERATOR)
    harness.clock.advance(minutes=5)
    reply = await harness.say("/update payments 70", sender=BUDI, message_id=602, edited=True)
    assert "belongs to TikTok Shop → Tokopedia" in reply
    assert "now follows Other" in reply
    (only,) = harness.reports()
    assert (only.percent, only.retracted_at, only.tracker_id) == (60, None, 1)


async def test_editing_after_48_hours_is_refused_with_what_to_do_instead(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    sent_at = harness.clock.now
    await harness.say("/update payments 60", sender=BUDI, message_id=603)
    harness.clock.advance(hours=49)
    reply = await harness.say(
        "/update payments 70", sender=BUDI, message_id=603, edited=True, when=sent_at
    )
    assert "for 48 hours" in reply
    assert "Send a new /update payments 70" in reply
    assert [(r.percent, r.retracted_at) for r in harness.reports()] == [(60, None)]


async def test_two_edits_within_one_second_are_two_revisions(harness: Harness) -> None:
    await seed_tracker(harness)
    sent_at = harness.clock.now
    await harness.say("/update payments 60", sender=BUDI, message_id=604)
    harness.clock.advance(minutes=2)
    for percent in (65, 70):
        reply = await harness.say(
            f"/update payments {percent}", sender=BUDI, message_id=604, edited=True, when=sent_at
        )
        assert f"→ {percent}%" in reply
    reports = harness.reports()
    assert [(r.percent, r.revision, r.retracted_at is None) for r in reports] == [
        (60, 0, False),
        (65, 1, False),
        (70, 2, True),
    ]
    assert reports[2].corrects_id == reports[1].id
    assert reports[1].retracted_by == BUDI.id
    assert "70% Payments" in await harness.say("/status")


async def test_report_rows_record_who_undid_them(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 60", sender=BUDI)
    harness.clock.advance(minutes=1)
    await harness.say("/undo", sender=BUDI)
    with session_scope(harness.engine, readonly=True) as session:
        report = session.exec(select(Report)).one()
    assert (report.retracted_by, report.retracted_at) == (BUDI.id, harness.clock.now)


async def test_every_report_keeps_when_it_was_true_and_when_it_was_received(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    sent_at = harness.clock.now
    harness.clock.advance(seconds=30)  # Pantau receives it a little after it was sent
    await harness.say("/update payments 60", sender=BUDI, when=sent_at)
    (report,) = harness.reports()
    assert report.created_at == sent_at
    assert report.recorded_at == harness.clock.now


# --- at once, on PostgreSQL ----------------------------------------------------------------


@pytest.fixture
async def on_postgres(
    postgres_url: str, settings: Settings, clock: Clock
) -> AsyncIterator[Harness]:
    """The story's tracker on a PostgreSQL database of the test's own."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    app = build_application(settings, request=OfflineBotAPI(clock), engine=engine, clock=clock)
    await app.initialize()
    h = Harness(app, cast(OfflineBotAPI, app.bot.request), engine, clock)
    try:
        await seed_tracker(h)
        yield h
    finally:
        await app.shutdown()
        engine.dispose()


def _message(h: Harness, text: str, message_id: int, *, edited: bool = True) -> tuple[Any, Any]:
    """Budi's /update in the staff group as its handler reads it: the caller and the report."""
    update = h.factory.message(text, sender=BUDI, chat=STAFF, message_id=message_id, edited=edited)
    caller = caller_of(update, BY_NAME["update"])
    return caller, parse_update(caller.rest)


@pytest.mark.postgres
async def test_two_edits_of_one_message_at_once_are_two_revisions_on_postgresql(
    on_postgres: Harness, settings: Settings, clock: Clock
) -> None:
    """Two sessions on PostgreSQL: the first edit holds its transaction open; the second
    waits, then corrects the first's revision (no unique-key conflict, nothing dropped)."""
    h = on_postgres
    await h.say("/update payments 60", sender=BUDI, message_id=600)
    clock.advance(minutes=1)
    one, one_args = _message(h, "/update payments 65", 600)
    two, two_args = _message(h, "/update payments 70", 600)
    outcome = at_once(
        h.engine,
        lambda s: record_correction(s, settings, one, one_args, clock.now),
        lambda s: record_correction(s, settings, two, two_args, clock.now),
    )
    assert outcome == ["done"]
    rows = [(r.revision, r.percent, r.retracted_at is None) for r in h.reports()]
    assert rows[-3:] == [(0, 60, False), (1, 65, False), (2, 70, True)]
    assert "70% Payments" in await h.say("/status")


@pytest.mark.postgres
async def test_an_edit_racing_its_own_update_corrects_it_on_postgresql(
    on_postgres: Harness, settings: Settings, clock: Clock
) -> None:
    """The /update and an edit of it handled at once: the edit waits and corrects the report
    (one counted report), rather than recording a second one beside it."""
    sent, sent_args = _message(on_postgres, "/update payments 50", 700, edited=False)
    edit, edit_args = _message(on_postgres, "/update payments 55", 700)
    assert at_once(
        on_postgres.engine,
        lambda s: record_report(s, settings, sent, sent_args, clock.now),
        lambda s: record_correction(s, settings, edit, edit_args, clock.now),
    ) == ["done"]
    counting = [(r.revision, r.percent) for r in on_postgres.reports() if r.retracted_at is None]
    assert counting == [(1, 55)]
