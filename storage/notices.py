"""Notices the bot sends on its own (digests, reminders, nudges): a slot claimed before
sending, so that none is ever sent twice, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.views import NoticeKind, NoticeStatus
from storage.models import Notice


def claim_notice(
    session: Session,
    *,
    chat_id: int,
    tracker_id: int,
    kind: NoticeKind,
    slot_key: str,
    late: bool,
    now: datetime,
) -> int | None:
    """Claim a slot before sending: the notice id, or None when the slot is already taken.

    The unique (chat, slot key) constraint is the arbiter: whichever transaction inserts
    first owns the slot, across job runs, restarts and processes.
    """
    taken = session.exec(
        select(Notice.id).where(Notice.chat_id == chat_id, Notice.slot_key == slot_key)
    ).first()
    if taken is not None:
        return None
    notice = Notice(
        chat_id=chat_id,
        tracker_id=tracker_id,
        kind=kind,
        slot_key=slot_key,
        status=NoticeStatus.PENDING,
        attempts=0,
        late=late,
        created_at=now,
    )
    session.add(notice)
    try:
        session.flush()
    except IntegrityError:  # another process inserted it between our check and insert
        session.rollback()
        return None
    assert notice.id is not None
    return notice.id


def finish_notice(
    session: Session,
    *,
    notice_id: int,
    chat_id: int,
    attempts: int,
    message_id: int | None,
    error: str | None,
    figures: str | None,
    now: datetime,
) -> None:
    """Record how a claimed notice ended: failed when there is an ``error``, else sent. The
    status follows from the error here, so that no notice is ever sent with an error.
    ``chat_id``: where it ended, which a group's migration moves."""
    sent = error is None
    notice = session.get(Notice, notice_id)
    assert notice is not None
    notice.status = NoticeStatus.SENT if sent else NoticeStatus.FAILED
    notice.attempts = attempts
    notice.message_id = message_id
    notice.error = error[:500] if error else None
    # A digest's figures are the next digest's baseline: only a digest that was sent has one.
    notice.figures = figures if sent else None
    notice.chat_id = chat_id
    if sent:
        notice.sent_at = now
    session.add(notice)
    session.flush()


# A digest asked for with /digest: sent like a scheduled one, but never the baseline of the
# scheduled digests' "since the last digest" (anyone may ask, at any time).
SCHEDULED_DIGEST = NoticeKind.DIGEST
MANUAL_DIGEST = NoticeKind.DIGEST_NOW


def previous_digest(session: Session, *, chat_id: int) -> Notice | None:
    """The baseline of this chat's next digest: its last scheduled digest, or, in a chat that
    never had one, its last /digest."""
    for kind in (SCHEDULED_DIGEST, MANUAL_DIGEST):
        statement = (
            select(Notice)
            .where(
                Notice.chat_id == chat_id, Notice.kind == kind, Notice.status == NoticeStatus.SENT
            )
            .order_by(col(Notice.id).desc())
            .limit(1)
        )
        found = session.exec(statement).first()
        if found is not None:
            return found
    return None


def notices(session: Session, *, chat_id: int | None = None) -> list[Notice]:
    statement = select(Notice).order_by(col(Notice.id))
    if chat_id is not None:
        statement = statement.where(Notice.chat_id == chat_id)
    return list(session.exec(statement).all())


def abandon_pending(session: Session) -> int:
    """Mark notices left pending by a process that died mid-send as failed; returns how many.

    They are not sent again: Telegram may have delivered them, and a duplicate is the one
    thing a notice must never be.
    """
    stale = session.exec(select(Notice).where(Notice.status == NoticeStatus.PENDING)).all()
    for notice in stale:
        notice.status = NoticeStatus.FAILED
        notice.error = "interrupted while sending (process stopped); not re-sent"
        session.add(notice)
    session.flush()
    return len(stale)
