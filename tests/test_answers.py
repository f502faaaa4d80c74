"""Issue 11's odd answers in chat, each fixed: what the reader sees adds up."""

from __future__ import annotations

from bot.offline import ChatRef
from tests.helpers import ADMIN, BUDI, DEWI, Harness, seed_tracker


async def test_overall_change_is_the_difference_of_the_rounded_figures(harness: Harness) -> None:
    await seed_tracker(harness)  # payments weight 1, sellers weight 2
    await harness.say("/update sellers 81", sender=BUDI)
    before = await harness.say("/update payments 49", sender=BUDI)
    assert "Overall 70%" in before  # 70.33
    after = await harness.say("/update payments 50", sender=BUDI)
    assert "Overall 71% (+1)" in after  # 70.67: the reader saw 70, then 71


async def test_impossible_date_names_the_day(harness: Harness) -> None:
    await seed_tracker(harness)
    for day, why in (
        ("2024-04-31", "April 2024 has 30 days"),
        ("2023-02-29", "February 2023 has 28 days"),
        ("2024-13-01", "there is no month 13"),
    ):
        reply = await harness.say(f"/deadline {day}", sender=ADMIN)
        assert day in reply
        assert why in reply
    await harness.say("/lang id", sender=ADMIN)
    assert "April 2024 hanya memiliki 30 hari" in await harness.say(
        "/deadline 2024-04-31", sender=ADMIN
    )


async def test_plain_text_in_a_private_chat_gets_a_one_line_pointer(harness: Harness) -> None:
    await seed_tracker(harness)
    reply = await harness.say("hello, how do I report?", sender=DEWI, chat=ChatRef(DEWI.id))
    assert len(reply.splitlines()) == 1
    assert "/help" in reply
    # In a group, chatter among people is none of the bot's business.
    assert await harness.say("good morning all", sender=DEWI) == ""


async def test_a_workstream_reported_today_is_never_stalled(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update sellers 40", sender=BUDI)
    harness.clock.advance(days=20)
    stalled = await harness.say("/status", sender=DEWI)
    assert "⏸ stalled" in stalled  # 20 days without a report
    await harness.say("/update sellers 35 rework after the audit", sender=BUDI)
    status = await harness.say("/status", sender=DEWI)
    sellers = next(line for line in status.splitlines() if "Seller back-end" in line)
    after = status.splitlines()[status.splitlines().index(sellers) + 1]
    assert "stalled" not in after
    assert "at risk" in after
