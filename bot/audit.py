"""``pantau verify`` and the export bundle: the audit trail checked by Pantau, and handed to
whoever wants to check it without Pantau."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from domain import trail as chain
from storage import evidence as evidence_store
from storage import history as history_store
from storage import trail
from storage import verify as chains
from storage.models import Tracker


@dataclass(frozen=True, slots=True)
class Verdict:
    """What ``pantau verify`` prints and returns."""

    lines: list[str]
    problems: list[str]

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


def verify(session: Session, *, key: str | None) -> Verdict:
    """Every chain (or one tracker's), recomputed from the rows."""
    lines: list[str] = []
    problems: list[str] = []
    results = list(chains.verify(session, key=key))
    total = sum(result.count for result in results)
    for result in results:
        if result.problem is not None:
            problems.append(f"NOT INTACT {result.problem}")
        elif key is None:
            lines.append(
                f"{result.tracker_key}: {result.count} events, intact, head {result.head[:16]}"
            )
    if key is not None and results and not problems:
        lines.append(f"{total} events, intact, head {results[0].head[:16]}")
    elif key is None and not problems:
        heads = f", head {results[0].head[:16]}" if len(results) == 1 else ""
        trackers = f" in {len(results)} trackers" if len(results) > 1 else ""
        lines.append(f"{total} events{trackers}, intact{heads}")
    return Verdict(lines, problems)


def find_head(session: Session, *, published: str, key: str | None) -> Verdict:
    """Is a head once published (``3f9a…c2d1``, or a prefix) still part of a chain that
    verifies from the rows? It is when an event's recomputed hash is it."""
    for result in chains.verify(session, key=key, keep_hashes=True):
        for seq, digest in enumerate(result.hashes, 1):
            if chain.head_matches(published, digest):
                since = result.count - seq
                where = f"event {seq} of {result.count} in {result.tracker_key}"
                if result.problem is not None:
                    return Verdict(
                        [f"head {published} is {where}"],
                        [f"but the chain after it is NOT INTACT: {result.problem}"],
                    )
                return Verdict(
                    [f"head {published} is {where} ({since} events since); the chain is intact"],
                    [],
                )
        if result.problem is not None and key is not None:
            return Verdict([], [f"NOT INTACT {result.problem}"])
    scope = f"the chain of {key}" if key is not None else "any chain"
    return Verdict([], [f"head {published} is not part of {scope} in this database"])


# --- the bundle ---------------------------------------------------------------------------------

VERIFIER = """\
import csv, hashlib, json, os, sys

root = sys.argv[1] if len(sys.argv) > 1 else "."


def table(name):
    with open(os.path.join(root, name), encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def cell(text):  # a leading ' only keeps a spreadsheet from running the text as a formula
    formula = text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\\t", "\\r")
    return text[1:] if formula else text


rows = {r["report_id"]: r for r in table("trail.csv")}
prev, n = "0" * 64, 0
for e in table("events.csv"):
    n += 1
    event = json.loads(e["canonical"])
    assert event[1] == n == int(e["seq"]), f"event {e['seq']}: out of order"
    prev = hashlib.sha256((prev + e["canonical"]).encode("utf-8")).hexdigest()
    assert prev == e["hash"], f"event {n}: its hash does not match"
    s = event[7] or {}
    if event[2] in ("report", "correction"):
        r = rows.pop(str(s["id"]))
        for k in ("workstream", "percent", "note", "reporter_id", "reporter_name",
                  "created_at", "recorded_at", "revision"):
            want = "" if s[k] is None else str(s[k])
            assert cell(r[k]) == want, f"event {n}: report {s['id']}: {k} differs"
        assert r["event_hash"] == prev, f"event {n}: report {s['id']} names another event"
    if event[2] == "evidence" and s["sha256"]:
        with open(os.path.join(root, "evidence", s["sha256"]), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        assert digest == s["sha256"], f"event {n}: evidence file {s['name']} differs"
assert not rows, f"reports without an event: {sorted(rows)}"
print(f"{n} events, intact, head {prev[:16]}")
"""

VERIFY_MD = """\
# Verifying this audit trail

This bundle is one tracker's audit trail from Pantau, exported {exported} (UTC):

- `trail.csv` — every report, undone and corrected ones included, with the hash of the event
  that recorded it (`event_hash`);
- `events.csv` — the trail's events in order: `seq`, `kind`, `at`, the event as written
  (`canonical`) and its `hash`;
- `evidence/` — each evidence file Pantau kept, named by its SHA-256.

## The chain

Every change to what Pantau reports — a report, a correction, an undo, evidence added, a role
given or taken, a workstream added, re-weighted or archived, the deadline moved, the tracker
created, archived or restored — is an event. An event is written as one line of JSON (UTF-8,
no spaces, object keys sorted, times in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`):

    ["pantau/1", seq, kind, at, actor_id, chat_id, detail, subject]

`subject` is the row the event is about (for a report: id, workstream, percent, note,
reporter, chat and message, `created_at`, `recorded_at`, revision, the report it corrects).
Each event's hash is

    hash = SHA-256(previous event's hash as 64 hex characters + the event's line, as UTF-8)

with 64 zeros before the first event. Changing, removing, inserting or reordering anything
changes every hash after it. The head of this trail when it was exported is

    {head}

({count} events). Pantau's digests end with `🔗 trail <first 8>…<last 8>` of the head at the
time: a head seen in a chat's history must appear in `events.csv` as some event's hash.

## Checking it without Pantau

Save the lines below as `verify.py` next to this file and run `python3 verify.py` (Python 3.8
or newer, nothing to install). It recomputes every hash, checks that each report in
`trail.csv` says what its event says, and that each evidence file has the hash its event
names. It prints `N events, intact, head …`, or stops at the first thing that does not match.

```python
{verifier}```
"""

TRAIL_COLUMNS = (
    "report_id",
    "workstream",
    "percent",
    "note",
    "reporter_id",
    "reporter_name",
    "created_at",
    "recorded_at",
    "revision",
    "corrects",
    "undone_at",
    "undone_by",
    "evidence",
    "event_hash",
)


def bundle(session: Session, tracker: Tracker, *, now: datetime, evidence_dir: Path) -> bytes:
    """The zip: trail.csv, events.csv, evidence/<sha256>, VERIFY.md with its verifier."""
    assert tracker.id is not None
    events = list(trail.events_of(session, tracker_id=tracker.id))
    event_hash = {
        row.report_id: row.hash
        for row in events
        if row.kind in chain.REPORT_KINDS and row.report_id is not None
    }
    files = evidence_store.files_by_report(session, tracker_id=tracker.id)
    trail_out = io.StringIO()
    writer = csv.writer(trail_out)
    writer.writerow(TRAIL_COLUMNS)
    for report, key in history_store.trail(session, tracker_id=tracker.id):
        attached = files.get(report.id or 0, [])
        writer.writerow(
            [
                report.id,
                key,
                report.percent,
                report.note or "",
                report.reporter_id,
                report.reporter_name,
                chain.utc_text(report.created_at),
                chain.utc_text(report.recorded_at),
                report.revision,
                report.corrects_id or "",
                chain.utc_text(report.retracted_at) or "",
                report.retracted_by or "",
                evidence_store.describe(attached),
                event_hash.get(report.id, ""),
            ]
        )
    events_out = io.StringIO()
    writer = csv.writer(events_out)
    writer.writerow(("seq", "kind", "at", "canonical", "hash"))
    for row in events:
        writer.writerow((row.seq, row.kind, chain.utc_text(row.at), row.canonical, row.hash))
    head = events[-1].hash if events else chain.GENESIS
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("trail.csv", "\ufeff" + trail_out.getvalue())
        archive.writestr("events.csv", events_out.getvalue())
        archive.writestr("verify.py", VERIFIER)
        archive.writestr(
            "VERIFY.md",
            VERIFY_MD.format(
                exported=chain.utc_text(now),
                head=head,
                count=len(events),
                verifier=VERIFIER,
            ),
        )
        for sha in sorted({f.sha256 for fs in files.values() for f in fs if f.sha256}):
            path = evidence_store.path_for(evidence_dir, sha)
            if path.is_file():
                archive.write(path, f"evidence/{sha}")
    return buffer.getvalue()
