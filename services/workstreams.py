"""Shaping a tracker: adding, restoring, re-weighting and archiving its workstreams.

``/workstream`` and ``pantau import`` both go through :func:`save_workstream`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session

from domain.errors import UserError
from domain.i18n import code
from domain.parsing import suggest
from storage import workstreams as workstream_store
from storage.models import Tracker, Workstream

log = logging.getLogger(__name__)


class WorkstreamChange(StrEnum):
    ADDED = "added"
    RESTORED = "restored"  # it was archived: back, counting again
    UPDATED = "updated"  # already active: its title or weight as given
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class WorkstreamSaved:
    workstream: Workstream
    change: WorkstreamChange
    changed: bool  # False: it was already as asked (an import's "unchanged")


class WorkstreamFields(Protocol):
    """What /workstream add or an import file says about a workstream (None: as it is)."""

    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def weight(self) -> float | None: ...


def save_workstream(
    session: Session,
    tracker_id: int,
    fields: WorkstreamFields,
    *,
    now: datetime,
    actor_id: int | None = None,
) -> WorkstreamSaved:
    """Add a workstream, or bring back / update the one with this key (chained when
    something changed)."""
    existing = workstream_store.get_workstream(session, tracker_id=tracker_id, key=fields.key)
    before = None if existing is None else (existing.title, existing.weight, existing.archived)
    ws, outcome = workstream_store.save_workstream(
        session,
        tracker_id=tracker_id,
        key=fields.key,
        title=fields.title,
        weight=fields.weight,
        now=now,
        actor_id=actor_id,
    )
    return WorkstreamSaved(ws, WorkstreamChange(outcome), before != (ws.title, ws.weight, False))


def active_row(session: Session, tracker: Tracker, key: str) -> Workstream:
    """The tracker's active workstream with this key, or a refusal suggesting the closest."""
    assert tracker.id is not None
    ws = workstream_store.get_workstream(session, tracker_id=tracker.id, key=key)
    if ws is None or ws.archived:
        active = workstream_store.active_workstreams(session, tracker_id=tracker.id)
        hint = suggest(key, [w.key for w in active])
        raise UserError("no_workstream", tracker=tracker.title, key=code(key), hint=hint)
    return ws


def archive_workstream(
    session: Session, tracker: Tracker, key: str, *, actor_id: int, now: datetime
) -> WorkstreamSaved:
    """Archive an active workstream: it stops counting, its history is kept."""
    ws = active_row(session, tracker, key)
    workstream_store.archive_workstream(session, workstream=ws, actor_id=actor_id, now=now)
    log.info("workstream %s/%s archived", tracker.key, key)
    return WorkstreamSaved(ws, WorkstreamChange.ARCHIVED, True)
