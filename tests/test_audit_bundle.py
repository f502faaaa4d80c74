"""The audit trail outside Pantau: the CSV and XLSX exports carry its columns, and the bundle
verifies without Pantau installed, agreeing with `pantau verify`."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from storage.db import session_scope
from storage.models import TrackerEvent
from tests.audit_helpers import history, results
from tests.helpers import ADMIN, BUDI, STAFF, Harness


def _run_verifier(folder: Path) -> subprocess.CompletedProcess[str]:
    # -I: isolated (no site-packages, no project on the path): Pantau is not installed there.
    return subprocess.run(
        [sys.executable, "-I", "verify.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


async def test_bundle_verifies_without_pantau_and_agrees_with_pantau_verify(
    harness: Harness,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await history(harness)
    harness.api.upload("scan-1", b"%PDF-1.4 signed minutes")
    await harness.say(
        "/update payments 60 =SUM(A1) minutes attached",
        sender=BUDI,
        document=("scan-1", "minutes.pdf", "application/pdf", 23),
    )
    monkeypatch.setenv("DATABASE_URL", str(harness.engine.url))
    monkeypatch.setenv(
        "PANTAU_EVIDENCE_DIR", str(harness.app.bot_data.settings.pantau_evidence_dir)
    )
    out = tmp_path / "trail.zip"
    assert main(["export", "--format", "bundle", "--out", str(out)]) == 0
    assert main(["verify", "--tracker", "tiktok-tokopedia"]) == 0
    expected = capsys.readouterr().out.splitlines()[-1]
    folder = tmp_path / "bundle"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
        names = archive.namelist()
    assert {"trail.csv", "events.csv", "VERIFY.md", "verify.py"} <= set(names)
    assert any(name.startswith("evidence/") for name in names)
    verify_md = (folder / "VERIFY.md").read_text(encoding="utf-8")
    assert (folder / "verify.py").read_text(encoding="utf-8") in verify_md
    run = _run_verifier(folder)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == expected
    # A changed percent in the CSV, or a changed evidence file, is caught without Pantau.
    csv_text = (folder / "trail.csv").read_text(encoding="utf-8-sig")
    (folder / "trail.csv").write_text(csv_text.replace(",payments,40,", ",payments,90,"))
    assert _run_verifier(folder).returncode != 0
    (folder / "trail.csv").write_text(csv_text, encoding="utf-8-sig")
    (evidence_file,) = (folder / "evidence").iterdir()
    evidence_file.write_bytes(b"forged")
    run = _run_verifier(folder)
    assert run.returncode != 0
    assert "evidence file minutes.pdf differs" in run.stderr


async def test_csv_and_xlsx_carry_the_audit_columns(harness: Harness) -> None:
    await history(harness)
    sent = await harness.send_update("/export", sender=ADMIN, chat=STAFF)
    assert sent == []
    (document,) = harness.api.files
    lines = document.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    # The recorded_at, undone_at and undone_by are recorded_at_utc, retracted_at_utc
    # and retracted_by (the trust branch's names, kept so existing sheets keep their columns).
    audit_columns = {
        "recorded_at_utc",
        "revision",
        "corrects",
        "retracted_at_utc",
        "retracted_by",
        "evidence",
        "event_hash",
    }
    assert audit_columns - set(header) == set()
    (result,) = results(harness.engine)
    with session_scope(harness.engine, readonly=True) as session:
        hashes = set(session.exec(select(TrackerEvent.hash)).all())
    rows = [line.split(",") for line in lines[1:]]
    assert all(row[header.index("event_hash")] in hashes for row in rows)
    corrected = [row for row in rows if row[header.index("corrects")]]
    assert len(corrected) == 1
    undone = [row for row in rows if row[header.index("retracted_by")] == str(BUDI.id)]
    assert len(undone) == 1
    assert result.problem is None
    await harness.send_update("/export xlsx", sender=ADMIN, chat=STAFF)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(harness.api.files[-1].content))
    trail_sheet = book.worksheets[1]
    titles = [cell.value for cell in trail_sheet[1]]
    assert "Event hash (audit trail)" in titles
    assert "Evidence (name, SHA-256)" in titles
