"""The ``pantau`` command line: run, demo, db upgrade/copy, import, trackers, chart, export,
verify.

One rule for every subcommand: exit 0 with a line saying what was done, or a non-zero exit with
one or two lines saying what was wrong and what to do. A traceback only with ``--debug`` (or
LOG_LEVEL=DEBUG); a token never, not even a rejected one.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from bot.config import MissingTokenError, Settings
from bot.logs import configure_logging
from domain.progress import local_today
from domain.spec import SpecError, load_spec, report_lines
from services.imports import (
    ImportRefused,
    ImportResult,
    NoAdminLeft,
    TrackerArchived,
    apply_spec,
)
from services.trackers import ArchiveChange, set_archived
from storage import chats as chat_store
from storage import members as member_store
from storage import trackers as tracker_store
from storage.db import DatabaseUrlError, check_database_url, make_engine, session_scope
from storage.migrate import current_revision, upgrade
from storage.models import Tracker
from storage.trackers import get_tracker

EXIT_USAGE = 2
CLI = "command line"  # who archived or restored a tracker, in its trail
EXIT_FAILED = 1
CHART_FORMATS = ("png", "svg", "pdf")
log = logging.getLogger("pantau")
# Values never to print, whatever goes wrong (the token, once settings are read).
_SECRETS: set[str] = set()
_DEBUG = {"on": False}


class CliError(Exception):
    """Ends the command with one clear line on stderr and exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake as two lines: what is wrong, and where help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\nSee `{self.prog} --help`.\n")


