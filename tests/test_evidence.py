"""Evidence through the real application: a file with /update as its caption, a file in reply
to one's own /update, what is kept (hash, copy), what is refused, and /evidence."""

from __future__ import annotations

import hashlib
import logging
import stat
from pathlib import Path

import pytest
from sqlmodel import col, select

from storage.db import session_scope
from storage.evidence import path_for
from storage.models import Evidence
from tests.helpers import ADMIN, BUDI, DEWI, SARI, Harness, seed_tracker

PDF = b"%PDF-1.4 minutes of the meeting with Tokopedia"


def _evidence(h: Harness) -> list[Evidence]:
    with session_scope(h.engine, readonly=True) as session:
        return list(session.exec(select(Evidence).order_by(col(Evidence.id))).all())


def _folder(h: Harness) -> Path:
    folder: Path = h.app.bot_data.settings.pantau_evidence_dir
    return folder


async def test_document_with_update_caption_records_report_hash_and_copy(harness: Harness) -> None:
    await seed_tracker(harness)
    harness.api.upload("doc-1", PDF)
    reply = await harness.say(
        "/update payments 60 signed minutes",
        sender=BUDI,
        document=("doc-1", "minutes.pdf", "application/pdf", len(PDF)),
    )
    digest = hashlib.sha256(PDF).hexdigest()
    assert "Payments: 60%" in reply
    assert f"📎 minutes.pdf kept as evidence (SHA-256 {digest[:12]}…)" in reply
    (report,) = harness.reports()
    assert (report.percent, report.note) == (60, "signed minutes")
    (file,) = _evidence(harness)
    assert (file.report_id, file.file_id, file.file_unique_id) == (report.id, "doc-1", "u-doc-1")
    assert (file.name, file.mime, file.size, file.sha256, file.note) == (
        "minutes.pdf",
        "application/pdf",
        len(PDF),
        digest,
        None,
    )
    copy = path_for(_folder(harness), digest)
    assert copy.read_bytes() == PDF
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600


async def test_photo_with_caption_and_reply_to_own_update_add_evidence(harness: Harness) -> None:
    await seed_tracker(harness)
    harness.api.upload("pic-1", b"jpeg one")
    harness.api.upload("pic-2", b"jpeg two")
    await harness.say("/update sellers 30 mapping", sender=SARI, message_id=700)
    reply = await harness.say(
        "", sender=SARI, photo=("pic-1", 8), reply_to=(SARI, 700), message_id=701
    )
    assert "📎 Evidence added to the report Seller back-end 30%." in reply
    reply = await harness.say(
        "", sender=SARI, photo=("pic-2", 8), reply_to=(SARI, 700), message_id=702
    )
    assert "Evidence added" in reply
    files = _evidence(harness)
    assert [f.name for f in files] == ["photo-u-pic-1.jpg", "photo-u-pic-2.jpg"]
    assert [f.sha256 for f in files] == [
        hashlib.sha256(b"jpeg one").hexdigest(),
        hashlib.sha256(b"jpeg two").hexdigest(),
    ]
    # The same message delivered again adds nothing.
    await harness.say("", sender=SARI, photo=("pic-2", 8), reply_to=(SARI, 700), message_id=702)
    assert len(_evidence(harness)) == 2
    status = await harness.say("/status sellers")
    assert "📎 photo-u-pic-1.jpg, photo-u-pic-2.jpg" in status
    history = await harness.say("/history sellers")
    assert "📎 photo-u-pic-1.jpg, photo-u-pic-2.jpg" in history


async def test_an_edited_caption_corrects_its_report(harness: Harness) -> None:
    await seed_tracker(harness)
    harness.api.upload("pic-9", b"jpeg")
    await harness.say("/update payments 60", sender=BUDI, photo=("pic-9", 4), message_id=950)
    reply = await harness.say(
        "/update payments 65", sender=BUDI, photo=("pic-9", 4), message_id=950, edited=True
    )
    assert "60% → 65%" in reply
    first, second = harness.reports()
    assert (first.percent, second.percent, second.corrects_id) == (60, 65, first.id)
    assert first.retracted_at is not None
    (file,) = _evidence(harness)
    assert file.report_id == first.id  # the file stays with the report it came with


