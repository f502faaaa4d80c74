"""Two webhook instances on one PostgreSQL database: nothing recorded or sent twice."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from storage.db import make_engine, session_scope
from storage.models import Notice, Report
from tests.e2e.conftest import MANAGERS, OPERATOR, REPORTERS, STAFF, BotProcess, free_port
from tests.e2e.emulator import BotAPIEmulator, Chat, User

pytestmark = pytest.mark.postgres
SECRET = "two-instances-share-this-secret"


class Instance:
    def __init__(self, emulator: BotAPIEmulator, workdir: Path, database_url: str) -> None:
        workdir.mkdir()
        self.port = free_port()
        self.process = BotProcess(emulator, emulator.url, workdir)
        self.process.extra_env.update(
            {"DATABASE_URL": database_url, "TELEGRAM_WEBHOOK_SECRET": SECRET}
        )
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        calls = sum(1 for m, _ in self.process.emulator.calls if m == "setWebhook")
        self.process.start(
            "--webhook", "https://pantau.example.org/hook", "--listen", "127.0.0.1",
            "--port", str(self.port), wait_for=None,
        )  # fmt: skip
        self.process.emulator.wait_for_call("setWebhook", calls + 1, timeout=30)
        deadline = time.monotonic() + 15
        while _post(self.url, {"update_id": 0}) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # until the webhook server listens


def _post(url: str, update: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except urllib.error.URLError:
        return 0


_ids = iter(range(1, 10**6))


def _update(text: str, user: User, chat: Chat) -> dict[str, Any]:
    n = next(_ids)
    entity = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]
    return {
        "update_id": 5000 + n,
        "message": {
            "message_id": n,
            "date": int(time.time()),
            "chat": chat.as_json(user),
            "from": user.as_json(),
            "text": text,
            "entities": entity,
        },
    }


def test_two_webhook_instances_record_each_report_once_and_send_a_due_digest_once(
    emulator: BotAPIEmulator, tmp_path: Path, postgres_url: str
) -> None:
    a = Instance(emulator, tmp_path / "a", postgres_url)
    b = Instance(emulator, tmp_path / "b", postgres_url)
    a.start()
    deadline = (datetime.now(ZoneInfo("Asia/Jakarta")) + timedelta(days=40)).date()
    setup = [
        _update(f"/setup tiktok-tokopedia {deadline}", OPERATOR, STAFF),
        _update("/workstream add payments Payments", OPERATOR, STAFF),
        _update("/setup tiktok-tokopedia", OPERATOR, MANAGERS),
    ] + [_update(f"/grant {person.id} reporter", OPERATOR, STAFF) for person in REPORTERS]
    for update in setup:
        # One at a time, as people type: updates of different chats run concurrently, so the
        # managers' /setup must not overtake the staff's creation of the tracker.
        assert _post(a.url, update) == 200
        message = update["message"]
        emulator.wait_sent(
            lambda m, message=message: (
                m.chat_id == message["chat"]["id"] and m.reply_to == message["message_id"]
            )
        )
    emulator.wait_sent(lambda m: "is now reporter" in m.text, count=len(REPORTERS))
    # A digest slot that fell a few minutes ago, while neither instance ran the scheduler.
    local = datetime.now(ZoneInfo("Asia/Jakarta")) - timedelta(minutes=3)
    assert _post(a.url, _update(f"/schedule daily {local:%H:%M}", OPERATOR, MANAGERS)) == 200
    emulator.wait_sent(lambda m: m.chat_id == MANAGERS.id and "🗓" in m.text)
    a.process.stop()

    # Both start at once: each runs the catch-up and finds the same due digest.
    a.start()
    b.start()
    burst = [
        _update(f"/update payments {n % 101} burst {n}", REPORTERS[n % 4], STAFF)
        for n in range(120)
    ]
    # The load balancer spreads the burst; a quarter is delivered to both (a retry).
    jobs = [(a.url if n % 2 else b.url, u) for n, u in enumerate(burst)]
    jobs += [(b.url if n % 2 else a.url, u) for n, u in enumerate(burst) if n % 4 == 0]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda job: _post(*job), jobs))
    assert set(statuses) == {200}
    ids = {u["message"]["message_id"] for u in burst}
    emulator.wait_sent(
        lambda m: m.chat_id == STAFF.id and m.reply_to in ids, count=len(ids), timeout=60
    )
    time.sleep(1.5)  # let any second copy of the digest arrive, if one were coming
    engine = make_engine(postgres_url)
    with session_scope(engine, readonly=True) as session:
        recorded = session.exec(
            select(Report.message_id).where(col(Report.message_id).in_(ids))
        ).all()
        claims = session.exec(
            select(func.count()).select_from(Notice).where(col(Notice.kind) == "digest")
        ).one()
    engine.dispose()
    assert sorted(recorded) == sorted(ids)  # every report once
    manager_digests = [
        m for m in emulator.sent if m.chat_id == MANAGERS.id and "Digest ·" in m.text
    ]
    assert len(manager_digests) == 1
    assert claims == 1  # one claim for the slot, though two instances caught it up
    a.process.stop()
    b.process.stop()
