"""A tracker's workstreams: found, added, restored, changed and archived (chained)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.trail import Kind
from storage import trail
from storage.models import Workstream


def get_workstream(session: Session, *, tracker_id: int, key: str) -> Workstream | None:
    return session.exec(
        select(Workstream).where(Workstream.tracker_id == tracker_id, Workstream.key == key)
    ).first()


def get_workstream_by_id(session: Session, *, workstream_id: int) -> Workstream | None:
    return session.get(Workstream, workstream_id)


def active_workstreams(session: Session, *, tracker_id: int) -> list[Workstream]:
    statement = (
        select(Workstream)
        .where(Workstream.tracker_id == tracker_id, col(Workstream.archived).is_(False))
        .order_by(col(Workstream.position), col(Workstream.id))
    )
    return list(session.exec(statement).all())


def save_workstream(
    session: Session,
    *,
    tracker_id: int,
    key: str,
    title: str | None,
    weight: float | None,
    now: datetime,
    actor_id: int | None = None,
) -> tuple[Workstream, str]:
    """Add a workstream, or bring back / update one with that key (chained when something
    changed).

    Returns the row and what happened: ``"added"``, ``"restored"`` or ``"updated"``.
    """
    ws = get_workstream(session, tracker_id=tracker_id, key=key)
    if ws is None:
        position = session.exec(
            select(func.coalesce(func.max(Workstream.position), 0)).where(
                Workstream.tracker_id == tracker_id
            )
        ).one()
        ws = Workstream(
            tracker_id=tracker_id,
            key=key,
            title=title or default_title(key),
            weight=weight if weight is not None else 1.0,
            position=int(position) + 1,
            created_at=now,
        )
        outcome = "added"
        before = None
    else:
        before = (ws.title, ws.weight, ws.archived)
        outcome = "restored" if ws.archived else "updated"
        if ws.archived:
            ws.created_at = now  # its silence counts from its return
        ws.archived = False
        if title:
            ws.title = title
        if weight is not None:
            ws.weight = weight
    session.add(ws)
    session.flush()
    if before != (ws.title, ws.weight, ws.archived):
        trail.record(
            session,
            trail.Act(tracker_id, now, actor_id),
            Kind.WORKSTREAM_ADDED if before is None else Kind.WORKSTREAM_CHANGED,
            detail=None if outcome == "added" else outcome,
            subject={"key": ws.key, "title": ws.title, "weight": ws.weight},
        )
    return ws, outcome


def default_title(key: str) -> str:
    """``seller-backend`` → ``Seller backend``."""
    words = key.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else key


def archive_workstream(
    session: Session,
    *,
    workstream: Workstream,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> None:
    workstream.archived = True
    session.add(workstream)
    session.flush()
    act = trail.Act(workstream.tracker_id, now or datetime.now(UTC), actor_id)
    trail.record(session, act, Kind.WORKSTREAM_ARCHIVED, subject={"key": workstream.key})
