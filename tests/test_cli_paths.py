"""Every path off the happy one, as an operator meets it: `pantau` run as a command (in this
process, see ``run_pantau``; ``python -m bot`` once, as a process of its own).

One rule: exit 0 with a result line, or a non-zero exit and one or two lines saying what was
wrong and what to do. Never a traceback (unless --debug), never the token.
"""

from __future__ import annotations

import http.server
import json
import logging
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli, cli_data, startup
from tests.helpers import (
    EXAMPLE,
    TEST_TOKEN,
    copy_database,
    refused,
    run_pantau,
    run_pantau_bytes,
    run_pantau_process,
)


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    result = run_pantau_process(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"pantau {cli.package_version()}"
    assert result.stdout.strip() != "pantau unknown (not installed)"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_without_network_retries_with_one_line_per_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[float] = []

    async def sleep(seconds: float) -> None:  # the pauses, without waiting them out
        waited.append(seconds)

    assert startup.check_telegram.__kwdefaults__ is not None
    monkeypatch.setitem(startup.check_telegram.__kwdefaults__, "sleep", sleep)
    result = run_pantau(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{_closed_port()}",
        PANTAU_START_ATTEMPTS="3",
    )
    assert result.returncode == 2
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert TEST_TOKEN.split(":")[1] not in out
    retries = [line for line in result.stderr.splitlines() if "trying again in" in line]
    assert len(retries) == 2  # attempts 1 and 2; the third is the last
    assert "attempt 1 of 3" in retries[0]
    assert "trying again in 1 s" in retries[0]
    assert "trying again in 2 s" in retries[1]
    assert waited == [1, 2]
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("pantau: cannot reach Telegram at 127.0.0.1")
    )


class _Unauthorized(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # Telegram's answer to a revoked or mistyped token
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


@pytest.fixture
def rejecting_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rejected_token_is_one_line_that_never_shows_it(
    tmp_path: Path, rejecting_server: str
) -> None:
    result = run_pantau(
        tmp_path, "run", TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=rejecting_server
    )
    assert "rejected TELEGRAM_BOT_TOKEN" in refused(result)
    assert "@BotFather" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--webhook", "http://bot.example.org/pantau"), "Telegram delivers only to HTTPS"),
        (("--port", "8443"), "--port is for webhook mode only"),
        (("--listen", "0.0.0.0"), "--listen is for webhook mode only"),
        (("--webhook", "https://bot.example.org/p", "--port", "99999"), "use 1–65535"),
        (("--webhook", "https://bot.example.org/p", "--port", "0"), "use 1–65535"),
        (("--webhook", "https://bot.example.org/p", "--port", "http"), "not a port number"),
    ],
)
def test_run_options_are_checked(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    result = run_pantau(tmp_path, "run", *args, TELEGRAM_BOT_TOKEN=TEST_TOKEN)
    assert expected in refused(result)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("data/x.db", "did you mean `sqlite:///data/x.db`?"),
        ("mysql://root:hunter2@db/pantau", "mysql is not supported; use sqlite:///"),
    ],
)
def test_database_url_mistakes_say_what_to_write(tmp_path: Path, url: str, expected: str) -> None:
    result = run_pantau(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert expected in refused(result)
    assert "hunter2" not in result.stderr
    assert "postgresql+psycopg://" in result.stderr or "sqlite:///data/x.db" in result.stderr


def test_database_folder_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    result = run_pantau(tmp_path, "db", "upgrade", DATABASE_URL="sqlite:////proc/pantau/x.db")
    assert "cannot create the database folder /proc/pantau" in refused(result)


@pytest.fixture(scope="module")
def imported_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("imported")
    result = run_pantau(workdir, "import", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    return workdir


@pytest.fixture
def imported(imported_once: Path, tmp_path: Path) -> Path:
    return copy_database(imported_once, tmp_path)


def test_export_into_a_missing_folder_is_one_line(imported: Path) -> None:
    result = run_pantau(
        imported, "export", "--tracker", "tiktok-tokopedia", "--out", "/missing/dir/x.csv"
    )
    assert "cannot write /missing/dir/x.csv: No such file or directory" in refused(result)


def test_out_dash_writes_to_standard_output(imported: Path) -> None:
    result = run_pantau(imported, "export", "--tracker", "tiktok-tokopedia", "--out", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.lstrip("\ufeff").startswith("time_utc,")
    assert len(result.stdout.splitlines()) == 12  # header and 11 reports
    assert "wrote standard output: 11 reports" in result.stderr
    assert not (imported / "-").exists()
    chart = run_pantau_bytes(imported, "chart", "--tracker", "tiktok-tokopedia", "--out", "-")
    assert chart.returncode == 0
    assert chart.stdout.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("suffix", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")]
)
def test_chart_writes_the_format_its_file_name_says(
    imported: Path, suffix: str, magic: bytes
) -> None:
    out = imported / f"chart.{suffix}"
    result = run_pantau(imported, "chart", "--tracker", "tiktok-tokopedia", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote the {suffix.upper()} chart to {out}" in result.stdout
    assert out.read_bytes().startswith(magic)


def test_chart_refuses_a_format_it_cannot_write(imported: Path) -> None:
    result = run_pantau(imported, "chart", "--tracker", "tiktok-tokopedia", "--out", "chart.jpg")
    assert "name a .png, .svg or .pdf file" in refused(result)
    assert not (imported / "chart.jpg").exists()


def test_import_of_a_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes(EXAMPLE.read_text(encoding="utf-8").replace("→", "-").encode("latin-1"))
    latin.write_bytes(latin.read_bytes().replace(b"Kick-off", b"Kick-off \xe9t\xe9"))
    result = run_pantau(tmp_path, "import", str(latin))
    assert "is not UTF-8 text" in refused(result)
    assert "Nothing was changed" in result.stderr


def test_unexpected_failure_is_two_lines_and_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_args: object) -> int:
        raise RuntimeError(f"disk on fire near {TEST_TOKEN}")

    monkeypatch.setattr(cli_data, "cmd_db_upgrade", broken)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    assert cli.main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "pantau db: failed: RuntimeError: disk on fire near <secret>",
        "Run it again with --debug to see where (and report it if it looks like a bug).",
    ]
    with pytest.raises(RuntimeError, match="disk on fire"):
        cli.main(["db", "upgrade", "--debug"])
    monkeypatch.setenv("LOG_LEVEL", "debug")
    with pytest.raises(RuntimeError, match="disk on fire"):
        cli.main(["db", "upgrade"])


def test_log_lines_below_debug_carry_the_error_not_the_traceback() -> None:
    from bot.logs import RedactingFormatter

    def record(formatter: RedactingFormatter) -> str:
        try:
            raise ConnectionError(f"no route to api.telegram.org/bot{TEST_TOKEN}/getUpdates")
        except ConnectionError:
            entry = logging.LogRecord(
                "x", logging.ERROR, __file__, 1, "polling failed", (), sys.exc_info()
            )
        return formatter.format(entry)

    quiet = record(RedactingFormatter(TEST_TOKEN, tracebacks=False))
    assert "Traceback" not in quiet
    assert len(quiet.splitlines()) == 2
    assert "ConnectionError: no route to api.telegram.org/bot<secret>/getUpdates" in quiet
    assert "LOG_LEVEL=DEBUG shows the traceback" in quiet
    assert "Traceback" in record(RedactingFormatter(TEST_TOKEN, tracebacks=True))