async def test_a_photo_replying_to_an_ordinary_message_is_not_ours(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("nice weather", sender=SARI, message_id=800)
    assert await harness.say("", sender=BUDI, photo=("x", 5), reply_to=(SARI, 800)) == ""
    assert _evidence(harness) == []


@pytest.mark.parametrize(
    ("caption", "reason"),
    [
        ("/update payments", "the workstream and the percentage"),
        ("/update payments 101", "101 is not a percentage"),
        ("/update nosuch 50", "no workstream"),
    ],
)
async def test_invalid_caption_stores_nothing_and_says_why(
    harness: Harness, caption: str, reason: str
) -> None:
    await seed_tracker(harness)
    harness.api.upload("doc-2", PDF)
    reply = await harness.say(caption, sender=BUDI, document=("doc-2", "a.pdf", None, 10))
    assert reason.lower() in reply.lower()
    assert "The file was not stored." in reply
    assert harness.reports() == []
    assert _evidence(harness) == []
    assert "doc-2" not in harness.api.downloads


async def test_caption_from_someone_without_a_role_is_refused(harness: Harness) -> None:
    await seed_tracker(harness)
    harness.api.upload("doc-3", PDF)
    reply = await harness.say(
        "/update payments 50", sender=DEWI, document=("doc-3", "a.pdf", None, 10)
    )
    assert "The file was not stored." in reply
    assert harness.reports() == []
    assert harness.api.downloads == []


async def test_reply_to_someone_elses_or_an_undone_or_old_report_is_refused(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI, message_id=900)
    reply = await harness.say("", sender=SARI, photo=("p", 3), reply_to=(BUDI, 900))
    assert "Only Budi Santoso, who sent that report, may add evidence" in reply
    assert "The file was not stored." in reply
    await harness.say("/undo", sender=BUDI)
    reply = await harness.say("", sender=BUDI, photo=("p", 3), reply_to=(BUDI, 900))
    assert "That report was undone or replaced" in reply
    await harness.say("/update payments 50", sender=BUDI, message_id=901)
    harness.clock.advance(hours=49)
    reply = await harness.say("", sender=BUDI, photo=("p", 3), reply_to=(BUDI, 901))
    assert "within 48 hours" in reply
    assert _evidence(harness) == []


async def test_file_over_20_mb_is_recorded_by_id_with_a_note(harness: Harness) -> None:
    await seed_tracker(harness)
    big = 25 * 1024 * 1024
    harness.api.upload("huge", b"", size=big)
    reply = await harness.say(
        "/update payments 70", sender=BUDI, document=("huge", "scan.tif", "image/tiff", big)
    )
    assert "scan.tif: over Telegram's 20 MB download limit: recorded by its id" in reply
    (file,) = _evidence(harness)
    assert (file.file_id, file.size, file.sha256) == ("huge", big, None)
    assert file.note is not None
    assert "20 MB" in file.note
    assert harness.api.downloads == []  # never asked for
    assert len(harness.reports()) == 1


async def test_file_telegram_cannot_serve_is_recorded_by_id(harness: Harness) -> None:
    await seed_tracker(harness)
    reply = await harness.say(
        "/update payments 70", sender=BUDI, document=("gone", "old.pdf", None, 100)
    )  # never uploaded: getFile answers 400
    assert "old.pdf: Telegram could not serve the file" in reply
    (file,) = _evidence(harness)
    assert file.sha256 is None
    assert len(harness.reports()) == 1


async def test_unwritable_evidence_folder_keeps_the_report_and_says_so(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_tracker(harness)
    folder = _folder(harness)
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the folder should be")  # cannot be created or written
    harness.api.upload("doc-4", PDF)
    with caplog.at_level(logging.ERROR, logger="bot.handlers.evidence"):
        reply = await harness.say(
            "/update payments 80", sender=BUDI, document=("doc-4", "m.pdf", None, len(PDF))
        )
    assert "Payments: 80%" in reply
    assert "m.pdf: no copy kept: the evidence folder cannot be written" in reply
    assert any("cannot be written" in r.getMessage() for r in caplog.records)
    (file,) = _evidence(harness)
    assert file.sha256 == hashlib.sha256(PDF).hexdigest()  # hashed, just not copied
    assert file.note is not None
    assert "could not be written" in file.note


async def test_evidence_resends_latest_files_to_members_only(harness: Harness) -> None:
    await seed_tracker(harness)
    harness.api.upload("doc-5", PDF)
    await harness.say(
        "/update payments 60", sender=BUDI, document=("doc-5", "minutes.pdf", None, len(PDF))
    )
    harness.api.files.clear()
    reply = await harness.say("/evidence payments", sender=ADMIN)
    assert "The latest 1 file(s) of Payments:" in reply
    (sent,) = harness.api.files
    assert (sent.filename, sent.content) == ("minutes.pdf", PDF)  # our own copy
    assert sent.caption is not None
    assert hashlib.sha256(PDF).hexdigest() in sent.caption
    assert "No evidence on Seller back-end yet" in await harness.say("/evidence sellers")
    refused = await harness.say("/evidence payments", sender=DEWI)
    assert "Only reporters and admins of TikTok Shop → Tokopedia can do that" in refused
    assert "Type /evidence <workstream> [n]" in await harness.say("/evidence")
