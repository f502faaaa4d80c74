"""A managers' chat that follows several trackers: /follow, /unfollow, /status across them
and per tracker, and one scheduled digest covering all of them, worst first."""

from __future__ import annotations

from bot import jobs
from bot.offline import ChatRef
from tests.helpers import (
    ADMIN,
    BUDI,
    DEWI,
    MANAGERS,
    OPERATOR,
    STAFF,
    Harness,
    seed_tracker,
)

BETA_STAFF = ChatRef(-1002001, "Beta staff")
GAMMA_STAFF = ChatRef(-1003001, "Gamma staff")


async def _three_trackers(h: Harness) -> None:
    """The story's tracker (about 13% after one report), beta (done) and gamma (overdue)."""
    await seed_tracker(h)
    await h.say("/update payments 40", sender=BUDI)
    await h.say("/setup beta 2024-06-30 Beta migration", sender=OPERATOR, chat=BETA_STAFF)
    await h.say(f"/grant {ADMIN.id} admin", sender=OPERATOR, chat=BETA_STAFF)
    await h.say("/workstream add api API", sender=ADMIN, chat=BETA_STAFF)
    await h.say("/update api 100", sender=ADMIN, chat=BETA_STAFF)
    await h.say("/setup gamma 2024-02-01 Gamma migration", sender=OPERATOR, chat=GAMMA_STAFF)
    await h.say(f"/grant {ADMIN.id} admin", sender=OPERATOR, chat=GAMMA_STAFF)
    await h.say("/workstream add data Data transfer", sender=ADMIN, chat=GAMMA_STAFF)
    await h.say("/update data 20", sender=ADMIN, chat=GAMMA_STAFF)
    await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    assert "now also follows Beta migration" in await h.say("/follow beta", chat=MANAGERS)
    assert "now also follows Gamma migration" in await h.say("/follow gamma", chat=MANAGERS)


async def test_status_in_a_portfolio_chat_is_one_line_per_tracker_worst_first(
    harness: Harness,
) -> None:
    await _three_trackers(harness)
    status = await harness.say("/status", sender=DEWI, chat=MANAGERS)
    lines = [line for line in status.splitlines() if "·" in line]
    assert len(lines) == 3
    assert "Gamma migration" in lines[0]  # overdue first
    assert "overdue" in lines[0]
    assert "20%" in lines[0]
    assert "most at risk: Data transfer" in lines[0]
    assert "TikTok Shop → Tokopedia" in lines[1]
    assert "49 days left" in lines[1]
    assert "Beta migration" in lines[2]  # done last
    assert "100%" in lines[2]
    assert "/status gamma" in status
    detail = await harness.say("/status beta", chat=MANAGERS)
    assert "Beta migration" in detail
    assert "API" in detail
    own = await harness.say("/status tiktok-tokopedia", chat=MANAGERS)
    assert "Seller back-end" in own
    # The staff group keeps one tracker: /status and /update are about it alone.
    assert "Payments" in await harness.say("/status", chat=STAFF)
    assert "Gamma" not in await harness.say("/status", chat=STAFF)
    update = await harness.say("/update payments 50", sender=BUDI, chat=MANAGERS)
    assert "Payments: 50%" in update  # the managers' chat's own tracker, never a followed one


async def test_one_scheduled_digest_covers_every_tracker_worst_first(harness: Harness) -> None:
    await _three_trackers(harness)
    harness.api.take()
    status = await jobs.send_digest(
        harness.app, MANAGERS.id, slot_key="digest@2024-02-26T09:00", scheduled=True
    )
    assert status == "sent"
    (digest,) = [m for m in harness.api.take() if m.chat_id == MANAGERS.id]
    text = digest.text
    assert text.startswith("🗞 Digest · 3 trackers, most at risk first")
    order = [text.index(title) for title in ("Gamma", "TikTok Shop", "Beta")]
    assert order == sorted(order)
    assert text.count("🔗 trail ") == 3


async def test_digest_of_a_single_tracker_ends_with_its_trail_head(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    digest = await harness.say("/digest", chat=MANAGERS)
    last = digest.strip().splitlines()[-1]
    assert last.startswith("🔗 trail ")
    assert "…" in last
    await harness.say("/lang id", sender=ADMIN, chat=MANAGERS)
    assert "🔗 jejak audit " in await harness.say("/digest", chat=MANAGERS)


async def test_follow_needs_admin_and_refuses_archived_or_unknown_keys(harness: Harness) -> None:
    await _three_trackers(harness)
    refused = await harness.say("/follow beta", sender=BUDI, chat=MANAGERS)
    assert "admins" in refused.lower()
    unknown = await harness.say("/follow nosuch", chat=MANAGERS)
    assert "nosuch" in unknown
    await harness.say("/archive beta", chat=BETA_STAFF)
    archived = await harness.say("/unfollow beta", chat=MANAGERS)
    assert "no longer follows Beta migration" in archived
    again = await harness.say("/follow beta", chat=MANAGERS)
    assert "archived" in again.lower()
    assert "/restore beta" in again
    # An archived tracker drops out of the portfolio.
    status = await harness.say("/status", chat=MANAGERS)
    assert "Beta" not in status
    assert "2 trackers" in status
    own = await harness.say("/unfollow tiktok-tokopedia", chat=MANAGERS)
    assert "this chat's own tracker" in own
    assert "does not follow" in await harness.say("/unfollow beta", chat=MANAGERS)
    assert "Type /follow <key>" in await harness.say("/follow", chat=MANAGERS)
