"""Issue 10: who may link a chat to a tracker or move it to another, what an archived tracker
still does, and what a stranger learns by trying keys (through the real application; the
command table's own matrix is in test_permissions.py)."""

from __future__ import annotations

from datetime import timedelta

from bot import jobs
from bot.offline import ChatRef, Person
from storage import chats as chat_store
from storage import trackers as tracker_store
from storage.db import session_scope
from tests.helpers import (
    ADMIN,
    BUDI,
    DEWI,
    ELSEWHERE,
    MANAGERS,
    OPERATOR,
    SARI,
    STAFF,
    Harness,
    seed_tracker,
)
from tests.trust_helpers import BORIS, ONLY_ADMINS, links, tracker_keys


async def _other_tracker(h: Harness, person: Person, role: str) -> None:
    """The operator creates a second tracker, other-b, in the unlinked group, where
    ``person`` gets ``role``."""
    await h.say("/setup other-b 2024-06-01 Other", sender=OPERATOR, chat=ELSEWHERE)
    await h.say(f"/grant {person.id} {role}", sender=OPERATOR, chat=ELSEWHERE)


async def test_admin_of_another_tracker_cannot_move_this_trackers_groups(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/start", sender=BORIS, chat=ChatRef(BORIS.id))
    await _other_tracker(harness, BORIS, "admin")
    assert ONLY_ADMINS in await harness.say("/setup other-b", sender=BORIS, chat=STAFF)
    assert links(harness)[STAFF.id] == "tiktok-tokopedia"


async def test_private_chat_that_follows_a_tracker_moves_only_at_its_admins_word(
    harness: Harness,
) -> None:
    """Like a group: a private chat that follows tracker A moves to B only if its owner is
    an admin of A (not merely of B). Such a chat can follow A without its owner being A's
    admin: `pantau import` links chats, an operator may lose that rank."""
    await seed_tracker(harness)
    await _other_tracker(harness, BUDI, "admin")
    with session_scope(harness.engine) as session:
        story = tracker_store.get_tracker(session, key="tiktok-tokopedia")
        assert story is not None
        assert story.id is not None
        chat_store.link_chat(session, chat_id=BUDI.id, tracker_id=story.id, title=None)
    budi = ChatRef(BUDI.id)
    assert "/setup" not in await harness.say("/help", sender=BUDI, chat=budi)
    assert ONLY_ADMINS in await harness.say("/setup other-b", sender=BUDI, chat=budi)
    assert links(harness)[BUDI.id] == "tiktok-tokopedia"
    refused = await harness.say("/setup budi-own 2024-06-01", sender=BUDI, chat=budi)
    assert ONLY_ADMINS in refused
    assert "budi-own" not in tracker_keys(harness)
    # Choosing the other tracker with /use changes what private commands act on, not who
    # may move the chat.
    await harness.say("/use other-b", sender=BUDI, chat=budi)
    chosen = await harness.say("/setup other-b", sender=BUDI, chat=budi)
    assert ONLY_ADMINS in chosen
    assert links(harness)[BUDI.id] == "tiktok-tokopedia"
    # Once an admin of the tracker it follows, its owner may move it.
    await harness.say(f"/grant {BUDI.id} admin", sender=ADMIN)
    moved = await harness.say("/setup other-b", sender=BUDI, chat=budi)
    assert "moved from TikTok Shop → Tokopedia to Other" in moved
    assert links(harness)[BUDI.id] == "other-b"


async def test_trackers_lists_your_trackers_and_the_chats_that_follow_each(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    reply = await harness.say("/trackers", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "TikTok Shop → Tokopedia (tiktok-tokopedia) · you are reporter" in reply
    assert "Tim Pemantau" in reply
    assert "Pimpinan" in reply
    assert "linked by" not in reply  # the trail is for admins
    assert "You do not belong to any tracker" in await harness.say(
        "/trackers", sender=DEWI, chat=ChatRef(DEWI.id)
    )


async def test_archived_tracker_sends_nothing_cannot_be_linked_and_keeps_every_row(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    await harness.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    assert "that you administer" in await harness.say("/archive tiktok-tokopedia", sender=BUDI)
    reply = await harness.say("/archive tiktok-tokopedia", sender=ADMIN)
    assert "Archived TikTok Shop → Tokopedia" in reply
    harness.api.take()
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@a") == "unlinked"
    due = harness.clock.now + timedelta(days=42)
    assert await jobs.send_reminder(harness.app, MANAGERS.id, due=due, late=False) == (
        "nothing due"
    )
    assert await jobs.send_quiet_nudges(harness.app, 1) == []
    assert harness.api.take() == []
    assert "is archived" in await harness.say("/digest", sender=DEWI, chat=MANAGERS)
    assert "is archived" in await harness.say("/update payments 50", sender=BUDI)
    assert "40%" in await harness.say("/status", sender=DEWI, chat=MANAGERS)  # still readable
    refused = await harness.say("/setup tiktok-tokopedia", sender=ADMIN, chat=ELSEWHERE)
    assert "is archived and cannot be linked" in refused
    assert ELSEWHERE.id not in links(harness)
    assert [r.percent for r in harness.reports()] == [40]
    assert "40%" in await harness.say("/status", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "Restored" in await harness.say("/restore tiktok-tokopedia", sender=ADMIN)
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@b") == "sent"


async def test_changing_the_language_of_an_unlinked_group_says_how_its_admins_can(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/lang id", sender=ADMIN, chat=ELSEWHERE)
    assert reply == (
        "Only the bot's operators can do that in a chat that follows no tracker. Once an admin"
        " links it with /setup <key>, the tracker's admins can."
    )
    assert "English" in await harness.say("/lang", sender=ADMIN, chat=ELSEWHERE)


async def test_help_in_a_private_chat_of_someone_in_two_trackers_names_them(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await _other_tracker(harness, BUDI, "reporter")
    reply = await harness.say("/help", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "You belong to 2 trackers (other-b, tiktok-tokopedia)" in reply
    assert "not a member" not in reply


# --- strangers learn nothing ---------------------------------------------------------------


async def test_key_probing_gets_the_same_answer_for_an_existing_and_a_missing_key(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    existing = await harness.say("/setup tiktok-tokopedia", sender=DEWI, chat=ELSEWHERE)
    missing = await harness.say("/setup no-such-key", sender=DEWI, chat=ELSEWHERE)
    assert existing.replace("tiktok-tokopedia", "KEY") == missing.replace("no-such-key", "KEY")
    for leak in ("TikTok Shop", "Ayu", "ayu_pantau", "Oscar"):
        assert leak not in existing
    dated = await harness.say("/setup no-such-key 2024-05-01", sender=DEWI, chat=ELSEWHERE)
    assert dated == missing
    assert existing.replace("tiktok-tokopedia", "KEY") == (
        await harness.say("/archive no-such-key", sender=DEWI)
    ).replace("no-such-key", "KEY")
    assert ELSEWHERE.id not in links(harness)


async def test_admins_names_are_shown_only_to_members(harness: Harness) -> None:
    await seed_tracker(harness)
    stranger = await harness.say("/export", sender=DEWI)
    assert "Ayu" not in stranger
    assert "ayu_pantau" not in stranger
    assert "Ask its admins" in stranger
    member = await harness.say("/export", sender=SARI)
    assert "Ayu Lestari (@ayu_pantau)" in member
