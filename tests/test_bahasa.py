"""Indonesian as Indonesians write it: input formats, zone names, numbers, and a demo with no
English in it."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from domain.digest import render_deadline_notice, render_digest
from domain.errors import UserError
from domain.forecast import Forecast, State
from domain.i18n import CATALOG, t
from domain.locale import zone_label
from domain.parsing import parse_update, parse_weight, parse_workstream
from domain.render import render_history, render_workstream_status, whole_line
from domain.schedule import Schedule, parse_schedule, parse_time
from domain.spec import load_spec
from domain.views import ReportView, Snapshot, TrackerView, WorkstreamView
from tests.helpers import BUDI, Harness, run_pantau, seed_tracker
from tests.test_glossary import NO_ENGLISH, english_in, never_used, without_commands

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "tiktok-tokopedia.toml"

# --- input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["09:00", "09.00", "9.00", "9:00"])
def test_times_are_accepted_with_a_colon_or_a_dot(token: str) -> None:
    assert parse_time(token) == time(9, 0)


@pytest.mark.parametrize("token", ["09,00", "24.00", "09.60", "0900", "9.0"])
def test_other_time_shapes_are_refused(token: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_time(token)
    assert refused.value.key == "bad_time"


def test_schedule_takes_an_indonesian_time() -> None:
    schedule = parse_schedule("weekdays 07.45")
    assert isinstance(schedule, Schedule)
    assert schedule.at == time(7, 45)


@pytest.mark.parametrize(
    ("token", "weight"),
    [("weight=2.5", 2.5), ("weight=2,5", 2.5), ("bobot=2,5", 2.5), ("BOBOT=3", 3.0)],
)
def test_weights_take_a_decimal_point_or_comma(token: str, weight: float) -> None:
    assert parse_weight(token) == weight


@pytest.mark.parametrize("token", ["weight=0", "weight=1001", "weight=nan", "weight=1e3", "w=2"])
def test_impossible_weights_are_refused(token: str) -> None:
    if not token.startswith(("weight=", "bobot=")):
        assert parse_workstream(f"add legal {token} Legal").title == f"{token} Legal"
        return
    with pytest.raises(UserError) as refused:
        parse_weight(token)
    assert refused.value.key == "bad_weight"


def test_workstream_add_with_bobot_keeps_the_title() -> None:
    args = parse_workstream("add legal bobot=2,5 Aspek hukum")
    assert (args.weight, args.title) == (2.5, "Aspek hukum")


@pytest.mark.parametrize(
    ("rest", "percent", "note"),
    [
        ("sellers 70", 70, None),
        ("sellers 70%", 70, None),
        ("sellers 70 %", 70, None),
        ("sellers 70 % spaced", 70, "spaced"),
        ("sellers 70% spaced", 70, "spaced"),
        ("sellers 70 %\nbaris kedua", 70, "baris kedua"),
        ("sellers 70 %-an", 70, "%-an"),  # a note that happens to start with % keeps it
    ],
)
def test_percent_with_or_without_a_space_before_the_sign(
    rest: str, percent: int, note: str | None
) -> None:
    args = parse_update(rest)
    assert (args.percent, args.note) == (percent, note)


async def test_update_with_a_spaced_percent_stores_the_note_without_the_sign(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/update sellers 70 % spaced", sender=BUDI)
    assert "Seller back-end: 70% (+70)" in reply
    assert harness.reports()[-1].note == "spaced"


async def test_indonesian_time_and_weight_in_chat(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/lang id")
    reply = await harness.say("/schedule weekdays 09.00")
    assert "Senin sampai dengan Jumat pukul 09.00 (WIB)" in reply
    reply = await harness.say("/workstream add legal bobot=2,5 Aspek hukum")
    assert "bobot 2,5" in reply
    assert "Ketik /schedule daily|weekdays|mon…sun JJ.MM" in await harness.say("/schedule x")


# --- time zones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "english", "indonesian"),
    [
        ("Asia/Jakarta", "WIB", "WIB"),
        ("Asia/Pontianak", "WIB", "WIB"),
        ("Asia/Makassar", "WITA", "WITA"),
        ("Asia/Jayapura", "WIT", "WIT"),
        ("Europe/London", "Europe/London time", "waktu Europe/London"),
    ],
)
def test_zones_by_the_names_indonesians_use(zone: str, english: str, indonesian: str) -> None:
    assert zone_label(zone, "en") == english
    assert zone_label(zone, "id") == indonesian
    shown = t("id", "schedule_show", when="setiap hari pukul 09.00", tz=zone_label(zone, "id"))
    assert shown == f"🗓 Ringkasan di sini setiap hari pukul 09.00 ({indonesian})."
    shown = t("en", "schedule_show", when="every day at 09:00", tz=zone_label(zone, "en"))
    assert shown == f"🗓 Digest here every day at 09:00 ({english})."


async def test_schedule_reply_names_the_zone_in_both_languages(harness: Harness) -> None:
    await seed_tracker(harness)
    assert "every Monday at 09:00 (WIB)" in await harness.say("/schedule mon 09:00")
    await harness.say("/lang id")
    assert "setiap Senin pukul 09.00 (WIB)" in await harness.say("/schedule")
    assert "pukul 09.00 (WIB)" in await harness.say("/schedule off")


# --- numbers and wording -------------------------------------------------------------------


def test_whole_numbers_are_grouped_per_language() -> None:
    assert "1.200 laporan" in t("id", "export_caption", title="X", count=1200)
    assert "1,200 reports" in t("en", "export_caption", title="X", count=1200)
    assert "paling besar 1.000" in t("id", "bad_weight", token="w", max=1000, example="e")


def test_user_ids_are_not_grouped() -> None:
    assert t("id", "user_n", id=str(123456789)) == "pengguna 123456789"
    assert t("en", "user_n", id=123456789) == "user 123456789"  # an int named *id stays whole


TRACKER = TrackerView(1, "t", "Migrasi", None, date(2024, 4, 12), "Asia/Jakarta")
SENT = datetime(2024, 2, 21, 9, 30, tzinfo=UTC)


def _plain(html: str) -> str:
    return re.sub(r"</?[a-z]+>", "", html)


def _report(percent: int) -> ReportView:
    return ReportView(1, "sellers", percent, "catatan", 1003, "Sari", SENT)


def _ws(percent: int | None) -> WorkstreamView:
    latest = _report(percent) if percent is not None else None
    return WorkstreamView(1, "sellers", "Back-end penjual", 1.0, latest)


def test_one_report_is_announced_in_the_singular() -> None:
    one = [_report(50)]
    today = date(2024, 2, 23)
    assert "Last report:" in render_workstream_status(TRACKER, _ws(50), one, today, "en")
    assert "Last 1 reports" not in render_workstream_status(TRACKER, _ws(50), one, today, "en")
    assert "— last report" in render_history(TRACKER, _ws(50), one, today, "en")
    # Indonesian does not inflect for number: "laporan terakhir" or "1 laporan terakhir".
    assert re.search(
        r"— (1 )?laporan terakhir", render_history(TRACKER, _ws(50), one, today, "id")
    )
    assert "2 laporan terakhir:" in render_workstream_status(
        TRACKER, _ws(50), one * 2, today, "id"
    )


def test_the_finish_reads_as_a_projection_and_the_no_pace_case_is_grammatical() -> None:
    ahead = Forecast(70, 8.3, date(2024, 3, 19), 4.3, State.ON_TRACK)
    assert "perkiraan selesai 19 Maret 2024 · 🟢 sesuai target" in whole_line(ahead, "id")
    assert "finish 19 March 2024" in whole_line(ahead, "en")
    never = Forecast(70, -1.0, None, 4.3, State.AT_RISK)
    line = whole_line(never, "id")
    assert "perkiraan selesai: tidak tercapai dengan laju ini · 🔴 berisiko" in line
    assert "finish not at this pace" in whole_line(never, "en")


def test_late_delivery_and_overdue_are_different_words() -> None:
    snapshot = Snapshot(TRACKER, (_ws(40),))
    today = date(2024, 4, 15)
    notice = _plain(render_deadline_notice(snapshot, today=today, lang="id", late=True))
    assert notice.startswith("⚠️ Migrasi telah melewati tenggat (12 April 2024): terlambat 3 hari")
    assert "Tertunda: dikirim setelah bot aktif kembali" in notice
    assert "Terlambat:" not in notice
    digest = _plain(
        render_digest(
            snapshot,
            None,
            today=date(2024, 2, 23),
            now=SENT,
            fallback=SENT,
            lang="id",
            late_for=SENT,
        )
    )
    assert "Tertunda: dijadwalkan 21 Feb 16.30, dikirim setelah bot aktif kembali." in digest


def test_reminders_start_with_a_capital() -> None:
    snapshot = Snapshot(TRACKER, (_ws(40),))
    for day in (date(2024, 3, 13), date(2024, 4, 12), date(2024, 4, 20)):
        notice = _plain(render_deadline_notice(snapshot, today=day, lang="id"))
        first_word = re.sub(r"^[^\w]+", "", notice.split("\n")[0])
        assert first_word[:1].isupper(), notice
    ahead = _plain(render_deadline_notice(snapshot, today=date(2024, 3, 13), lang="id"))
    assert ahead.startswith("⏳ Tenggat Migrasi (12 April 2024): sisa 30 hari.")


# --- the seed and the demo ---------------------------------------------------------------------


def test_the_seed_carries_indonesian_titles_and_notes() -> None:
    spec = load_spec(SEED.read_text(encoding="utf-8"))
    indonesian = spec.in_language("id")
    assert indonesian.tracker.title == "Migrasi TikTok Shop → Tokopedia"
    assert all(
        ws.title and ws.title != en.title
        for ws, en in zip(indonesian.workstreams, spec.workstreams, strict=True)
    )
    assert all(r.note == r.note_id for r in indonesian.reports)
    assert spec.in_language("en") == spec


DEMO_SCRIPT = [
    "/lang",
    "/status",
    "/status sellers",
    "/history sellers 1",
    "/workstreams",
    "/deadline",
    "/update sellers 60 rapat dengan Tokopedia",
    "/update app 55",
    "/undo",
    "/update paymnts 50",
    "/update sellers",
    "/schedule weekdays 09.00",
    "/schedule x",
    "/quiet",
    "/workstream add legal bobot=2,5 Aspek hukum",
    "/workstream",
    "/grant @nobody_here reporter",
    "/digest",
    "/chart",
    "/export xlsx",
    "/help",
    ":as dewi",
    "/update sellers 70",
    "/help",
    ":private",
    "/nonsense",
]


def test_the_indonesian_demo_has_no_english_in_it(tmp_path: Path) -> None:
    result = run_pantau(
        tmp_path,
        "demo",
        "--lang",
        "id",
        "--db",
        str(tmp_path / "d.db"),
        stdin="\n".join(DEMO_SCRIPT) + "\n",
        # Telegram's 20 messages a minute per group would make the script wait a minute.
        PANTAU_RATE_PER_GROUP_MINUTE="0",
    )
    assert result.returncode == 0, result.stderr
    # What the bot said: without the demo's own echo of what was typed, its ":" commands and
    # the paths where it saved the chart and the workbook.
    said = [
        line
        for line in result.stdout.splitlines()
        if not re.match(r"\S+ in [^<>]*> ", line)
        and not line.startswith(("📎", "You are now", "Now in"))
    ]
    text = "\n".join(said)
    assert len(said) > 60  # every command was answered
    for expected in (
        "Capaian keseluruhan 70% · tenggat 12 April 2024 · sisa 49 hari",
        "perkiraan selesai 19 Maret 2024",
        "Sistem back-end penjual (merchant): 60% (+10)",
        "/update app 55 <alasan>",
        "Dibatalkan: laporan Peralihan ke aplikasi yang dikelola Tokopedia 55%",
        "Apakah yang Anda maksud payments?",
        "/update <komponen> <persen> [catatan]",
        "Senin sampai dengan Jumat pukul 09.00 (WIB)",
        "bobot 2,5",
        "Grafik kemajuan",
        "Jejak audit",
        "Perintah /nonsense tidak dikenal",
    ):
        assert expected in text, expected
    english = [line for line in said if english_in(without_commands(line))]
    assert english == []
    assert never_used(text) == []
    assert {"workstream", "tracker", "deadline", "report", "overall"} <= set(NO_ENGLISH)


def test_the_command_menu_comes_from_the_catalogue_in_both_languages() -> None:
    from bot.commands import menu

    def texts(lang: str) -> dict[str, str]:
        return {name: html.unescape(t(lang, key)) for name, key in menu()}

    indonesian, english = texts("id"), texts("en")
    assert "update" in indonesian
    assert indonesian["update"] == "Laporkan kemajuan: /update <komponen> <persen> [catatan]"
    assert english["update"] == "Report progress: /update <workstream> <percent> [note]"
    assert all(english_in(without_commands(text)) == [] for text in indonesian.values())


def test_every_help_usage_with_words_has_its_indonesian_twin() -> None:
    """/help's usages come from the catalogue (every one, bare commands too) and read
    Indonesian in Indonesian."""
    from bot.commands import COMMANDS

    lines = [line for command in COMMANDS for line in command.help]
    for line in lines:
        assert line.usage_key in CATALOG
        assert english_in(without_commands(html.unescape(line.shown("id")))) == [], line.usage
