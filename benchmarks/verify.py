"""Benchmark 6: ``pantau verify`` over a tracker of 100,000 report events (issue 14: "well
under a second per 100,000 events"). Prints wall and CPU seconds; asserts nothing."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from domain import trail
from storage import verify
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import Report, Tracker, TrackerEvent, Workstream


def seed_chain(engine: Engine, count: int, notes: list[str | None] | None = None) -> None:
    """``count`` report events (each with its report), written directly for speed with the
    same functions the application uses to build them; the notes taken in turn from
    ``notes``, if given."""
    now = datetime(2024, 1, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        tracker = Tracker(
            key="big", title="Big", deadline=now.date(), timezone="UTC", created_at=now
        )
        session.add(tracker)
        session.flush()
        ws = Workstream(tracker_id=tracker.id or 0, key="w", title="W", created_at=now)
        session.add(ws)
        session.flush()
        tracker_id, ws_id = tracker.id or 0, ws.id or 0
    reports: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    previous = trail.GENESIS
    for n in range(1, count + 1):
        when = now + timedelta(seconds=n)
        percent, note, reporter = n % 101, (f"note {n}" if n % 3 else None), 1000 + n % 7
        if notes is not None:
            note = notes[n % len(notes)]
        row = {
            "id": n,
            "tracker_id": tracker_id,
            "workstream_id": ws_id,
            "percent": percent,
            "note": note,
            "reporter_id": reporter,
            "reporter_name": "Budi Santoso",
            "chat_id": -100,
            "message_id": n,
            "created_at": when,
            "recorded_at": when,
            "revision": 0,
        }
        reports.append(row)
        subject = trail.report_subject(
            report_id=n,
            workstream="w",
            percent=percent,
            note=note,
            reporter_id=reporter,
            reporter_name="Budi Santoso",
            chat_id=-100,
            message_id=n,
            created_at=when,
            recorded_at=when,
            revision=0,
            corrects=None,
        )
        canonical = trail.canonical(
            seq=n,
            kind="report",
            at=when,
            actor_id=reporter,
            chat_id=-100,
            detail=None,
            subject=subject,
        )
        previous = trail.chain_hash(previous, canonical)
        events.append(
            {
                "tracker_id": tracker_id,
                "at": when,
                "actor_id": reporter,
                "kind": "report",
                "chat_id": -100,
                "detail": None,
                "seq": n,
                "report_id": n,
                "evidence_id": None,
                "canonical": canonical,
                "hash": previous,
            }
        )
    with engine.begin() as connection:
        for start in range(0, count, 20_000):
            connection.execute(insert(Report), reports[start : start + 20_000])
            connection.execute(insert(TrackerEvent), events[start : start + 20_000])


def time_verify(engine: Engine, repeats: int) -> tuple[float, float, float]:
    """Median (CPU, wall, main-thread CPU) seconds of verifying every chain in the database:
    CPU counts every thread of the process (the rows are checked on other connections in
    threads), the main thread's alone is what reads and hashes the chain."""
    cpu: list[float] = []
    wall: list[float] = []
    main: list[float] = []
    for _ in range(repeats):
        with session_scope(engine, readonly=True) as session:
            started, started_cpu = time.perf_counter(), time.process_time()
            started_main = time.thread_time()
            results = list(verify.verify(session))
            main.append(time.thread_time() - started_main)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        assert all(result.problem is None for result in results)
    return statistics.median(cpu), statistics.median(wall), statistics.median(main)


def bench_verify(
    tmp: Path, events: int, repeats: int, url: str | None = None
) -> tuple[float, float, float]:
    """Seed ``events`` report events (SQLite in ``tmp``, or the database at ``url``, which
    must be empty) and time verifying them (``time_verify``'s figures)."""
    engine = make_engine(url or f"sqlite:///{tmp / 'verify.db'}")
    upgrade(engine)
    seed_chain(engine, events)
    try:
        return time_verify(engine, repeats)
    finally:
        engine.dispose()
