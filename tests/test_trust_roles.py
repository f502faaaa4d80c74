"""Issue 10: a role that ends, ends everywhere (the private chat's link and its schedules go
with it), and a tracker always keeps an admin, even when two revoke each other at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from bot.offline import ChatRef
from domain.views import Role
from services.members import keep_an_admin
from storage import members as member_store
from storage import trackers as tracker_store
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.trail import Act
from tests.helpers import ADMIN, OPERATOR, Harness, seed_tracker
from tests.trust_helpers import at_once, links


async def _private_digest_for_ayu(h: Harness) -> ChatRef:
    await seed_tracker(h)
    ayu = ChatRef(ADMIN.id)
    await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=ayu)
    await h.say("/schedule daily 08:00", sender=ADMIN, chat=ayu)
    assert len(h.jobs.get_jobs_by_name(f"digest:{ADMIN.id}")) == 1
    return ayu


async def test_revoke_removes_the_private_chat_link_and_its_schedule(harness: Harness) -> None:
    ayu = await _private_digest_for_ayu(harness)
    reply = await harness.say(f"/revoke {ADMIN.id}", sender=OPERATOR)
    assert "private chat no longer follows" in reply
    assert ADMIN.id not in links(harness)
    assert harness.jobs.get_jobs_by_name(f"digest:{ADMIN.id}") == ()
    assert harness.jobs.get_jobs_by_name(f"reminders:{ADMIN.id}") == ()
    assert "not a member" in await harness.say("/history payments", sender=ADMIN, chat=ayu)


async def test_demotion_by_grant_removes_the_private_chat_link(harness: Harness) -> None:
    await _private_digest_for_ayu(harness)
    reply = await harness.say(f"/grant {ADMIN.id} reporter", sender=OPERATOR)
    assert "private chat no longer follows" in reply
    assert ADMIN.id not in links(harness)
    assert harness.jobs.get_jobs_by_name(f"digest:{ADMIN.id}") == ()


@pytest.mark.postgres
def test_two_admins_revoking_each_other_at_once_leave_one_admin_on_postgresql(
    postgres_url: str,
) -> None:
    """Two sessions on PostgreSQL: the first revokes B and holds its transaction open; the
    second, revoking A, must wait for it and then refuse (the last admin stays)."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    now = datetime(2024, 2, 23, tzinfo=UTC)
    with session_scope(engine) as session:
        tracker = tracker_store.create_tracker(
            session,
            key="t",
            title="T",
            deadline=now.date(),
            timezone="UTC",
            created_by=None,
            now=now,
        )
        assert tracker.id is not None
        tracker_id = tracker.id
        for admin in (1, 2):
            member_store.set_role(session, Act(tracker_id, now), user_id=admin, role=Role.ADMIN)

    def revoke(session: Session, user_id: int) -> None:
        """What /revoke does in its transaction, in that order."""
        tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
        assert tracker is not None
        keep_an_admin(session, tracker, user_id, "x")
        member_store.remove_member(session, Act(tracker_id, now), user_id=user_id)

    assert at_once(engine, lambda s: revoke(s, 2), lambda s: revoke(s, 1)) == ["last_admin"]
    with session_scope(engine, readonly=True) as session:
        assert member_store.admin_ids(session, tracker_id=tracker_id) == [1]
    engine.dispose()
