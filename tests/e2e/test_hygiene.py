"""End to end: oversized webhook bodies, and `pantau db copy` beside a live writer."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import make_engine
from storage.migrate import upgrade
from tests.e2e.conftest import OPERATOR, TOKEN, BotProcess, free_port
from tests.e2e.emulator import BotAPIEmulator, Chat, message_update
from tests.e2e.forked import LAUNCH

log = logging.getLogger(__name__)
SECRET = "e2e-webhook-secret_42"
MB = 1024 * 1024
# A copy of this many reports takes seconds, many times the writer's busy timeout (writes
# never wait for another writer here: only a copy holding the write lock could stop them).
REPORTS = 30_000
BUSY_TIMEOUT = 0.25


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _headers(port: int, length: int) -> bytes:
    return (
        f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _status_line(sock: socket.socket) -> str:
    sock.settimeout(10)
    answer = b""
    while b"\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def _post_small(port: int, update_id: int) -> str:
    update = message_update(update_id, "/help", user=OPERATOR, chat=Chat(OPERATOR.id))
    body = json.dumps(update).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_headers(port, len(body)) + body)
        return _status_line(sock)


def test_webhook_refuses_a_2_mb_body_before_reading_it_and_memory_stays_flat(
    bot: BotProcess, emulator: BotAPIEmulator
) -> None:
    port = free_port()
    bot.extra_env["TELEGRAM_WEBHOOK_SECRET"] = SECRET
    bot.start(
        "--webhook", "https://pantau.example.org/hook", "--listen", "127.0.0.1",
        "--port", str(port), wait_for="setWebhook",
    )  # fmt: skip
    assert bot.process is not None
    deadline = time.monotonic() + 10
    while True:  # the server may need a moment after setWebhook
        try:
            status = _post_small(port, 1)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    assert status == "HTTP/1.1 200 OK"
    emulator.wait_sent(lambda m: m.chat_id == OPERATOR.id)

    # A 2 MB body: refused as soon as the headers are read, without waiting for the body.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_headers(port, 2 * MB))
        assert _status_line(sock) == "HTTP/1.1 400 Bad Request"

    # Six clients declaring 100 MB and streaming 20 MB each: the bot reads none of it.
    before = _rss_kb(bot.process.pid)
    clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(6)]
    refused = 0
    for sock in clients:
        sock.sendall(_headers(port, 100 * MB))
    for sock in clients:
        try:
            for _ in range(20):
                sock.sendall(b" " * MB)
        except OSError:  # the server closed the connection after its 400: as it should
            refused += 1
    grown_mb = (_rss_kb(bot.process.pid) - before) / 1024
    for sock in clients:
        sock.close()
    log.warning("RSS growth with six 100 MB bodies in flight: %.1f MB", grown_mb)
    assert refused == 6
    assert grown_mb < 20

    assert _post_small(port, 2) == "HTTP/1.1 200 OK"  # and it goes on serving Telegram


def _seed_source(path: Path, reports: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)  # in this process: the copy, not the upgrade, runs as `pantau`
    engine.dispose()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO tracker (id, key, title, deadline, timezone, created_at, quiet_days) "
            "VALUES (1, 'big', 'Big', '2030-01-01', 'UTC', '2024-01-01 00:00:00.000000', 7)"
        )
        db.execute(
            "INSERT INTO workstream (id, tracker_id, key, title, weight, archived, position) "
            "VALUES (1, 1, 'ws', 'WS', 1, 0, 0)"
        )
        db.executemany(
            "INSERT INTO report (tracker_id, workstream_id, percent, reporter_id, "
            "reporter_name, chat_id, message_id, created_at, recorded_at, revision) "
            "VALUES (1, 1, ?, 42, 'Budi', -100, ?, ?, ?, 0)",
            (
                (n % 101, n, stamp, stamp)
                for n in range(reports)
                for stamp in [(start + timedelta(seconds=n)).strftime("%Y-%m-%d %H:%M:%S.%f")]
            ),
        )


def test_db_copy_of_a_live_sqlite_file_never_locks_out_its_writer(tmp_path: Path) -> None:
    source, target = tmp_path / "live.db", tmp_path / "copy.db"
    _seed_source(source, REPORTS)
    stop = threading.Event()
    written: list[float] = []
    errors: list[str] = []

    def bot_keeps_writing() -> None:
        # As the running bot would, but with a short busy timeout instead of 10 s: a copy that
        # held the write lock for longer than that makes this fail.
        db = sqlite3.connect(source, timeout=BUSY_TIMEOUT, isolation_level=None)
        n = 0
        while not stop.is_set():
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "INSERT INTO seen_user (id, display_name, updated_at) "
                    "VALUES (?, 'writer', '2024-01-01 00:00:00.000000')",
                    (900_000 + n,),
                )
                db.execute("COMMIT")
                written.append(time.monotonic())
                n += 1
            except sqlite3.OperationalError as exc:
                errors.append(str(exc))
                if db.in_transaction:
                    db.execute("ROLLBACK")
            time.sleep(0.01)
        db.close()

    writer = threading.Thread(target=bot_keeps_writing)
    writer.start()
    try:
        time.sleep(0.2)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, str(LAUNCH), "--", "db", "copy",
             "--from", f"sqlite:///{source}", "--to", f"sqlite:///{target}"],
            env={"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": TOKEN},
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
        finished = time.monotonic()
    finally:
        stop.set()
        writer.join()
    log.warning("copy took %.1f s; %s writes meanwhile", finished - started, len(written))
    assert result.returncode == 0, result.stderr
    assert "row counts match in every table" in result.stdout
    assert errors == []
    during = [moment for moment in written if started < moment < finished]
    assert finished - started > 4 * BUSY_TIMEOUT  # long enough for a held lock to show
    assert len(during) > 10
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT count(*) FROM report").fetchone()[0] == REPORTS
