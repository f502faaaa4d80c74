"""The ``pantau`` command line: run, demo, db upgrade|copy, import, trackers, chart, export,
verify."""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from bot.config import MissingTokenError, Settings
from bot.logs import configure_logging
from domain.progress import local_today
from domain.spec import SpecError, load_spec
from storage import lifecycle, queries
from storage.db import make_engine, session_scope
from storage.importer import apply_spec
from storage.migrate import current_revision, upgrade
from storage.models import Tracker
from storage.queries import get_tracker

EXIT_USAGE = 2
log = logging.getLogger("pantau")


class CliError(Exception):
    """Ends the command with one clear line on stderr and exit code 2."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        # Never print the input values: one of them may be the token.
        lines = [
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        ]
        raise CliError("invalid configuration: " + "; ".join(lines)) from None


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def ready_engine(settings: Settings) -> Engine:
    """An engine on a database migrated to the newest schema, or one clear error line."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except (DatabaseError, OSError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CliError(
            f"cannot use the database at {safe_url(settings.database_url)}: {reason}. "
            "Nothing was changed; check the file (or restore a backup) and DATABASE_URL."
        ) from None
    return engine


def cmd_run(args: argparse.Namespace) -> int:
    from telegram import Update

    from bot.app import build_application
    from bot.webhook import limit_request_bodies

    settings = load_settings()
    try:
        token = settings.require_token()
    except MissingTokenError as exc:
        raise CliError(str(exc)) from None
    secret = None
    if args.webhook:
        webhook = urlsplit(args.webhook)
        if webhook.scheme not in ("https", "http") or not webhook.netloc:
            raise CliError(
                f"--webhook {args.webhook!r}: give the public URL, e.g. https://bot.example.org/pantau"
            )
        if settings.telegram_webhook_secret is not None:
            secret = settings.telegram_webhook_secret.get_secret_value()
        else:
            secret = secrets.token_urlsafe(32)
    configure_logging(settings.log_level, token, secret)
    engine = ready_engine(settings)
    log.info("database ready at %s", safe_url(settings.database_url))
    application = build_application(settings, engine=engine)
    if not args.webhook:
        log.info("starting long polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        if application.bot_data.conflict:
            raise CliError(
                "another bot process is already polling Telegram with this token (409 "
                "Conflict). Stop it, or run several instances with --webhook behind one URL."
            )
        return 0
    if settings.telegram_webhook_secret is None:
        log.info("webhook secret generated (set TELEGRAM_WEBHOOK_SECRET to choose one)")
    url_path = urlsplit(args.webhook).path.strip("/")
    limit_request_bodies()
    log.info("webhook: listening on %s:%s/%s", args.listen, args.port, url_path)
    application.run_webhook(
        listen=args.listen,
        port=args.port,
        url_path=url_path,
        webhook_url=args.webhook,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = ready_engine(settings)
    print(f"{safe_url(settings.database_url)}: schema at revision {current_revision(engine)}")
    engine.dispose()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        spec = load_spec(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except SpecError as exc:
        raise CliError(f"{path}: {exc}; nothing was changed") from None
    settings = load_settings()
    engine = ready_engine(settings)
    with session_scope(engine) as session:
        result = apply_spec(session, spec=spec, now=datetime.now(UTC))
        key = result.tracker.key
    engine.dispose()
    print(
        f"{'created' if result.created else 'updated'} tracker {key}: "
        f"{result.workstreams} workstreams, {result.members} members, {result.chats} chats, "
        f"{result.reports_added} new reports"
    )
    today = local_today(datetime.now(UTC), spec.tracker.timezone)
    if spec.tracker.deadline < today:  # accepted: a tracker may be carried over late
        overdue = (today - spec.tracker.deadline).days
        print(f"note: the deadline {spec.tracker.deadline.isoformat()} passed {overdue} days ago")
    return 0


def _engine() -> tuple[Engine, Settings]:
    settings = load_settings()
    return ready_engine(settings), settings


def cmd_chart(args: argparse.Namespace) -> int:
    from bot.files import chart_png, write_private

    engine, settings = _engine()
    with session_scope(engine, readonly=True) as session:
        tracker = get_tracker(session, key=args.tracker)
        if tracker is None:
            raise CliError(f"no tracker {args.tracker!r} in {safe_url(settings.database_url)}")
        png = chart_png(
            session, tracker, now=datetime.now(UTC), lang=args.lang or settings.pantau_language
        )
    engine.dispose()
    write_private(Path(args.out), png)
    print(f"wrote {args.out} ({len(png):,} bytes)")
    return 0


def _named_tracker(session: Session, key: str | None, url: str) -> Tracker:
    """The tracker ``--tracker`` names, or the only one there is."""
    if key is None:
        every = queries.all_trackers(session)
        if len(every) == 1:
            return every[0]
        keys = ", ".join(t.key for t in every) or "none"
        raise CliError(f"name the tracker with --tracker (trackers in {safe_url(url)}: {keys})")
    tracker = get_tracker(session, key=key)
    if tracker is None:
        raise CliError(f"no tracker {key!r} in {safe_url(url)}")
    return tracker


def cmd_export(args: argparse.Namespace) -> int:
    from bot.files import export_file, write_private

    engine, settings = _engine()
    with session_scope(engine, readonly=True) as session:
        tracker = _named_tracker(session, args.tracker, settings.database_url)
        if args.format == "bundle":
            from bot.audit import bundle

            content = bundle(
                session,
                tracker,
                now=datetime.now(UTC),
                evidence_dir=settings.pantau_evidence_dir,
            )
            count = -1
        else:
            _name, content, count = export_file(
                session,
                tracker,
                fmt=args.format,
                now=datetime.now(UTC),
                lang=args.lang or settings.pantau_language,
            )
    engine.dispose()
    write_private(Path(args.out), content)
    if count < 0:
        print(f"wrote {args.out} ({len(content):,} bytes): check it with VERIFY.md inside")
    else:
        print(f"wrote {args.out}: {count} reports ({len(content):,} bytes)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from bot.audit import find_head, verify

    engine, settings = _engine()
    with session_scope(engine, readonly=True) as session:
        if args.tracker is not None:
            _named_tracker(session, args.tracker, settings.database_url)
        if args.head is not None:
            verdict = find_head(session, published=args.head, key=args.tracker)
        else:
            verdict = verify(session, key=args.tracker)
    engine.dispose()
    for line in verdict.lines:
        print(line)
    for problem in verdict.problems:
        print(problem, file=sys.stderr)
    return verdict.exit_code


def cmd_db_copy(args: argparse.Namespace) -> int:
    from storage.copy import CopyError, copy_database

    source = make_engine(args.source)
    target = make_engine(args.target)
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
    engine, _settings = _engine()
    with session_scope(engine, readonly=True) as session:
        rows = []
        for tracker in queries.all_trackers(session):
            assert tracker.id is not None
            chats = len(queries.linked_chats(session, tracker_id=tracker.id))
            admins = ",".join(str(a) for a in queries.admin_ids(session, tracker_id=tracker.id))
            state = f"archived {tracker.archived_at:%Y-%m-%d}" if tracker.archived_at else "active"
            rows.append(
                f"{tracker.key}\t{state}\tdeadline {tracker.deadline}\t{chats} chats\t"
                f"admins {admins or '-'}\t{tracker.title}"
            )
    engine.dispose()
    print("\n".join(rows) if rows else "no trackers")
    return 0


def _set_archived(key: str, *, archived: bool) -> int:
    engine, settings = _engine()
    with session_scope(engine) as session:
        tracker = get_tracker(session, key=key)
        if tracker is None:
            raise CliError(f"no tracker {key!r} in {safe_url(settings.database_url)}")
        assert tracker.id is not None
        if (tracker.archived_at is not None) == archived:
            print(f"{key} is already {'archived' if archived else 'active'}; nothing changed")
            return 0
        now = datetime.now(UTC)
        lifecycle.set_archived(session, tracker=tracker, archived=archived, by=None, now=now)
        lifecycle.add_event(
            session,
            tracker_id=tracker.id,
            kind=lifecycle.EventKind.ARCHIVED if archived else lifecycle.EventKind.RESTORED,
            actor_id=None,
            now=now,
            detail="command line",
        )
    engine.dispose()
    if archived:
        print(f"archived {key}: it sends nothing and cannot be linked; every row is kept")
    else:
        print(f"restored {key}: its chats get digests and reminders again")
    return 0


def cmd_trackers_archive(args: argparse.Namespace) -> int:
    return _set_archived(args.key, archived=True)


def cmd_trackers_restore(args: argparse.Namespace) -> int:
    return _set_archived(args.key, archived=False)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pantau",
        description="Pantau: track progress towards a compliance deadline from Telegram.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot on Telegram (long polling; needs a token)")
    run.add_argument(
        "--webhook",
        metavar="PUBLIC_URL",
        help="receive updates by webhook at this public HTTPS URL instead of long polling",
    )
    run.add_argument("--listen", default="127.0.0.1", help="webhook: address to listen on")
    run.add_argument("--port", type=int, default=8443, help="webhook: port to listen on")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="chat with the bot in this terminal, no Telegram needed")
    demo.add_argument(
        "--db", default="data/demo.db", help="demo SQLite file (default: data/demo.db)"
    )
    demo.add_argument("--reset", action="store_true", help="start from a fresh demo database")
    demo.add_argument(
        "--today",
        default="2024-02-23",
        help="the demo's date, YYYY-MM-DD (default: 2024-02-23, the day of the news story)",
    )
    demo.add_argument(
        "--seed",
        default=None,
        help="TOML file to seed from (default: examples/tiktok-tokopedia.toml)",
    )
    demo.add_argument(
        "--lang",
        choices=("en", "id"),
        default=None,
        help="the demo's language: its chats and the seed's titles (default: PANTAU_LANGUAGE)",
    )
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_sub.add_parser("upgrade", help="apply schema migrations up to the newest")
    db_upgrade.set_defaults(func=cmd_db_upgrade)
    db_copy = db_sub.add_parser(
        "copy", help="copy every row to another (empty) database, e.g. SQLite to PostgreSQL"
    )
    db_copy.add_argument("--from", dest="source", required=True, help="source database URL")
    db_copy.add_argument("--to", dest="target", required=True, help="target database URL")
    db_copy.set_defaults(func=cmd_db_copy)

    imp = sub.add_parser("import", help="create or update a tracker from a TOML file (idempotent)")
    imp.add_argument("file", help="e.g. examples/tiktok-tokopedia.toml")
    imp.set_defaults(func=cmd_import)

    trackers = sub.add_parser("trackers", help="list, archive or restore trackers")
    trackers_sub = trackers.add_subparsers(
        dest="trackers_command", required=True, metavar="ACTION"
    )
    trackers_sub.add_parser("list", help="every tracker, active or archived").set_defaults(
        func=cmd_trackers_list
    )
    archive = trackers_sub.add_parser(
        "archive", help="archive a tracker: it sends nothing, cannot be linked, keeps every row"
    )
    archive.add_argument("key", help="tracker key")
    archive.set_defaults(func=cmd_trackers_archive)
    restore = trackers_sub.add_parser("restore", help="bring an archived tracker back")
    restore.add_argument("key", help="tracker key")
    restore.set_defaults(func=cmd_trackers_restore)

    chart = sub.add_parser("chart", help="write a tracker's burn-up chart as PNG")
    chart.add_argument("--tracker", required=True, help="tracker key")
    chart.add_argument("--out", required=True, help="PNG file to write")
    chart.add_argument("--lang", choices=("en", "id"), help="language (default PANTAU_LANGUAGE)")
    chart.set_defaults(func=cmd_chart)

    export = sub.add_parser(
        "export", help="write a tracker's audit trail as CSV, Excel or a verifiable bundle"
    )
    export.add_argument("--tracker", help="tracker key (may be left out when there is one)")
    export.add_argument(
        "--format",
        choices=("csv", "xlsx", "bundle"),
        default="csv",
        help="bundle: a zip with the CSV, the events, the evidence files and VERIFY.md",
    )
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument("--lang", choices=("en", "id"), help="language (default PANTAU_LANGUAGE)")
    export.set_defaults(func=cmd_export)

    verify = sub.add_parser(
        "verify",
        help="recompute the audit trail's hash chain from the rows; exit 1 at the first mismatch",
    )
    verify.add_argument("--tracker", help="only this tracker's chain")
    verify.add_argument(
        "--head",
        help="a head once published (3f9a…c2d1 or a prefix): is it still part of the chain?",
    )
    verify.set_defaults(func=cmd_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"pantau: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
