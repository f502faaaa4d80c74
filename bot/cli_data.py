"""``pantau db upgrade``, ``pantau db copy``, ``pantau import`` and ``pantau trackers``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from bot.cli_common import (
    CliError,
    load_settings,
    named_tracker,
    open_engine,
    ready_engine,
    safe_url,
)
from domain.progress import local_today
from domain.spec import SpecError, load_spec, report_lines
from services.imports import ImportRefused, ImportResult, NoAdminLeft, TrackerArchived, apply_spec
from services.trackers import ArchiveChange, set_archived
from storage import chats as chat_store
from storage import members as member_store
from storage import trackers as tracker_store
from storage.db import DatabaseUrlError, check_database_url, make_engine, session_scope
from storage.migrate import current_revision, upgrade


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = ready_engine(settings)
    print(f"{safe_url(settings.database_url)}: schema at revision {current_revision(engine)}")
    engine.dispose()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and import it "
            "again. Nothing was changed."
        ) from None
    try:
        spec = load_spec(text)
    except SpecError as exc:
        raise CliError(f"{path}: {exc}; nothing was changed") from None
    settings = load_settings()
    engine = ready_engine(settings)
    try:
        with session_scope(engine) as session:
            result = apply_spec(
                session,
                spec=spec,
                now=datetime.now(UTC),
                lines=report_lines(text),
                corrections=args.corrections,
            )
    except TrackerArchived as exc:
        raise CliError(
            f"tracker {exc.key} is archived: restore it first with "
            f"`pantau trackers restore {exc.key}`; nothing was changed"
        ) from None
    except NoAdminLeft as exc:
        raise CliError(
            f"{path}: this would leave tracker {exc.key} without an admin: keep one member "
            f'with role = "admin"; nothing was changed'
        ) from None
    except ImportRefused as exc:
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise CliError(f"{path} {exc.problems[0]}{more}; nothing was changed") from None
    finally:
        engine.dispose()
    for line in import_summary(result, path):
        print(line)
    today = local_today(datetime.now(UTC), spec.tracker.timezone)
    if spec.tracker.deadline < today:  # accepted: a tracker may be carried over late
        overdue = (today - spec.tracker.deadline).days
        print(f"note: the deadline {spec.tracker.deadline.isoformat()} passed {overdue} days ago")
    return 0


def import_summary(result: ImportResult, path: Path) -> list[str]:
    """What the import did and did not do, per kind, for the person who ran it."""
    key = result.tracker.key
    lines = [f"{'created' if result.created else 'updated'} tracker {key} from {path}"]
    for kind, counts in (
        ("workstreams", result.workstreams),
        ("members", result.members),
        ("chats", result.chats),
        ("reports", result.reports),
    ):
        parts = [f"{counts.created} new", f"{counts.unchanged} already there"]
        if counts.updated:
            parts.append(f"{counts.updated} updated from the file")
        if counts.differs:
            parts.append(f"{counts.differs} differ from the database (left as they are)")
        if counts.corrected:
            parts.append(f"{counts.corrected} corrected")
        lines.append(f"  {kind}: " + ", ".join(parts))
    lines.extend(f"    {difference}" for difference in result.differences)
    if result.reports.differs:
        lines.append(
            f"  to record the file's version as corrections: pantau import --corrections {path}"
        )
    if result.still_active:
        lines.append(
            f"  still active in the database but not in the file: "
            f"{', '.join(result.still_active)}; archive them with `/workstream remove <key>`"
        )
    return lines


def cmd_db_copy(args: argparse.Namespace) -> int:
    from storage.copy import CopyError, copy_database

    for option, url in (("--from", args.source), ("--to", args.target)):
        try:
            check_database_url(url)
        except DatabaseUrlError as exc:
            raise CliError(f"{option}: {exc}") from None
    try:
        source = make_engine(args.source)
        target = make_engine(args.target)
    except OSError as exc:
        raise CliError(f"cannot create the folder {exc.filename}: {exc.strerror}") from None
    try:
        upgrade(source)  # an older deployment's file is brought to the newest schema first
        upgrade(target)
        counts = copy_database(
            source, target, progress=lambda name, rows: print(f"  {name}: {rows:,} rows")
        )
    except CopyError as exc:
        raise CliError(f"copy refused: {exc}; the target was not changed") from None
    except (DatabaseError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CliError(f"copy failed: {reason}; the target was not changed") from None
    finally:
        source.dispose()
        target.dispose()
    total = sum(copied for _, copied in counts.values())
    print(f"copied {total:,} rows from {safe_url(args.source)} to {safe_url(args.target)}")
    print("row counts match in every table")
    return 0


def cmd_trackers_list(_args: argparse.Namespace) -> int:
    engine, _settings = open_engine()
    with session_scope(engine, readonly=True) as session:
        rows = []
        for tracker in tracker_store.all_trackers(session):
            assert tracker.id is not None
            chats = len(chat_store.linked_chats(session, tracker_id=tracker.id))
            admins = ",".join(
                str(a) for a in member_store.admin_ids(session, tracker_id=tracker.id)
            )
            state = f"archived {tracker.archived_at:%Y-%m-%d}" if tracker.archived_at else "active"
            rows.append(
                f"{tracker.key}\t{state}\tdeadline {tracker.deadline}\t{chats} chats\t"
                f"admins {admins or '-'}\t{tracker.title}"
            )
    engine.dispose()
    print("\n".join(rows) if rows else "no trackers")
    return 0


CLI = "command line"  # who archived or restored a tracker, in its trail


def _set_archived(key: str, *, archived: bool) -> int:
    engine, settings = open_engine()
    with session_scope(engine) as session:
        tracker = named_tracker(session, key, settings.database_url)
        done = set_archived(
            session, tracker, archived=archived, actor_id=None, now=datetime.now(UTC), detail=CLI
        )
    engine.dispose()
    if done.change in (ArchiveChange.ALREADY_ARCHIVED, ArchiveChange.NOT_ARCHIVED):
        print(f"{key} is already {'archived' if archived else 'active'}; nothing changed")
        return 0
    if archived:
        print(f"archived {key}: it sends nothing and cannot be linked; every row is kept")
    else:
        print(f"restored {key}: its chats get digests and reminders again")
    return 0


def cmd_trackers_archive(args: argparse.Namespace) -> int:
    return _set_archived(args.key, archived=True)


def cmd_trackers_restore(args: argparse.Namespace) -> int:
    return _set_archived(args.key, archived=False)
