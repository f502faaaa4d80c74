"""Shared set-up for the benchmarks: settings, seeding, a bare PTB application."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine, insert

from bot.config import Settings
from domain.views import Role
from storage import members as member_store
from storage import trackers as tracker_store
from storage import workstreams as workstream_store
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import ChatLink, Report
from storage.trail import Act

TOKEN = "123456789:benchmark-token"
STAFF = -1001001
NOW = datetime.now(UTC)
ROOT = Path(__file__).resolve().parent.parent
# The table ./dev bench prints at the end: one row per figure, in the order measured.
ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, figure: str, target: str, verdict: str) -> None:
    ROWS.append((name, figure, target, verdict))
    print(f"  {name}: {figure} (target {target}) {verdict}", flush=True)


def settings_for(db: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": SecretStr(TOKEN),
        "database_url": f"sqlite:///{db}",
        "pantau_admin_ids": frozenset({9001}),
        "pantau_rate_per_second": 0,
        "pantau_rate_per_group_minute": 0,
        "log_level": "WARNING",
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def median(values: list[float]) -> float:
    return statistics.median(values)


def seed(db: Path, reports: int, *, chats: int = 1) -> tuple[Engine, float]:
    """A tracker with three workstreams, ``reports`` reports over the last year, linked
    chats, and reporters; returns the engine and the seconds seeding took."""
    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with session_scope(engine) as session:
        tracker = tracker_store.create_tracker(
            session,
            key="bench",
            title="Benchmark tracker",
            deadline=date.today() + timedelta(days=60),
            timezone="Asia/Jakarta",
            created_by=9001,
            now=NOW,
        )
        assert tracker.id is not None
        ws_ids = []
        for key in ("payments", "sellers", "app"):
            ws, _ = workstream_store.save_workstream(
                session, tracker_id=tracker.id, key=key, title=None, weight=None, now=NOW
            )
            assert ws.id is not None
            ws_ids.append(ws.id)
        act = Act(tracker.id, NOW)
        for user in range(1, 5):
            member_store.set_role(session, act, user_id=user, role=Role.REPORTER)
        tracker_id = tracker.id
    span = timedelta(days=365).total_seconds()
    start = NOW - timedelta(days=365)
    batch: list[dict[str, object]] = []
    with engine.begin() as connection:
        for n in range(reports):
            batch.append(
                {
                    "tracker_id": tracker_id,
                    "workstream_id": ws_ids[n % 3],
                    "percent": min(100, n * 100 // max(reports, 1)),
                    "note": None if n % 4 else f"note {n}",
                    "reporter_id": 1 + n % 4,
                    "reporter_name": f"Reporter {1 + n % 4}",
                    "chat_id": STAFF,
                    "message_id": n + 1,
                    "update_id": None,
                    "created_at": start + timedelta(seconds=span * n / max(reports, 1)),
                    "recorded_at": start + timedelta(seconds=span * n / max(reports, 1)),
                    "retracted_at": None,
                }
            )
            if len(batch) == 20_000:
                connection.execute(insert(Report), batch)
                batch.clear()
        if batch:
            connection.execute(insert(Report), batch)
        connection.execute(
            insert(ChatLink),
            [
                {
                    "chat_id": STAFF - i,
                    "tracker_id": tracker_id,
                    "title": f"Chat {i}",
                    "active": True,
                }
                for i in range(chats)
            ],
        )
    return engine, time.perf_counter() - started
