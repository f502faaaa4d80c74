"""Pantau's benchmarks: ``./dev bench`` prints one table.

Every figure is a ratio against a reference measured in the same run (the framework's own
floor, a small database, the configured cap), as the median of several repetitions. These are
measurements, not tests: nothing here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from benchmarks.common import ROWS, STAFF, TOKEN, median, row, seed, settings_for
from benchmarks.process import bench_memory, bench_startup
from benchmarks.verify import bench_verify
from bot import jobs
from bot.app import build_application
from bot.inbox import InboxQueue
from bot.offline import ChatRef, Fault, OfflineBotAPI, Person, UpdateFactory

REPORTER = Person(1, "Budi", "Santoso", "budi_s")


# --- 1. /update against the framework's floor --------------------------------------------------
#
# Figures are CPU time per update (every thread of the process: the database work runs off the
# event loop), the measure; wall time is printed beside it.


class Clocks:
    """CPU and wall time of a stretch of work."""

    def __init__(self) -> None:
        self.cpu = time.process_time()
        self.wall = time.perf_counter()

    def stop(self, count: int) -> tuple[float, float]:
        """(CPU µs, wall µs) per item."""
        return (
            (time.process_time() - self.cpu) / count * 1e6,
            (time.perf_counter() - self.wall) / count * 1e6,
        )


async def _until_sent(api: OfflineBotAPI, count: int) -> None:
    while len(api.sent) < count:
        await asyncio.sleep(0.001)


def _bare_app() -> tuple[Any, OfflineBotAPI]:
    api = OfflineBotAPI()

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("ok")

    bare = Application.builder().token(TOKEN).request(api).build()
    bare.add_handler(CommandHandler(["update", "status"], answer))
    return bare, api


def _updates(app: Any, count: int, text: str = "/update payments {p} note {n}") -> list[Update]:
    factory = UpdateFactory(app.bot)
    staff = ChatRef(STAFF, "Staff")
    return [
        factory.message(text.format(p=n % 101, n=n), sender=REPORTER, chat=staff)
        for n in range(count)
    ]


async def _bare_handlers(count: int) -> tuple[float, float]:
    bare, api = _bare_app()
    async with bare:
        updates = _updates(bare, count)
        clocks = Clocks()
        for update in updates:
            await bare.process_update(update)
        return clocks.stop(count)


async def _bare_queue(count: int) -> tuple[float, float]:
    bare, api = _bare_app()
    async with bare:
        updates = _updates(bare, count)
        await bare.start()
        clocks = Clocks()
        for update in updates:
            await bare.update_queue.put(update)
        await _until_sent(api, count)
        figures = clocks.stop(count)
        await bare.stop()
        return figures


async def _pantau(tmp: Path, rep: int, count: int, *, inbox: bool) -> tuple[float, float]:
    db = tmp / f"update-{rep}-{inbox}.db"
    engine, _ = seed(db, 0)
    api = OfflineBotAPI()
    app = build_application(settings_for(db), request=api, engine=engine)
    async with app:
        staff = ChatRef(STAFF, "Staff")
        await app.process_update(
            UpdateFactory(app.bot).message("/start", sender=REPORTER, chat=staff)
        )
        await app.bot.outbox.drain()
        api.sent.clear()
        updates = _updates(app, count)
        if not inbox:  # handlers only: the application handles each update, replies leave
            clocks = Clocks()
            for update in updates:
                await app.process_update(update)
            await app.bot.outbox.drain()
            figures = clocks.stop(count)
        else:  # as polling does: each getUpdates batch (100) to the inbox, then the queue
            queue = app.update_queue
            assert isinstance(queue, InboxQueue)
            await app.start()
            clocks = Clocks()
            for start in range(0, count, 100):
                batch = updates[start : start + 100]
                await queue.record_batch(batch)
                for update in batch:
                    await queue.put(update)
            await _until_sent(api, count)
            figures = clocks.stop(count)
            await app.stop()
    engine.dispose()
    return figures


async def bench_update(tmp: Path, count: int, repeats: int) -> None:
    print(f"1. /update x{count}: Pantau vs a bare python-telegram-bot app that only replies")
    for inbox, name, target in ((False, "handlers only", 3.0), (True, "with the inbox", 4.0)):
        ratios, ours, floors, walls = [], [], [], []
        for rep in range(repeats):
            pantau = await _pantau(tmp, rep, count, inbox=inbox)
            floor = await (_bare_queue(count) if inbox else _bare_handlers(count))
            ours.append(pantau[0])
            floors.append(floor[0])
            walls.append(pantau[1] / floor[1])
            ratios.append(pantau[0] / floor[0])
        ratio = median(ratios)
        row(
            f"/update vs bare PTB, {name} (CPU)",
            f"{ratio:.2f}x ({median(ours):.0f} µs vs {median(floors):.0f} µs per update; "
            f"wall {median(walls):.2f}x)",
            f"≤ {target:.0f}x",
            "met" if ratio <= target else "MISSED",
        )


# --- 2. /status and digest: 1,000,000 reports against 1,000 ----------------------------------


async def _time_status_and_digest(db: Path, engine: Any, calls: int) -> tuple[float, float, float]:
    """Median CPU per /status (answered from the per-tracker view), per /status right after
    a change (computed), and wall time per digest."""
    api = OfflineBotAPI()
    app = build_application(settings_for(db), request=api, engine=engine)
    async with app:
        factory = UpdateFactory(app.bot)
        staff = ChatRef(STAFF, "Staff")
        status_times: list[float] = []
        fresh_times: list[float] = []
        digest_times: list[float] = []
        for n in range(calls):
            update = factory.message("/status", sender=REPORTER, chat=staff)
            clocks = Clocks()
            await app.process_update(update)
            await app.bot.outbox.drain()
            (fresh_times if n == 0 else status_times).append(clocks.stop(1)[0])
            started = time.perf_counter()
            await jobs.send_digest(app, STAFF, slot_key=f"bench-{n}")
            digest_times.append(time.perf_counter() - started)
        for n in range(max(3, calls // 4)):  # a report, then /status: computed afresh
            await app.process_update(
                factory.message(f"/update app {n % 100}", sender=REPORTER, chat=staff)
            )
            await app.bot.outbox.drain()
            clocks = Clocks()
            await app.process_update(factory.message("/status", sender=REPORTER, chat=staff))
            await app.bot.outbox.drain()
            fresh_times.append(clocks.stop(1)[0])
        assert not api.unknown
    return median(status_times) / 1e6, median(fresh_times) / 1e6, median(digest_times)


async def _bare_reply(calls: int) -> float:
    bare, _api = _bare_app()
    async with bare:
        updates = _updates(bare, calls, "/status")
        times = []
        for update in updates:
            clocks = Clocks()
            await bare.process_update(update)
            times.append(clocks.stop(1)[0])
        return median(times) / 1e6


async def bench_scale(tmp: Path, big: int, calls: int) -> Path:
    print(f"2. /status and digest with {big:,} reports vs 1,000, and /status vs a bare reply")
    small_db, big_db = tmp / "small.db", tmp / "big.db"
    small_engine, _ = seed(small_db, 1_000)
    big_engine, seconds = seed(big_db, big)
    print(f"  seeded {big:,} reports in {seconds:.1f} s", flush=True)
    small = await _time_status_and_digest(small_db, small_engine, calls)
    large = await _time_status_and_digest(big_db, big_engine, calls)
    bare = await _bare_reply(calls * 5)
    for name, index in (("/status", 0), ("digest", 2)):
        ratio = large[index] / small[index]
        row(
            f"{name} at {big:,} vs 1,000 reports",
            f"{ratio:.2f}x ({large[index] * 1e3:.2f} ms vs {small[index] * 1e3:.2f} ms)",
            "≤ 1.2x",
            "met" if ratio <= 1.2 else "MISSED",
        )
    for name, index in (("/status", 0), ("/status right after a report", 1)):
        ratio = large[index] / bare
        row(
            f"{name} at {big:,} reports vs a bare reply (CPU)",
            f"{ratio:.2f}x ({large[index] * 1e6:.0f} µs vs {bare * 1e6:.0f} µs)",
            "≤ 5x",
            "met" if ratio <= 5 else "MISSED",
        )
    row(f"seeding {big:,} reports", f"{seconds:.1f} s", "—", "")
    small_engine.dispose()
    big_engine.dispose()
    return big_db


# --- 3. fan-out through the rate limiter ------------------------------------------------------


class FlakyAPI(OfflineBotAPI):
    """Answers every tenth sendMessage with 429 and notes when each attempt went out.

    ``retry_after`` is Telegram's 1 s scaled like the cap (30/s): at 300/s it is 0.1 s.
    """

    def __init__(self, retry_after: float, every: int = 10) -> None:
        super().__init__()
        self.retry_after = retry_after
        self.every = every  # 0: never answer 429
        self.attempts: list[float] = []
        self.pauses: list[tuple[float, float]] = []  # when Telegram told the bot to wait

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: Any = None, **kw: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            now = time.perf_counter()
            self.attempts.append(now)
            if self.every and len(self.attempts) % self.every == 0:
                # PTB's limiter waits retry_after + 0.1 s, holding every request meanwhile.
                self.pauses.append((now, now + self.retry_after + 0.1))
                return 429, Fault.retry_after(self.retry_after).body()  # type: ignore[arg-type]
        return await super().do_request(url, method, request_data, **kw)


def _paused(pauses: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of the pause intervals."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(pauses):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


async def _fanout(
    tmp: Path, chats: int, cap: float, every: int
) -> tuple[FlakyAPI, list[str], float]:
    db = tmp / f"fanout-{every}.db"
    engine, _ = seed(db, 1_000, chats=chats)
    api = FlakyAPI(retry_after=30 / cap, every=every)
    app = build_application(
        settings_for(db, pantau_rate_per_second=cap), request=api, engine=engine
    )
    async with app:
        started = time.perf_counter()
        results = await asyncio.gather(
            *[jobs.send_digest(app, STAFF - i, slot_key="digest@bench") for i in range(chats)]
        )
        elapsed = time.perf_counter() - started
    engine.dispose()
    return api, list(results), elapsed


def _busiest_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def bench_fanout(tmp: Path, chats: int, cap: float) -> None:
    print(f"3. a digest to {chats:,} chats through the limiter at {cap:.0f}/s")
    clean, _, clean_elapsed = await _fanout(tmp, chats, cap, every=0)
    flaky, results, elapsed = await _fanout(tmp, chats, cap, every=10)
    per_chat: dict[int, int] = {}
    for message in flaky.sent:
        per_chat[message.chat_id] = per_chat.get(message.chat_id, 0) + 1
    once = len(per_chat) == chats and set(per_chat.values()) == {1} and set(results) == {"sent"}
    rate = len(clean.attempts) / (max(clean.attempts) - min(clean.attempts))
    busiest = max(_busiest_second(clean.attempts), _busiest_second(flaky.attempts))
    row(
        "fan-out, 10% answered 429: each chat exactly once",
        f"{'yes' if once else 'NO'} ({len(flaky.sent)} messages, {len(flaky.attempts)} "
        f"attempts, {elapsed:.1f} s of which {_paused(flaky.pauses):.1f} s Telegram's waits)",
        "once each",
        "met" if once else "MISSED",
    )
    row(
        "fan-out: send rate against the cap",
        f"{rate / cap:.0%} of {cap:.0f}/s ({len(clean.attempts)} in {clean_elapsed:.1f} s)",
        "≥ 90%",
        "met" if rate >= 0.9 * cap else "MISSED",
    )
    row(
        "fan-out: busiest second, both runs",
        f"{busiest} sends",
        f"≤ {cap:.0f}",
        "met" if busiest <= cap else "MISSED",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=5_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument(
        "--cap", type=float, default=300.0, help="benchmark 3: messages/s (10x Telegram's 30)"
    )
    parser.add_argument("--more", type=int, default=100_000, help="updates for benchmark 4")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--events", type=int, default=100_000, help="events for benchmark 6")
    parser.add_argument(
        "--only", type=int, choices=range(1, 7), action="append", help="run only these (1-6)"
    )
    args = parser.parse_args()
    chosen = set(args.only or range(1, 7))
    gc.collect()
    print(f"Pantau benchmarks on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        if 1 in chosen:
            asyncio.run(bench_update(tmp, args.updates, args.repeats))
        if 2 in chosen or 4 in chosen:
            big_db = asyncio.run(bench_scale(tmp, args.reports, 20))
        if 3 in chosen:
            asyncio.run(bench_fanout(tmp, args.chats, args.cap))
        if 4 in chosen:
            bench_memory(big_db, args.more, args.reports)
        if 5 in chosen:
            bench_startup(tmp, args.repeats)
        if 6 in chosen:
            cpu, wall, main_cpu = bench_verify(tmp, args.events, args.repeats)
            # The budget is the time a user waits: wall time (on a busy machine it grows with
            # the load; the CPU figures say what the verifier itself spent).
            row(
                f"pantau verify, {args.events:,} events (SQLite)",
                f"{wall:.2f} s wall, {cpu:.2f} s CPU ({main_cpu:.2f} s in the main thread)",
                "< 1 s",
                "met" if wall < 1 else "MISSED",
            )
    width = max(len(r[0]) for r in ROWS)
    fig = max(len(r[1]) for r in ROWS)
    print()
    print(f"| {'benchmark'.ljust(width)} | {'figure'.ljust(fig)} | target | |")
    print(f"|{'-' * (width + 2)}|{'-' * (fig + 2)}|--------|--|")
    for name, figure, target, verdict in ROWS:
        print(f"| {name.ljust(width)} | {figure.ljust(fig)} | {target} | {verdict} |")


if __name__ == "__main__":
    main()