def package_version() -> str:
    try:
        return version("pantau")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown (not installed)"


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        # Never print the input values: one of them may be the token.
        lines = [
            f"{'.'.join(str(p) for p in err['loc']).upper()}: "
            + err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise CliError("invalid configuration: " + "; ".join(lines)) from None
    if settings.telegram_bot_token is not None:
        _SECRETS.add(settings.telegram_bot_token.get_secret_value().strip())
    if settings.log_level == "DEBUG":
        _DEBUG["on"] = True
    return settings


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def ready_engine(settings: Settings) -> Engine:
    """An engine on a database migrated to the newest schema, or one clear error line."""
    where = safe_url(settings.database_url)
    try:
        engine = make_engine(settings.database_url)
    except OSError as exc:  # the SQLite file's folder cannot be created
        raise CliError(
            f"cannot create the database folder {exc.filename}: {exc.strerror}. "
            "Point DATABASE_URL at a folder you may write to, e.g. sqlite:///data/pantau.db"
        ) from None
    except DatabaseUrlError as exc:
        raise CliError(f"DATABASE_URL: {exc}") from None
    try:
        upgrade(engine)
    except (DatabaseError, OSError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CliError(
            f"cannot use the database at {where}: {reason}. "
            "Nothing was changed; check the file (or restore a backup) and DATABASE_URL."
        ) from None
    except ModuleNotFoundError as exc:  # a PostgreSQL URL naming a driver we do not ship
        engine.dispose()
        raise CliError(f"cannot use the database at {where}: {exc}") from None
    return engine


def check_webhook(args: argparse.Namespace) -> None:
    """``--webhook`` is a public HTTPS URL; ``--port`` and ``--listen`` only go with it."""
    if not args.webhook:
        for option, value in (("--port", args.port), ("--listen", args.listen)):
            if value is not None:
                raise CliError(
                    f"{option} is for webhook mode only: add --webhook https://your.host/path, "
                    f"or leave {option} out to use long polling"
                )
        return
    webhook = urlsplit(args.webhook)
    if webhook.scheme != "https" or not webhook.netloc:
        raise CliError(
            f"--webhook {args.webhook!r}: Telegram delivers only to HTTPS; give the public "
            "https:// URL, e.g. https://bot.example.org/pantau"
        )


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    from telegram import Update

    from bot.app import build_application
    from bot.startup import StartupError, check_telegram
    from bot.webhook import limit_request_bodies

    check_webhook(args)
    settings = load_settings()
    if args.debug:
        settings = settings.model_copy(update={"log_level": "DEBUG"})
    try:
        token = settings.require_token()
    except MissingTokenError as exc:
        raise CliError(str(exc)) from None
    _SECRETS.add(token)
    secret = None
    if args.webhook:
        if settings.telegram_webhook_secret is not None:
            secret = settings.telegram_webhook_secret.get_secret_value()
        else:
            secret = secrets.token_urlsafe(32)
        _SECRETS.add(secret)
    # The database first, before logging is set up, so that a failure there is the one line
    # of CliError, not a trail of migration log lines ending in it.
    engine = ready_engine(settings)
    revision = current_revision(engine)
    configure_logging(settings.log_level, token, secret)
    # Then Telegram: a rejected token or no network is one line, before polling starts.
    try:
        username = asyncio.run(
            check_telegram(
                token, base_url=settings.base_url, attempts=settings.pantau_start_attempts
            )
        )
    except StartupError as exc:
        engine.dispose()
        raise CliError(str(exc)) from None
    log.info(
        "database ready at %s (schema at revision %s)", safe_url(settings.database_url), revision
    )
    log.info("connected to Telegram as @%s", username)
    application = build_application(settings, engine=engine)
    if not args.webhook:
        log.info("starting long polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        if application.bot_data.conflict:
            raise CliError(
                "another bot process is already polling Telegram with this token (409 "
                "Conflict). Stop it, or run several instances with --webhook behind one URL."
            )
        print("pantau: stopped", file=sys.stderr)
        return 0
    if settings.telegram_webhook_secret is None:
        log.info("webhook secret generated (set TELEGRAM_WEBHOOK_SECRET to choose one)")
    url_path = urlsplit(args.webhook).path.strip("/")
    limit_request_bodies()
    listen = args.listen or "127.0.0.1"
    port = args.port or 8443
    log.info("webhook: listening on %s:%s/%s", listen, port, url_path)
    application.run_webhook(
        listen=listen,
        port=port,
        url_path=url_path,
        webhook_url=args.webhook,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
    print("pantau: stopped", file=sys.stderr)
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


def _engine() -> tuple[Engine, Settings]:
    settings = load_settings()
    return ready_engine(settings), settings


def _write_out(out: str, content: bytes) -> str:
    """Write to the file ``out`` (``-``: standard output); returns where it went."""
    from bot.files import write_private

    if out == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return "standard output"
    try:
        write_private(Path(out), content)
    except OSError as exc:
        raise CliError(
            f"cannot write {out}: {exc.strerror}; choose a file in a folder that exists "
            "and that you may write to (or --out - for standard output)"
        ) from None
    return out


def _chart_format(args: argparse.Namespace) -> str:
    if args.out == "-":
        return str(args.format or "png")
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix not in CHART_FORMATS:
        raise CliError(
            f"--out {args.out}: name a .png, .svg or .pdf file (or --out - with --format)"
        )
    if args.format and args.format != suffix:
        raise CliError(f"--format {args.format} does not match --out {args.out}")
    return suffix


def cmd_chart(args: argparse.Namespace) -> int:
    from services.files import chart_data, draw_chart

    fmt = _chart_format(args)
    engine, settings = _engine()
    now = datetime.now(UTC)
    with session_scope(engine, readonly=True) as session:
        tracker = get_tracker(session, key=args.tracker)
        if tracker is None:
            raise CliError(f"no tracker {args.tracker!r} in {safe_url(settings.database_url)}")
        data = chart_data(session, tracker, now=now)
    engine.dispose()
    image = draw_chart(data, now=now, lang=args.lang or settings.pantau_language, fmt=fmt)
    where = _write_out(args.out, image)
    _result(args.out, f"wrote the {fmt.upper()} chart to {where} ({len(image):,} bytes)")
    return 0


def _named_tracker(session: Session, key: str | None, url: str) -> Tracker:
    """The tracker ``--tracker`` names, or the only one there is."""
    if key is None:
        every = tracker_store.all_trackers(session)
        if len(every) == 1:
            return every[0]
        keys = ", ".join(t.key for t in every) or "none"
        raise CliError(f"name the tracker with --tracker (trackers in {safe_url(url)}: {keys})")
    tracker = get_tracker(session, key=key)
    if tracker is None:
        raise CliError(f"no tracker {key!r} in {safe_url(url)}")
    return tracker


def cmd_export(args: argparse.Namespace) -> int:
    from services.files import export_data, export_file

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
            data = export_data(session, tracker, fmt=args.format, now=datetime.now(UTC))
    engine.dispose()
    if args.format != "bundle":
        _name, content, count = export_file(data, lang=args.lang or settings.pantau_language)
    where = _write_out(args.out, content)
    if count < 0:
        _result(
            args.out, f"wrote {where} ({len(content):,} bytes): check it with VERIFY.md inside"
        )
    else:
        _result(args.out, f"wrote {where}: {count} reports ({len(content):,} bytes)")
    return 0


def _result(out: str, line: str) -> None:
    """The result line: on stderr when the result itself went to standard output."""
    print(line, file=sys.stderr if out == "-" else sys.stdout)


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
    engine, _settings = _engine()
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


def _set_archived(key: str, *, archived: bool) -> int:
    engine, settings = _engine()
    with session_scope(engine) as session:
        tracker = get_tracker(session, key=key)
        if tracker is None:
            raise CliError(f"no tracker {key!r} in {safe_url(settings.database_url)}")
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


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(args)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1–65535)") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number: use 1–65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    # --debug works before or after the subcommand (`pantau --debug run`, `pantau run --debug`).
    common = Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback when something fails (also LOG_LEVEL=DEBUG)",
    )
    parser = Parser(
        prog="pantau",
        description="Pantau: track progress towards a compliance deadline from Telegram.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"pantau {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", parents=[common], help="run the bot on Telegram (long polling; needs a token)"
    )
    run.add_argument(
        "--webhook",
        metavar="PUBLIC_URL",
        help="receive updates by webhook at this public https:// URL instead of long polling",
    )
    run.add_argument(
        "--listen", help="webhook: address to listen on (default 127.0.0.1)", default=None
    )
    run.add_argument(
        "--port", type=port_number, default=None, help="webhook: port to listen on (default 8443)"
    )
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser(
        "demo", parents=[common], help="chat with the bot in this terminal, no Telegram needed"
    )
    demo.add_argument(
        "--db", default="data/demo.db", help="demo SQLite file (default: data/demo.db)"
    )
    demo.add_argument("--reset", action="store_true", help="start from a fresh demo database")
    demo.add_argument(
        "--today",
        default=None,
        help="the demo's date, YYYY-MM-DD (default: where the demo stopped; a new demo starts "
        "on 2024-02-23, the day of the news story)",
    )
    demo.add_argument(
        "--seed",
        default=None,
        help="TOML file to seed a new demo database from (default: the story's tracker, "
        "shipped with Pantau)",
    )
    demo.add_argument(
        "--lang",
        choices=("en", "id"),
        default=None,
        help="the demo's language: its chats and the seed's titles (default: PANTAU_LANGUAGE)",
    )
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", parents=[common], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_sub.add_parser(
        "upgrade", parents=[common], help="apply schema migrations up to the newest"
    )
    db_upgrade.set_defaults(func=cmd_db_upgrade)
    db_copy = db_sub.add_parser(
        "copy",
        parents=[common],
        help="copy every row to another (empty) database, e.g. SQLite to PostgreSQL",
    )
    db_copy.add_argument("--from", dest="source", required=True, help="source database URL")
    db_copy.add_argument("--to", dest="target", required=True, help="target database URL")
    db_copy.set_defaults(func=cmd_db_copy)

    imp = sub.add_parser(
        "import",
        parents=[common],
        help="create or update a tracker from a TOML file (idempotent)",
    )
    imp.add_argument("file", help="e.g. examples/tiktok-tokopedia.toml")
    imp.add_argument(
        "--corrections",
        action="store_true",
        help="record reports that differ from the database as corrections (the old version "
        "stays in the audit trail); without it they are listed and left as they are",
    )
    imp.set_defaults(func=cmd_import)

    trackers = sub.add_parser(
        "trackers", parents=[common], help="list, archive or restore trackers"
    )
    trackers_sub = trackers.add_subparsers(
        dest="trackers_command", required=True, metavar="ACTION"
    )
    trackers_sub.add_parser(
        "list", parents=[common], help="every tracker, active or archived"
    ).set_defaults(func=cmd_trackers_list)
    archive = trackers_sub.add_parser(
        "archive",
        parents=[common],
        help="archive a tracker: it sends nothing, cannot be linked, keeps every row",
    )
    archive.add_argument("key", help="tracker key")
    archive.set_defaults(func=cmd_trackers_archive)
    restore = trackers_sub.add_parser(
        "restore", parents=[common], help="bring an archived tracker back"
    )
    restore.add_argument("key", help="tracker key")
    restore.set_defaults(func=cmd_trackers_restore)

    chart = sub.add_parser(
        "chart", parents=[common], help="write a tracker's burn-up chart (PNG, SVG or PDF)"
    )
    chart.add_argument("--tracker", required=True, help="tracker key")
    chart.add_argument(
        "--out", required=True, help="file to write: .png, .svg or .pdf (- for standard output)"
    )
    chart.add_argument(
        "--format", choices=CHART_FORMATS, help="with --out -: the format (default png)"
    )
    chart.add_argument("--lang", choices=("en", "id"), help="language (default PANTAU_LANGUAGE)")
    chart.set_defaults(func=cmd_chart)

    export = sub.add_parser(
        "export",
        parents=[common],
        help="write a tracker's audit trail as CSV, Excel or a verifiable bundle",
    )
    export.add_argument("--tracker", help="tracker key (may be left out when there is one)")
    export.add_argument(
        "--format",
        choices=("csv", "xlsx", "bundle"),
        default="csv",
        help="bundle: a zip with the CSV, the events, the evidence files and VERIFY.md",
    )
    export.add_argument("--out", required=True, help="file to write (- for standard output)")
    export.add_argument("--lang", choices=("en", "id"), help="language (default PANTAU_LANGUAGE)")
    export.set_defaults(func=cmd_export)

    verify = sub.add_parser(
        "verify",
        parents=[common],
        help="recompute the audit trail's hash chain from the rows; exit 1 at the first mismatch",
    )
    verify.add_argument("--tracker", help="only this tracker's chain")
    verify.add_argument(
        "--head",
        help="a head once published (3f9a…c2d1 or a prefix): is it still part of the chain?",
    )
    verify.set_defaults(func=cmd_verify)
    return parser


def _redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "<secret>")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.debug = getattr(args, "debug", False)
    env_token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if env_token:
        _SECRETS.add(env_token)
    debug = args.debug or os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"pantau: {_redact(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if debug or _DEBUG["on"]:
            raise
        reason = _redact(str(exc).splitlines()[0] if str(exc) else "")
        print(
            f"pantau {args.command}: failed: {type(exc).__name__}: {reason}\n"
            "Run it again with --debug to see where (and report it if it looks like a bug).",
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
