"""The inbox of received updates: every update is kept before it is handled, so that none
is lost when the process dies.

These functions run for every update, so most take the engine and keep their own
one-statement transactions (an ORM session costs several times the write itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import InboxUpdate

_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]
_INBOX_SEEN = select(_INBOX.c.update_id).where(_INBOX.c.update_id == bindparam("update_id"))
_INBOX_ADD = _INBOX.insert()
_INBOX_DONE = (
    _INBOX.update().where(_INBOX.c.update_id == bindparam("uid")).values(done_at=bindparam("at"))
)


def inbox_add(engine: Engine, *, update_id: int, payload: str, now: datetime) -> bool:
    """Keep a received update in its own short transaction; False when it is already there.

    This runs for every update, so it uses prepared Core statements on a bare connection: an
    ORM session costs about six times as much as the write itself.
    """
    with engine.begin() as connection:
        if connection.execute(_INBOX_SEEN, {"update_id": update_id}).first() is not None:
            return False
        try:
            with connection.begin_nested():
                connection.execute(
                    _INBOX_ADD, {"update_id": update_id, "payload": payload, "received_at": now}
                )
        except IntegrityError:  # another process stored it between our check and insert
            return False
    return True


def inbox_add_many(engine: Engine, *, rows: Sequence[tuple[int, str]], now: datetime) -> set[int]:
    """Keep a batch of received updates in one transaction; the ids newly stored (the others
    were there already: delivered again)."""
    ids = [update_id for update_id, _ in rows]
    with engine.begin() as connection:
        seen = set(
            connection.execute(
                select(_INBOX.c.update_id).where(_INBOX.c.update_id.in_(ids))
            ).scalars()
        )
        fresh = [
            {"update_id": update_id, "payload": payload, "received_at": now}
            for update_id, payload in rows
            if update_id not in seen
        ]
        if not fresh:
            return set()
        try:
            with connection.begin_nested():
                connection.execute(_INBOX_ADD, fresh)
        except IntegrityError:  # another process stored some meanwhile: one by one
            stored = set()
            for row in fresh:
                try:
                    with connection.begin_nested():
                        connection.execute(_INBOX_ADD, row)
                except IntegrityError:
                    continue
                stored.add(int(row["update_id"]))  # type: ignore[call-overload]
            return stored
    return {int(row["update_id"]) for row in fresh}  # type: ignore[call-overload]


def inbox_done_in(session: Session, *, update_id: int, now: datetime) -> None:
    """Mark an update handled inside the caller's transaction."""
    session.connection().execute(_INBOX_DONE, {"uid": update_id, "at": now})


def inbox_done(engine: Engine, *, update_id: int, now: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(_INBOX_DONE, {"uid": update_id, "at": now})


def inbox_pending(session: Session) -> list[tuple[int, str]]:
    statement = (
        select(InboxUpdate)
        .where(col(InboxUpdate.done_at).is_(None))
        .order_by(col(InboxUpdate.update_id))
    )
    return [(row.update_id, row.payload) for row in session.exec(statement).all()]


def inbox_prune(session: Session, *, before: datetime) -> int:
    """Forget handled updates older than ``before`` (Telegram redelivers for 24 hours at most)."""
    rows = session.exec(
        select(InboxUpdate).where(
            col(InboxUpdate.done_at).is_not(None), col(InboxUpdate.received_at) < before
        )
    ).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
