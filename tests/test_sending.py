"""Replies through the outbox and the send budgets: windows, coalescing, responsiveness."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import time_machine
from sqlalchemy import Engine

from bot import transport
from bot.app import build_application
from bot.config import Settings
from bot.offline import OfflineBotAPI, SentMessage
from bot.outbox import Ack, Outbox, Outgoing
from bot.ratelimit import MIN_SLEEP, SendLimiter
from bot.transport import PantauBot
from tests.helpers import BUDI, STAFF, START, Clock, Harness, busiest, seed_tracker, within

GROUP = -100800


def _ack(n: int) -> Ack:
    return Ack(
        tracker_id=1,
        lang="en",
        item=f"<b>Payments</b> {n}%",
        overall=n / 2,
        previous_overall=(n - 1) / 2,
        left="40 days left",
    )


class Recorder(OfflineBotAPI):
    """The offline Bot API, noting when each message was sent (by the limiter's clock)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def do_request(self, url: str, *args: object, **kwargs: object) -> tuple[int, bytes]:
        if url.endswith(("/sendMessage", "/sendPhoto")):
            self.times.append(time.time())
        return await super().do_request(url, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def sender(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[PantauBot, Recorder, SendLimiter]]:
    """A bot whose outbox drains through a limiter of 3 messages per 2 s in a group, on
    simulated time: the windows' clock (``time.time``) stands still while the bot works and
    moves on only when the outbox or the limiter waits, by what they wait. So what these tests
    see does not depend on how busy the machine is (sends spread over real time by a slow
    machine changed which acknowledgements were worth merging), and a 2 s window takes none."""
    with time_machine.travel(START, tick=False) as traveller:

        async def wait(seconds: float) -> None:
            traveller.shift(seconds)
            await asyncio.sleep(0)  # what the other tasks would do meanwhile

        async def sleep_until_reset(windows: Any, item: Any, *identifiers: str) -> None:
            stats = await windows.get_window_stats(item, *identifiers)
            await wait(max(MIN_SLEEP, stats.reset_time - time.time()))

        api = Recorder()
        limiter = SendLimiter(rate_per_second=30, rate_per_group_minute=3, group_period=2)
        monkeypatch.setattr(limiter, "_sleep_until_reset", sleep_until_reset)
        bot = PantauBot(
            token="123456789:abc", request=api, get_updates_request=api, rate_limiter=limiter
        )
        bot.attach(Outbox(bot, limiter, coalesce_seconds=0.5, sleep=wait), None)
        async with bot:
            yield bot, api, limiter


async def test_a_few_messages_go_at_once_and_only_those_past_the_budget_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limiter = SendLimiter(rate_per_second=30, rate_per_group_minute=20)
    slept: list[tuple[Any, ...]] = []

    async def sleep_until_reset(*args: Any) -> None:
        slept.append(args)

    monkeypatch.setattr(limiter, "_sleep_until_reset", sleep_until_reset)
    for _ in range(20):  # a conversation: all at once, none waiting for a window
        await limiter.acquire(GROUP)
    assert slept == []
    # The 21st would wait for the window (about a minute), not 3 s as an even pace would.
    assert await limiter.wait_for(GROUP) > 55
    assert await limiter.wait_for(-100801) == 0  # another group has its own budget
    assert await limiter.wait_for(4242) == 0  # a private chat has no group budget
    await limiter.shutdown()


async def test_over_budget_acknowledgements_are_merged_naming_every_report(
    sender: tuple[PantauBot, Recorder, SendLimiter],
) -> None:
    bot, api, _limiter = sender
    for n in range(1, 11):
        bot.outbox.put(Outgoing(GROUP, f"✅ Payments: {n}%", reply_to=n, ack=_ack(n)))
    bot.outbox.put(Outgoing(GROUP, "Overall 5% (the answer to /status)", reply_to=11))
    await within(bot.outbox.drain(), "the outbox never drained")
    texts = [m.text for m in api.sent]
    # The budget is 3 at once; the last acknowledgements would wait 2 s (> 0.5 s): the first
    # two go as they are, the third slot carries all the others.
    assert texts[:2] == ["✅ Payments: 1%", "✅ Payments: 2%"]
    merged = texts[2]
    assert merged.startswith("✅ 8 reports recorded: Payments 3%, Payments 4%")
    assert all(f"Payments {n}%" in merged for n in range(3, 11))
    assert "Overall 5% (+4) · 40 days left" in merged
    assert texts[3] == "Overall 5% (the answer to /status)"  # an answer is never merged away
    assert len(texts) == 4
    assert api.sent[2].reply_to == 10  # the merged message quotes the newest report
    assert busiest(api.times, 2.0) <= 3
    assert bot.outbox.merged == 7


async def test_answers_and_refusals_keep_their_place_between_merged_acknowledgements(
    sender: tuple[PantauBot, Recorder, SendLimiter],
) -> None:
    bot, api, _limiter = sender
    bot.outbox.put(Outgoing(GROUP, "✅ Payments: 1%", ack=_ack(1)))
    bot.outbox.put(Outgoing(GROUP, "warm-up"))
    for n in range(2, 6):
        bot.outbox.put(Outgoing(GROUP, f"✅ Payments: {n}%", ack=_ack(n)))
        if n == 3:
            bot.outbox.put(Outgoing(GROUP, "Only reporters and admins may /update."))
    await within(bot.outbox.drain(), "the outbox never drained")
    texts = [m.text for m in api.sent]
    assert texts[:2] == ["✅ Payments: 1%", "warm-up"]
    assert texts[2].startswith("✅ 4 reports recorded: Payments 2%, Payments 3%, Payments 4%")
    # The refusal is not merged away: it follows, after the window has room again.
    assert texts[3] == "Only reporters and admins may /update."
    assert len(texts) == 4


async def test_after_a_wait_what_fits_the_budget_goes_as_it_is(
    sender: tuple[PantauBot, Recorder, SendLimiter],
) -> None:
    bot, api, _limiter = sender
    for n in range(1, 4):
        bot.outbox.put(Outgoing(GROUP, f"warm-up {n}"))  # the budget is spent
    bot.outbox.put(Outgoing(GROUP, "✅ Payments: 4%", ack=_ack(4)))
    bot.outbox.put(Outgoing(GROUP, "✅ Payments: 5%", ack=_ack(5)))
    await within(bot.outbox.drain(), "the outbox never drained")
    texts = [m.text for m in api.sent]
    # They waited 2 s for the window; then both fit it: nothing to gain by merging.
    assert texts[3:] == ["✅ Payments: 4%", "✅ Payments: 5%"]
    assert api.times[3] - api.times[0] >= 2.0
    assert busiest(api.times, 2.0) <= 3


async def test_within_the_budget_nothing_is_merged(
    sender: tuple[PantauBot, Recorder, SendLimiter],
) -> None:
    bot, api, _limiter = sender
    bot.outbox.put(Outgoing(GROUP, "✅ Payments: 1%", ack=_ack(1)))
    bot.outbox.put(Outgoing(GROUP, "✅ Payments: 2%", ack=_ack(2)))
    await within(bot.outbox.drain(), "the outbox never drained")
    assert [m.text for m in api.sent] == ["✅ Payments: 1%", "✅ Payments: 2%"]


@pytest.fixture
async def limited(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """The application with Telegram's default limits (30/s, 20 a minute per group)."""
    monkeypatch.setattr(transport, "OUTBOX_GRACE_SECONDS", 0.5)  # what waits a minute at exit
    real = settings.model_copy(
        update={"pantau_rate_per_second": 30.0, "pantau_rate_per_group_minute": 20.0}
    )
    clock = Clock()
    api = OfflineBotAPI(clock)
    app = build_application(real, request=api, engine=engine, clock=clock)
    async with app:
        yield Harness(app, api, engine, clock)


async def _until(done: Callable[[], bool], seconds: float) -> None:
    """Let the application work until ``done()`` or ``seconds`` have passed."""
    for _ in range(int(seconds / 0.005)):
        if done():
            return
        await asyncio.sleep(0.005)


async def test_update_then_status_in_a_quiet_group_are_both_answered_without_waiting(
    limited: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram's budgets hold back only a busy group: in a quiet one neither answer waits
    for a slot (what it took is printed: a figure, not an assertion on a busy machine)."""
    await seed_tracker(limited)
    limited.api.take()
    app = limited.app
    assert isinstance(app.bot, PantauBot)
    limiter = app.bot.outbox.limiter
    assert limiter is not None
    waits: list[float] = []
    check, sleep = limiter.wait_for, limiter._sleep_until_reset

    async def wait_for(chat_id: object) -> float:
        waits.append(await check(chat_id))
        return waits[-1]

    async def sleep_until_reset(*args: Any) -> None:
        waits.append(-1.0)  # a full window: a sleep
        await sleep(*args)

    monkeypatch.setattr(limiter, "wait_for", wait_for)
    monkeypatch.setattr(limiter, "_sleep_until_reset", sleep_until_reset)
    await app.start()
    try:
        started = time.monotonic()
        for text in ("/update payments 40", "/status"):
            await app.update_queue.put(limited.factory.message(text, sender=BUDI, chat=STAFF))
        await _until(lambda: len(limited.api.sent) >= 2, 5.0)
        took = time.monotonic() - started
    finally:
        await app.stop()
    sent: list[SentMessage] = limited.api.take()
    assert [m.text.splitlines()[0] for m in sent] == [
        "✅ Payments: 40% (+40)",
        "📊 TikTok Shop → Tokopedia",
    ]
    assert "13% overall" in sent[1].text  # payments weighs 1 of 3
    assert "40% Payments" in sent[1].text
    assert waits  # the budget was asked
    assert set(waits) == {0.0}
    print(f"both answered after {took:.2f} s")  # noqa: T201


async def test_recording_never_waits_for_the_groups_budget(limited: Harness) -> None:
    await seed_tracker(limited)  # the set-up's replies spent part of the group's budget
    limited.api.take()
    app = limited.app
    await app.start()
    try:
        started = time.monotonic()
        for n in range(40):
            update = limited.factory.message(f"/update payments {n + 1}", sender=BUDI, chat=STAFF)
            await app.update_queue.put(update)
        await _until(lambda: len(limited.reports()) >= 40, 10.0)
        recorded_after = time.monotonic() - started
    finally:
        await app.stop()
    assert len(limited.reports()) == 40
    assert recorded_after < 5  # at Telegram's pace (20 a minute) the 40th would take 2 minutes
