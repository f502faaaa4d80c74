"""Charts and /status computed once per change, never stale, even across instances."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine

from bot.app import build_application
from bot.config import Settings
from bot.offline import OfflineBotAPI, Person
from tests.helpers import ADMIN, BUDI, DEWI, MANAGERS, Harness, seed_tracker


async def _chart(h: Harness) -> bytes:
    """A /chart in the staff group, past the one-chart-per-30-s rule."""
    h.clock.advance(seconds=31)
    await h.say("/chart", sender=DEWI)
    (sent,) = h.api.files
    h.api.files.clear()
    return sent.content


@pytest.mark.parametrize(
    ("change", "by", "visible"),
    [
        ("/update payments 60", BUDI, True),
        ("/undo", BUDI, True),
        # A workstream without reports, and a weight before any trend, draw nothing new.
        ("/workstream add legal Legal", ADMIN, False),
        ("/workstream add payments weight=3", ADMIN, False),
        ("/workstream remove sellers", ADMIN, True),
        ("/deadline 2024-05-01", ADMIN, True),
    ],
)
async def test_the_chart_is_drawn_again_after_each_kind_of_change(
    harness: Harness, change: str, by: Person, visible: bool
) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    await harness.say("/update sellers 20", sender=BUDI)
    views = harness.app.bot_data.views
    first = await _chart(harness)
    drawn = views.computed
    assert await _chart(harness) == first  # unchanged: served from the cache
    assert views.computed == drawn
    await harness.say(change, sender=by)
    changed = await _chart(harness)
    assert views.computed == drawn + 1  # drawn again
    assert (changed != first) is visible


async def test_a_second_chart_within_30_seconds_gets_one_short_line(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/chart", sender=DEWI)
    assert len(harness.api.files) == 1
    harness.clock.advance(seconds=10)
    line = await harness.say("/chart", sender=DEWI)
    assert "less than 30 seconds ago" in line
    assert "21 s" in line
    assert len(harness.api.files) == 1  # no second picture
    await harness.say("/chart", sender=DEWI, chat=MANAGERS)  # another chat has its own turn
    harness.clock.advance(seconds=21)
    await harness.say("/chart", sender=DEWI)
    assert len(harness.api.files) == 2


async def test_status_is_computed_once_per_change(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    views = harness.app.bot_data.views
    first = await harness.say("/status", sender=DEWI)
    computed = views.computed
    for _ in range(5):
        assert await harness.say("/status", sender=DEWI) == first
    assert views.computed == computed
    await harness.say("/update payments 50", sender=BUDI)
    assert "Payments" in await harness.say("/status", sender=DEWI)
    assert views.computed == computed + 1


@pytest.fixture
async def second(settings: Settings, engine: Engine, harness: Harness) -> AsyncIterator[Harness]:
    """Another instance on the same database (its own process state and caches)."""
    api = OfflineBotAPI(harness.clock)
    app = build_application(settings, request=api, engine=engine, clock=harness.clock)
    async with app:
        yield Harness(app, api, engine, harness.clock)


async def test_two_instances_on_one_database_never_serve_a_stale_view(
    harness: Harness, second: Harness
) -> None:
    """The caches are keyed by a version read from the database in the request's own
    transaction: a change made through the other instance is seen at once, with no message
    between the instances."""
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    before_a = await harness.say("/status", sender=DEWI)
    before_b = await second.say("/status", sender=DEWI)
    assert before_a == before_b
    assert "13% overall" in before_a
    await second.say("/update payments 100", sender=BUDI)  # through instance B
    after_a = await harness.say("/status", sender=DEWI)  # instance A, its cache filled before
    assert after_a != before_a
    assert "33% overall" in after_a
    await harness.say("/undo", sender=BUDI)  # through A; B's cache must notice
    assert await second.say("/status", sender=DEWI) == before_a
    await second.say("/deadline 2024-05-01", sender=ADMIN)
    assert "1 May 2024" in await harness.say("/status", sender=DEWI)


async def test_clock_only_changes_of_a_day_redraw_status(harness: Harness) -> None:
    await seed_tracker(harness)
    first = await harness.say("/status", sender=DEWI)
    harness.clock.advance(days=1)
    later = await harness.say("/status", sender=DEWI)
    assert first != later  # "days left" moved with the day, though nothing was written
