"""Locks that make a read-then-write safe when two transactions run at once on PostgreSQL.

SQLite needs none of them: its writers start with ``BEGIN IMMEDIATE`` and so run one at a
time, from their first read to their commit.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlmodel import Session


def _key(*parts: object) -> int:
    """A signed 64-bit advisory-lock key (a collision only makes two messages wait in turn)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_message(session: Session, *, chat_id: int, message_id: int) -> None:
    """Hold one chat message's reports until the transaction ends.

    Every path that reads a message's revisions and then adds one (an ``/update``, each edit
    of it) takes this first, so two of them for the same message run one after the other and
    the second sees the first's revision: two edits handled at once are two revisions, and an
    edit racing its own ``/update`` corrects it rather than adding a second counted report.
    PostgreSQL: a transaction-scoped advisory lock (no row may exist yet to lock).
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key("message", chat_id, message_id)}
    )
