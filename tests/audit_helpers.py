"""What the test_audit* modules share: a realistic history, and what the verifier and the
trail say about it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from storage import verify
from storage.db import session_scope
from storage.models import TrackerEvent
from tests.helpers import ADMIN, BUDI, MANAGERS, SARI, Harness, seed_tracker


def results(engine: Engine, key: str | None = None) -> list[verify.ChainResult]:
    with session_scope(engine, readonly=True) as session:
        return list(verify.verify(session, key=key))


async def history(h: Harness) -> None:
    """A realistic history: reports, an edit, an undo, roles given and taken, workstreams
    added, re-weighted and archived, the deadline moved, archived and restored."""
    await seed_tracker(h)
    await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    await h.say("/update payments 40 first pass", sender=BUDI)
    h.clock.advance(hours=2)
    await h.say("/update sellers 20", sender=SARI, message_id=500)
    await h.say("/update sellers 25 corrected", sender=SARI, message_id=500, edited=True)
    h.clock.advance(hours=1)
    await h.say("/update payments 45", sender=BUDI)
    await h.say("/undo", sender=BUDI)
    await h.say("/workstream add logistics weight=3 Logistics", sender=ADMIN)
    await h.say("/workstream add logistics weight=2", sender=ADMIN)
    await h.say("/workstream remove logistics", sender=ADMIN)
    await h.say("/deadline 2024-05-01", sender=ADMIN)
    await h.say("/grant 1003 admin", sender=ADMIN)
    await h.say("/revoke 1003", sender=ADMIN)
    await h.say("/archive tiktok-tokopedia", sender=ADMIN)
    await h.say("/restore tiktok-tokopedia", sender=ADMIN)


def kinds(engine: Engine) -> list[str]:
    """The kind of every event, tracker by tracker, in the chain's order."""
    with session_scope(engine, readonly=True) as session:
        statement = select(TrackerEvent.kind).order_by(
            col(TrackerEvent.tracker_id), col(TrackerEvent.seq)
        )
        return list(session.exec(statement).all())


def rows_checked_on_other_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the verifier check rows on other connections (in threads) from the first event,
    as it does on long chains, with two parts."""
    monkeypatch.setattr(verify, "PARALLEL_FROM", 1)
    monkeypatch.setattr(verify, "_parts", lambda: 2)
