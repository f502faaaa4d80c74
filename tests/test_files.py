"""/chart and /export: a real picture and a trail a spreadsheet can open safely."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from PIL import Image

from tests.helpers import ADMIN, BUDI, DEWI, SARI, Harness, seed_tracker

NOTE = '=HYPERLINK("http://evil.example","click")'


async def _history(h: Harness) -> None:
    await seed_tracker(h)
    for day, (payments, sellers) in enumerate([(20, 5), (40, 15), (60, 30), (90, 45)]):
        h.clock.advance(days=3)
        await h.say(f"/update payments {payments} step {day}", sender=BUDI)
        await h.say(f"/update sellers {sellers}", sender=SARI)
    await h.say(f"/update sellers 50 {NOTE}", sender=SARI)
    await h.say("/undo", sender=BUDI)


async def test_chart_is_a_phone_readable_png_that_is_not_blank(harness: Harness) -> None:
    await _history(harness)
    harness.api.files.clear()
    assert await harness.say("/chart", sender=DEWI) == ""
    (sent,) = harness.api.files
    assert sent.method == "sendPhoto"
    assert "Burn-up of" in (sent.caption or "")
    image = Image.open(io.BytesIO(sent.content))
    assert image.format == "PNG"
    assert image.width >= 1000
    assert image.height >= 600
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 50
    assert max(count for count, _ in colours) < image.width * image.height * 0.95


async def test_chart_in_indonesian_and_without_reports(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/lang id")
    harness.api.files.clear()
    await harness.say("/chart", sender=DEWI)
    (sent,) = harness.api.files
    assert "Grafik kemajuan" in (sent.caption or "")
    assert Image.open(io.BytesIO(sent.content)).width >= 1000


async def test_csv_export_round_trips_every_field_and_neutralises_formulas(
    harness: Harness,
) -> None:
    await _history(harness)
    harness.api.files.clear()
    await harness.say("/export", sender=ADMIN)
    (sent,) = harness.api.files
    assert sent.method == "sendDocument"
    assert sent.filename.endswith(".csv")
    assert sent.filename.startswith("pantau-tiktok-tokopedia-")
    rows = list(csv.DictReader(io.StringIO(sent.content.decode("utf-8-sig"))))
    assert len(rows) == 9  # every report, the undone one included
    # The header is a contract with the spreadsheets people already keep: pinned as the file's
    # first line, letter for letter (columns are only ever added at the end).
    header = sent.content.decode("utf-8-sig").splitlines()[0]
    assert header == (
        "time_utc,time_local,workstream,percent,note,reporter_id,reporter_name,chat_id,"
        "message_id,retracted_at_utc,recorded_at_utc,retracted_by,"
        "report_id,revision,corrects,evidence,event_hash"
    )
    first = rows[0]
    assert first["workstream"] == "payments"
    assert first["percent"] == "20"
    assert first["note"] == "step 0"
    assert first["reporter_name"] == "Budi Santoso"
    assert first["time_utc"].endswith("+00:00")
    assert first["time_local"].endswith("+07:00")
    assert first["reporter_id"] == str(BUDI.id)
    assert first["chat_id"] == "-1001001"
    assert [r["retracted_at_utc"] != "" for r in rows].count(True) == 1
    undone = next(r for r in rows if r["retracted_at_utc"])
    assert undone["retracted_by"] != ""
    assert first["recorded_at_utc"].endswith("+00:00")
    dangerous = next(r for r in rows if "HYPERLINK" in r["note"])
    assert dangerous["note"] == "'" + NOTE
    db_reports = harness.reports()
    assert [int(r["message_id"]) for r in rows] == [r.message_id for r in db_reports]


async def test_xlsx_export_has_summary_and_trail_and_no_formula(harness: Harness) -> None:
    await _history(harness)
    harness.api.files.clear()
    await harness.say("/export xlsx", sender=ADMIN)
    (sent,) = harness.api.files
    book = load_workbook(io.BytesIO(sent.content))
    assert book.sheetnames == ["Summary", "Reports"]
    summary = [row for row in book["Summary"].iter_rows(values_only=True)]
    assert summary[0][:4] == ("Key", "Title", "Weight", "Latest %")
    assert [row[0] for row in summary[1:]] == ["payments", "sellers", "*"]
    trail = book["Reports"]
    assert trail.max_row == 10
    cell = next(c for c in trail["E"] if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.value == NOTE
    assert cell.data_type == "s"


async def test_only_admins_export(harness: Harness) -> None:
    await _history(harness)
    harness.api.files.clear()
    assert "Only admins" in await harness.say("/export", sender=BUDI)
    assert "Type /export or /export xlsx" in await harness.say("/export pdf")
    assert harness.api.files == []


async def _run_digest_job(h: Harness, chat_id: int) -> None:
    from bot import jobs

    assert h.app.job_queue is not None
    h.app.job_queue.run_once(jobs.digest_job, when=0, data=chat_id)
    await h.app.job_queue.start()
    import asyncio

    await asyncio.sleep(0.5)
    await h.app.job_queue.stop()


async def test_weekly_digest_and_monday_daily_digest_attach_the_chart(harness: Harness) -> None:
    from datetime import UTC, datetime

    from tests.helpers import MANAGERS

    await seed_tracker(harness)
    await harness.say("/setup tiktok-tokopedia", chat=MANAGERS)
    await harness.say("/update payments 30", sender=BUDI)
    await harness.say("/schedule daily 09:00", chat=MANAGERS)
    harness.api.files.clear()
    harness.clock.now = datetime(2024, 2, 27, 2, 0, 1, tzinfo=UTC)  # Tuesday 09:00 in Jakarta
    await _run_digest_job(harness, MANAGERS.id)
    assert harness.api.files == []
    harness.clock.now = datetime(2024, 3, 4, 2, 0, 1, tzinfo=UTC)  # Monday
    await _run_digest_job(harness, MANAGERS.id)
    assert [f.method for f in harness.api.files] == ["sendPhoto"]
    await harness.say("/schedule fri 09:00", chat=MANAGERS)
    harness.api.files.clear()
    harness.clock.now = datetime(2024, 3, 8, 2, 0, 1, tzinfo=UTC)  # Friday, weekly
    await _run_digest_job(harness, MANAGERS.id)
    assert [f.chat_id for f in harness.api.files] == [MANAGERS.id]


async def test_command_menu_is_registered_in_both_languages(harness: Harness) -> None:
    assert harness.app.post_init is not None
    await harness.app.post_init(harness.app)
    menus = [c.params for c in harness.api.calls if c.method == "setMyCommands"]
    languages = sorted(str(m.get("language_code")) for m in menus)
    assert languages == ["None", "en", "id"]
    indonesian = next(m for m in menus if m.get("language_code") == "id")
    assert {"command": "status", "description": "Posisi terkini"} in indonesian["commands"]
