"""Nothing a report can say breaks a reply, and managers see what was taken back.

Each test is named after a finding of issue 10 (items 5 and 8) or 11 ("/history can split a
report from its note") and drives the real application over the offline Bot API.
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot import jobs
from bot.offline import SentMessage
from domain.htmltext import split_html, units
from domain.spec import SpecError, load_spec
from storage.db import session_scope
from storage.models import Tracker
from tests.helpers import ADMIN, BUDI, DEWI, MANAGERS, OPERATOR, SARI, STAFF, Harness, seed_tracker
from tests.schedule_helpers import tracked
from tests.telegram_html import html_problem

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tiktok-tokopedia.toml"
APOLOGY = "Sorry, something went wrong"


def assert_valid_pieces(sent: list[SentMessage]) -> None:
    """Every message as Telegram would take it: valid HTML, at most 4,096 units."""
    assert sent, "no reply at all"
    for message in sent:
        assert html_problem(message.html) is None, (html_problem(message.html), message.html)
        assert units(message.html) <= 4096
        assert message.text.strip()
        assert APOLOGY not in message.text


# --- a pace that projects past year 9999 -----------------------------------------------------


async def _tiny_positive_pace(h: Harness) -> None:
    """The finding: 50%, 60% just past the middle of the 28-day window, then 50% again.

    The least-squares pace is then a hair above zero: at that pace 100% is millions of years
    away, and every view that showed the projected finish answered only the apology."""
    await seed_tracker(h)
    await h.say("/setup tiktok-tokopedia", chat=MANAGERS)
    await h.say("/update payments 50", sender=BUDI)
    h.clock.advance(days=14)  # one minute past the middle of the three reports
    await h.say("/update payments 60 vendor sign-off", sender=BUDI)
    h.clock.advance(days=13, hours=23, minutes=58)
    await h.say("/update payments 50 sign-off withdrawn", sender=BUDI)


async def test_tiny_positive_pace_reads_not_at_this_pace_in_every_manager_view(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await _tiny_positive_pace(harness)
    with caplog.at_level(logging.INFO):
        status = await harness.send_update("/status", sender=DEWI, chat=MANAGERS)
        assert_valid_pieces(status)
        assert "finish not at this pace" in status[0].text
        assert_valid_pieces(await harness.send_update("/status payments", sender=DEWI, chat=STAFF))
        manual = await harness.send_update("/digest", sender=DEWI, chat=MANAGERS)
        assert_valid_pieces(manual)
        assert "not at this pace" in manual[0].text
        harness.api.files.clear()
        sent = await jobs.send_digest(
            harness.app, MANAGERS.id, slot_key="digest@test", with_chart=True, scheduled=True
        )
        assert sent == "sent"
        assert "not at this pace" in harness.api.take()[0].text
        assert [f.method for f in harness.api.files] == ["sendPhoto"]  # the chart went too
        harness.api.files.clear()
        assert await harness.say("/chart", sender=DEWI, chat=MANAGERS) == ""
        assert [f.method for f in harness.api.files] == ["sendPhoto"]
        harness.api.files.clear()
        await harness.say("/export xlsx", sender=ADMIN)
        (export,) = harness.api.files
    book = load_workbook(io.BytesIO(export.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    payments = next(row for row in rows if row[0] == "payments")
    assert payments[5] == "not at this pace"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_tiny_positive_pace_reads_not_at_this_pace_in_indonesian(harness: Harness) -> None:
    await _tiny_positive_pace(harness)
    await harness.say("/lang id", chat=MANAGERS)
    status = await harness.send_update("/status", sender=DEWI, chat=MANAGERS)
    assert "tidak tercapai dengan laju ini" in status[0].text


# --- deadlines between 2000 and 2100 ---------------------------------------------------------


def _deadline(h: Harness) -> str:
    with session_scope(h.engine, readonly=True) as session:
        return session.exec(select(Tracker)).one().deadline.isoformat()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
async def test_deadline_outside_2000_to_2100_is_refused_by_deadline_and_setup(
    harness: Harness, day: str
) -> None:
    await seed_tracker(harness)
    reply = await harness.say(f"/deadline {day}")
    assert reply == f"{day} cannot be a deadline: give a date from 2000-01-01 to 2100-12-31."
    reply = await harness.say(f"/setup tiktok-tokopedia {day}", chat=MANAGERS)
    assert "cannot be a deadline" in reply
    reply = await harness.say(f"/setup other-one {day} Other", sender=OPERATOR, chat=MANAGERS)
    assert "cannot be a deadline" in reply
    assert _deadline(harness) == "2024-04-12"
    with session_scope(harness.engine, readonly=True) as session:
        assert len(session.exec(select(Tracker)).all()) == 1
    await harness.say("/lang id")
    assert "tidak dapat menjadi tenggat" in await harness.say(f"/deadline {day}")


@pytest.mark.parametrize("day", ["9999-12-31", "1999-12-31"])
def test_import_refuses_a_deadline_outside_2000_to_2100(day: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("2024-04-12", day, 1)
    with pytest.raises(SpecError, match=f"tracker.deadline: {day} cannot be a deadline"):
        load_spec(text)


def test_import_refuses_an_out_of_range_deadline_and_notes_a_past_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'import.db'}")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(EXAMPLE.read_text(encoding="utf-8").replace("2024-04-12", "9999-12-31", 1))
    assert main(["import", str(wrong)]) == 2
    error = capsys.readouterr().err
    assert (
        "tracker.deadline: 9999-12-31 cannot be a deadline: give a date from 2000-01-01" in error
    )
    assert "nothing was changed" in error
    assert main(["import", str(EXAMPLE)]) == 0  # 12 April 2024 is in the past: accepted
    assert "note: the deadline 2024-04-12 passed" in capsys.readouterr().out


async def test_deadline_limits_themselves_are_accepted(harness: Harness) -> None:
    await seed_tracker(harness)
    assert "31 December 2100" in await harness.say("/deadline 2100-12-31")
    assert "1 January 2000" in await harness.say("/deadline 2000-01-01")
    assert _deadline(harness) == "2000-01-01"


async def test_past_deadline_is_accepted_with_a_warning_line(harness: Harness) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/deadline 2024-01-01")
    assert "Deadline of TikTok Shop → Tokopedia moved" in reply
    assert "53 days overdue" in reply
    assert reply.endswith(
        "\n⚠️ This deadline has already passed. If the date is a typo, correct it with "
        "/deadline YYYY-MM-DD."
    )
    assert _deadline(harness) == "2024-01-01"
    created = await harness.say("/setup old-one 2023-12-31 Old", sender=OPERATOR, chat=MANAGERS)
    assert "Created Old (old-one)" in created
    assert "already passed" in created
    assert "already passed" not in await harness.say("/deadline 2024-05-01")
    assert "already passed" not in await harness.say("/deadline")  # showing is not setting
    await harness.say("/lang id")
    assert "Tenggat ini telah berlalu" in await harness.say("/deadline 2024-01-02")


# --- a digest whose chart fails ----------------------------------------------------------------


async def test_digest_whose_chart_fails_is_sent_without_it_and_the_failure_is_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import domain.chart

    await tracked(harness, schedule=None)
    await harness.say("/update payments 30", sender=BUDI)

    def broken(*_args: object, **_kwargs: object) -> bytes:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(domain.chart, "render_chart", broken)
    harness.api.take()
    harness.api.files.clear()
    with caplog.at_level(logging.INFO):
        status = await jobs.send_digest(
            harness.app, MANAGERS.id, slot_key="digest@weekly", with_chart=True, scheduled=True
        )
    assert status == "sent"
    (digest,) = harness.api.take()
    assert "Digest · TikTok Shop → Tokopedia" in digest.text
    assert harness.api.files == []
    (failure,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "chart of tracker tiktok-tokopedia failed: digest sent without it" in failure.message
    assert failure.exc_info is not None  # with its traceback


# --- notes with line breaks ---------------------------------------------------------------------


def _note(n: int) -> str:
    """Ten lines, near the 1,000-character limit, with text that must be escaped."""
    return "\n".join(
        f"report {n} line {i}: <vendor> & partner sign-off, {'x' * 45}" for i in range(10)
    )


async def _six_long_notes(h: Harness) -> list[str]:
    await seed_tracker(h)
    notes = [_note(n) for n in range(6)]
    for n, note in enumerate(notes):
        h.clock.advance(hours=1)
        await h.say(f"/update payments {10 + n} {note}", sender=BUDI)
    return notes


async def test_six_ten_line_notes_split_history_and_status_into_valid_telegram_html(
    harness: Harness,
) -> None:
    notes = await _six_long_notes(harness)
    history = await harness.send_update("/history payments", sender=DEWI, chat=STAFF)
    assert len(history) >= 2
    assert_valid_pieces(history)
    text = "\n".join(m.text for m in history)
    for note in notes:
        assert note.replace("\n", "") in text.replace("\n", "")
    status = await harness.send_update("/status payments", sender=DEWI, chat=STAFF)
    assert len(status) >= 2
    assert_valid_pieces(status)


async def test_history_never_separates_a_report_from_its_note(harness: Harness) -> None:
    notes = await _six_long_notes(harness)
    for command in ("/history payments", "/status payments"):
        sent = await harness.send_update(command, sender=DEWI, chat=STAFF)
        shown = range(1, 6) if "status" in command else range(6)  # /status: the last five
        for n in shown:
            note = notes[n]
            (holder,) = [m for m in sent if f"· {10 + n}% ·" in m.text]
            assert note in holder.text, (command, n)


def test_splitter_closes_and_reopens_a_tag_that_spans_line_breaks() -> None:
    head = "<b>title</b>"
    entry = "09:00 · <b>50%</b> · Budi\n   <i>" + "\n".join("y" * 90 for _ in range(10)) + "</i>"
    pieces = split_html("\n".join([head, entry, entry]), limit=1200)
    assert [html_problem(p) for p in pieces] == [None] * len(pieces)
    assert all(units(p) <= 1200 for p in pieces)
    # Cut before each entry, never inside one, because each fits a message whole.
    assert pieces == [head + "\n" + entry, entry]
    lone = split_html(entry, limit=300)
    assert all(html_problem(p) is None and units(p) <= 300 for p in lone)
    assert lone[1].startswith("   <i>")  # the note moves to the next message whole...
    assert lone[2].startswith("<i>")  # ...and when it is too long, its italics are reopened


def test_splitter_counts_utf16_units_and_never_sends_an_empty_piece() -> None:
    emoji = "😀" * 3000  # 6,000 UTF-16 units in 3,000 characters
    pieces = split_html(f"<b>{emoji}</b>")
    assert len(pieces) == 2
    assert all(units(p) <= 4096 and html_problem(p) is None for p in pieces)
    assert split_html("a\n" + "\n" * 5000 + "b", limit=100) == ["a", "b"]


# --- managers see retractions --------------------------------------------------------------


async def _scheduled_digest(h: Harness, slot: str) -> str:
    h.api.take()
    status = await jobs.send_digest(h.app, MANAGERS.id, slot_key=f"digest@{slot}", scheduled=True)
    assert status == "sent"
    return "\n".join(m.text for m in h.api.take())


async def test_manual_digest_reads_fresh_data_but_does_not_move_the_scheduled_baseline(
    harness: Harness,
) -> None:
    await tracked(harness)
    await harness.say("/update payments 40", sender=BUDI)
    assert "13% overall ·" in await _scheduled_digest(harness, "day-1")
    harness.clock.advance(days=1)
    await harness.say("/update payments 70", sender=BUDI)
    manual = await harness.say("/digest", sender=DEWI, chat=MANAGERS)
    assert "23% overall (+10 since the last digest)" in manual  # fresh figures
    harness.clock.advance(hours=1)
    # The scheduled digest still counts from the previous scheduled one, not from /digest.
    assert "23% overall (+10 since the last digest)" in await _scheduled_digest(harness, "day-2")
    assert "23% overall (±0 since the last digest)" in await _scheduled_digest(harness, "day-3")


async def test_digest_lists_reports_undone_since_the_previous_digest(harness: Harness) -> None:
    await tracked(harness, schedule=None)
    await harness.say("/update payments 40", sender=BUDI)
    await _scheduled_digest(harness, "day-1")
    harness.clock.advance(hours=2)
    await harness.say("/update payments 60 too early", sender=BUDI)
    await harness.say("/undo", sender=BUDI)
    await harness.say("/update sellers 35", sender=SARI)
    await harness.say("/undo", sender=SARI)
    # A correction (an edited /update) retracts the first report too, but it is no undo.
    update = harness.factory.message("/update sellers 20", sender=SARI, chat=STAFF)
    await harness.app.process_update(update)
    assert update.message is not None
    edited = harness.factory.message(
        "/update sellers 25",
        sender=SARI,
        chat=STAFF,
        message_id=update.message.message_id,
        edited=True,
        when=harness.clock.now.replace(second=30),
    )
    await harness.app.process_update(edited)
    await harness.flush()
    harness.clock.advance(hours=1)
    digest = await harness.send_update("/digest", sender=DEWI, chat=MANAGERS)
    assert_valid_pieces(digest)
    text = digest[-1].text
    assert "↩️ Undone since the last digest:" in text
    assert "• Budi Santoso took back Payments 60% (reported 23 Feb)" in text
    assert "• Sari Wulandari took back Seller back-end 35% (reported 23 Feb)" in text
    assert "20%" not in text.split("↩️")[1]  # the corrected report is not listed
    # The next scheduled digest counts from the previous scheduled one: listed there too...
    assert "took back Payments 60%" in await _scheduled_digest(harness, "day-2")
    # ...and not again after that.
    harness.clock.advance(days=1)
    assert "Undone" not in await _scheduled_digest(harness, "day-3")


async def test_first_digest_lists_the_last_weeks_undone_reports_in_both_languages(
    harness: Harness,
) -> None:
    await tracked(harness, schedule=None)
    await harness.say("/update payments 40", sender=BUDI)
    await harness.say("/undo", sender=BUDI)
    assert "↩️ Undone in the last 7 days:" in await harness.say("/digest", chat=MANAGERS)
    await harness.say("/lang id", chat=MANAGERS)
    harness.clock.advance(minutes=5)
    await harness.say("/update payments 45 <b>", sender=BUDI)
    await harness.say("/undo", sender=BUDI)
    harness.clock.advance(minutes=5)
    reply = await harness.say("/digest", chat=MANAGERS)
    assert "↩️ Laporan yang dibatalkan sejak ringkasan terakhir:" in reply
    assert "• Budi Santoso membatalkan laporan Payments 45% (dilaporkan" in reply


async def test_digest_names_at_most_twenty_undone_reports(harness: Harness) -> None:
    await tracked(harness, schedule=None)
    for n in range(22):
        await harness.say(f"/update payments {n}", sender=BUDI)
        await harness.say("/undo", sender=BUDI)
    reply = await harness.say("/digest", chat=MANAGERS)
    assert reply.count("took back Payments") == 20
    assert "• and more: see /history <workstream>" in reply


@pytest.mark.sqlite_only
def test_undone_reports_query_seeks_indexes_and_never_scans_the_reports(harness: Harness) -> None:
    """Digests read a constant amount at a million reports (see the benchmarks): so must the
    list of undone reports."""
    from sqlalchemy import text

    from storage import reports as report_store

    statement = report_store.undone_statement(
        [1, 2], since=datetime(2024, 1, 1, tzinfo=UTC), until=datetime(2024, 2, 1, tzinfo=UTC)
    )
    compiled = statement.compile(harness.engine, compile_kwargs={"literal_binds": True})
    with harness.engine.connect() as connection:
        plan = [str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    assert not [step for step in plan if step.startswith("SCAN")], plan


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2000-01-01", "2023-12-01"])
async def test_a_deadline_far_off_or_before_the_first_report_breaks_no_chart_or_digest(
    harness: Harness, day: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A database from before the 2000-2100 bounds may already hold such a deadline (the
    finding: it broke /chart and the weekly digest that carries it); a past deadline before
    the first report is accepted today (with a warning) and drew its line off the chart.
    Every view still answers, the weekly digest carries its chart, and /deadline can put it
    right."""
    await tracked(harness, schedule=None)
    await harness.say("/update payments 30", sender=BUDI)
    harness.clock.advance(days=3)
    await harness.say("/update payments 45", sender=BUDI)
    with session_scope(harness.engine) as session:
        tracker = session.exec(select(Tracker)).one()
        tracker.deadline = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).date()
        session.add(tracker)
    with caplog.at_level(logging.INFO):
        for command in ("/status", "/status payments", "/deadline", "/digest"):
            assert_valid_pieces(await harness.send_update(command, sender=DEWI, chat=MANAGERS))
        harness.api.files.clear()
        assert await harness.say("/chart", sender=DEWI, chat=MANAGERS) == ""
        assert [f.method for f in harness.api.files] == ["sendPhoto"]
        harness.api.files.clear()
        sent = await jobs.send_digest(
            harness.app, MANAGERS.id, slot_key="digest@weekly", with_chart=True, scheduled=True
        )
        assert sent == "sent"
        assert_valid_pieces(harness.api.take())
        assert [f.method for f in harness.api.files] == ["sendPhoto"]
        harness.api.files.clear()
        await harness.say("/export xlsx", sender=ADMIN)
        assert [f.method for f in harness.api.files] == ["sendDocument"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "moved from" in await harness.say("/deadline 2024-05-01")
