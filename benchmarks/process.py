"""Benchmarks 4 and 5, which measure a process of their own (its memory, its start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT, TOKEN, median, row

# --- 4. memory of the bot process ---------------------------------------------------------------

MEMORY_SCRIPT = r"""
import asyncio, json, resource, sys
from pathlib import Path
from benchmarks.common import STAFF, settings_for
from bot.app import build_application
from bot.inbox import InboxQueue
from bot.offline import ChatRef, OfflineBotAPI, Person, UpdateFactory
from storage.db import make_engine

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

async def main(db, more):
    api = OfflineBotAPI()
    engine = make_engine(f"sqlite:///{db}")
    app = build_application(settings_for(Path(db)), request=api, engine=engine)
    person = Person(1, "Budi")
    staff = ChatRef(STAFF, "Staff")
    async with app:
        factory = UpdateFactory(app.bot)
        for text in ("/status", "/digest", "/chart"):
            await app.process_update(factory.message(text, sender=person, chat=staff))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        before = rss_mb()
        for n in range(more):
            message_id = 10_000_000 + n
            await app.process_update(factory.message(
                f"/update sellers {n % 101}", sender=person, chat=staff, message_id=message_id))
            api.sent.clear()
            api.calls.clear()  # the offline transport's own record, not the bot's memory
        after = rss_mb()
    print(json.dumps({"peak": peak, "before": before, "after": after,
                      "files": len(api.files), "unknown": api.unknown}))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def bench_memory(big_db: Path, more: int, big: int) -> None:
    print(f"4. memory of the bot process at {big:,} reports, then {more:,} more updates")
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(big_db), str(more)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    row(
        "peak RSS after /status, /digest, /chart",
        f"{data['peak']:.0f} MB",
        "≤ 150 MB",
        "met" if data["peak"] <= 150 else "MISSED",
    )
    growth = data["after"] - data["before"]
    row(
        f"RSS growth over {more:,} updates",
        f"{growth:+.1f} MB",
        "≤ 10 MB",
        "met" if growth <= 10 else "MISSED",
    )


# --- 5. start-up -------------------------------------------------------------------------------


def bench_startup(tmp: Path, repeats: int) -> None:
    print("5. start-up of `pantau run` to its first getUpdates, against the local emulator")
    from tests.e2e.emulator import BotAPIEmulator

    times = []
    for rep in range(repeats):
        emulator = BotAPIEmulator(TOKEN)
        url = emulator.start()
        db = tmp / f"start-{rep}.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PANTAU_"))}
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": url,
                "DATABASE_URL": f"sqlite:///{db}",
                "LOG_LEVEL": "WARNING",
            }
        )
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=tmp, env=env, stderr=subprocess.DEVNULL
        )
        emulator.wait_for_call("getUpdates", timeout=30)
        times.append(time.perf_counter() - started)
        process.terminate()
        process.wait(timeout=30)
        emulator.stop()
    figure = median(times)
    row(
        "start-up to first getUpdates (fresh database)",
        f"{figure:.2f} s",
        "≤ 1.5 s",
        "met" if figure <= 1.5 else "MISSED",
    )
