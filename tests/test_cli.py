"""The command line and configuration, as an operator meets them."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import build_application
from bot.cli import main
from bot.config import MissingTokenError, Settings
from bot.logs import RedactingFormatter
from bot.offline import ChatRef
from tests.helpers import BUDI, EXAMPLE, TEST_TOKEN, Harness, run_pantau, seed_tracker


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "demo", "db", "import"):
        assert command in out


def test_help_and_version_load_neither_the_database_nor_telegram_libraries() -> None:
    """A new process (this one has them all loaded): ``pantau --help`` answers at once."""
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "for argv in (['--help'], ['--version'], ['db', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(*sorted({name.partition('.')[0] for name in sys.modules}))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    ).stdout.split()
    assert "argparse" in loaded  # the probe saw what was imported
    heavy = {"alembic", "matplotlib", "openpyxl", "pydantic", "sqlalchemy", "sqlmodel", "telegram"}
    assert heavy.isdisjoint(loaded)


def test_run_without_token_says_where_to_get_one_and_exits_2(tmp_path: Path) -> None:
    result = run_pantau(tmp_path, "run")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "@BotFather" in lines[0]


def test_malformed_token_is_refused_without_echoing_it(tmp_path: Path) -> None:
    result = run_pantau(tmp_path, "run", TELEGRAM_BOT_TOKEN="not a token secret-XYZ")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "@BotFather" in result.stderr
    assert "secret-XYZ" not in result.stderr + result.stdout


def test_settings_parse_admin_ids_and_defaults() -> None:
    settings = Settings(_env_file=None, pantau_admin_ids="1, 22 ,333")
    assert settings.pantau_admin_ids == frozenset({1, 22, 333})
    assert settings.database_url == "sqlite:///./data/pantau.db"
    assert settings.pantau_timezone == "Asia/Jakarta"
    assert settings.base_url is None
    with pytest.raises(MissingTokenError, match="@BotFather"):
        Settings(_env_file=None).require_token()


def test_base_url_points_ptb_at_a_local_server() -> None:
    settings = Settings(
        _env_file=None,
        telegram_api_base_url="http://127.0.0.1:8081/",
        telegram_bot_token=SecretStr(TEST_TOKEN),
    )
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    app = build_application(settings)
    assert app.bot.base_url == f"http://127.0.0.1:8081/bot{TEST_TOKEN}"


@pytest.mark.parametrize(
    ("name", "value"),
    [("PANTAU_ADMIN_IDS", "12,abc"), ("PANTAU_TIMEZONE", "Mars/Base"), ("LOG_LEVEL", "LOUD")],
)
def test_bad_settings_give_one_clear_error(tmp_path: Path, name: str, value: str) -> None:
    result = run_pantau(tmp_path, "db", "upgrade", **{name: value})
    assert result.returncode == 2
    assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_and_import_are_idempotent(tmp_path: Path) -> None:
    assert run_pantau(tmp_path, "db", "upgrade").returncode == 0
    first = run_pantau(tmp_path, "import", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    assert "created tracker tiktok-tokopedia" in first.stdout
    assert "workstreams: 3 new, 0 already there" in first.stdout
    assert "reports: 11 new, 0 already there" in first.stdout
    second = run_pantau(tmp_path, "import", str(EXAMPLE))
    assert "updated tracker tiktok-tokopedia" in second.stdout
    assert "members: 0 new, 3 already there" in second.stdout
    assert "reports: 0 new, 11 already there" in second.stdout


def test_import_of_malformed_file_names_the_field_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace("percent = 45", "percent = 450"))
    result = run_pantau(tmp_path, "import", str(bad))
    assert result.returncode == 2
    assert "reports.1.percent" in result.stderr
    assert "nothing was changed" in result.stderr
    assert not (tmp_path / "cli.db").exists()


def test_demo_answers_status_from_a_pipe(tmp_path: Path) -> None:
    result = run_pantau(
        tmp_path, "demo", "--seed", str(EXAMPLE), stdin="/status\n/update sellers 60 <b>ok</b>\n"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "TikTok Shop → Tokopedia migration" in out
    assert "70% overall · deadline 12 April 2024 · 49 days left" in out
    assert "Seller (merchant) back-end: 60% (+10)" in out
    assert "<b>ok</b>" in out  # the note as typed, not as markup
    assert "\033[" not in out  # plain text when not on a terminal
    assert (tmp_path / "data" / "demo.db").exists()


async def test_token_never_appears_in_logs_even_at_debug(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await seed_tracker(harness)
        await harness.say("/update payments 50", sender=BUDI)
        await harness.say("/status", sender=BUDI, chat=ChatRef(BUDI.id))
        await harness.say("/update payments 500", sender=BUDI)
    assert caplog.records  # something was logged
    formatter = RedactingFormatter(TEST_TOKEN)
    for record in caplog.records:
        assert TEST_TOKEN not in formatter.format(record)
    assert TEST_TOKEN.split(":")[1] not in caplog.text


def test_redacting_formatter_blanks_token_in_messages_and_tracebacks() -> None:
    formatter = RedactingFormatter(TEST_TOKEN)
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TEST_TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "url %s", (TEST_TOKEN,), sys.exc_info()
        )
    text = formatter.format(record)
    assert TEST_TOKEN not in text
    assert text.count("<secret>") == 2


def test_demo_clock_runs_due_jobs_and_tap_answers_a_checkin(tmp_path: Path) -> None:
    script = "\n".join(
        [
            ":clock +1d",  # Friday 09:00 → Saturday 09:00: Friday's 16:00 check-in on the way
            ":tap 70%",
            ":clock +2h",  # Saturday: no check-in, nothing else due
            ":clock 2024-03-01 09:00",
            ":clock 2024-02-01 09:00",  # backwards: refused
            ":clock soon",
            "",
        ]
    )
    result = run_pantau(tmp_path, "demo", "--seed", str(EXAMPLE), stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    first, rest = out.split(":tap 70%", 1)
    assert "⏰ Fri 23 Feb 16:00 · checkin:1" in first
    assert "🔒 private chat of Budi" in first
    assert "🔒 private chat of Sari" in first
    assert "[60%] [70%] [80%] [90%] [100%] [✍️ Other] [No change]" in first
    assert "🕘 Now Sat 24 Feb 2024 09:00" in first
    assert "(Budi taps 70%)" in rest
    assert "Transition to the Tokopedia-run app: 70% recorded." in rest
    saturday, later = rest.split(":clock 2024-03-01 09:00", 1)
    assert "🔒" not in saturday.split(":clock +2h", 1)[1]  # a weekend: nobody asked
    assert "⏰ Mon 26 Feb 16:00 · checkin:1" in later
    assert "😴 Seller (merchant) back-end has had no report for 7 days" in later
    assert "The demo's clock only moves forward" in later
    assert "Type :clock +1d" in later
