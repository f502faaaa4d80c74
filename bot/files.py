"""Files: charts drawn once per change of their tracker (for /chart and weekly digests), and
charts and exports written to disk by the command line and the demo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session

from bot.cache import TrackerCache
from domain.progress import local_today
from services.files import ChartData, chart_data, draw_chart
from storage import trackers as tracker_store
from storage.db import PRIVATE_FILE
from storage.models import Tracker


def write_private(path: Path, content: bytes) -> None:
    """Write a chart or an export readable by its owner only (0600, even over an older file):
    the audit trail names people and what they said."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), PRIVATE_FILE)
        out.write(content)


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart as read in a transaction: the picture already drawn for this version of the
    tracker (see bot.cache), or what to draw once the transaction has closed."""

    tracker_id: int
    version: object
    key: tuple[str, str, date]
    png: bytes | None
    data: ChartData | None


def read_chart(
    session: Session, cache: TrackerCache, tracker: Tracker, *, now: datetime, lang: str
) -> Chart:
    """In the transaction: the cached picture, or the data to draw it from."""
    assert tracker.id is not None
    version = tracker_store.tracker_version(session, tracker=tracker)
    key = ("chart", lang, local_today(now, tracker.timezone))
    held = cache.peek(tracker.id, version, key)
    if isinstance(held, bytes):
        return Chart(tracker.id, version, key, held, None)
    return Chart(tracker.id, version, key, None, chart_data(session, tracker, now=now))


def draw(cache: TrackerCache, chart: Chart, *, now: datetime, lang: str) -> bytes:
    """After the transaction: the picture, drawn once per change of the tracker, language and
    day, whoever asks (/chart or a weekly digest)."""
    if chart.png is not None:
        return chart.png
    assert chart.data is not None
    png = draw_chart(chart.data, now=now, lang=lang)
    cache.put(chart.tracker_id, chart.version, chart.key, png)
    return png
