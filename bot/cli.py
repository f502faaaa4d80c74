"""The ``pantau`` command line: run, demo, db upgrade/copy, import, trackers, chart, export,
verify.

One rule for every subcommand: exit 0 with a line saying what was done, or a non-zero exit with
one or two lines saying what was wrong and what to do. A traceback only with ``--debug`` (or
LOG_LEVEL=DEBUG); a token never, not even a rejected one.

This module holds the parser and ``main``; the subcommands live in ``bot.cli_run`` (run,
demo), ``bot.cli_data`` (db, import, trackers) and ``bot.cli_files`` (chart, export, verify),
and what they share (``CliError``, settings, a migrated engine) in ``bot.cli_common``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from bot import cli_data, cli_files, cli_run
from bot.cli_common import DEBUG, EXIT_FAILED, EXIT_USAGE, SECRETS, CliError, redact
from bot.cli_files import CHART_FORMATS


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake as two lines: what is wrong, and where help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\nSee `{self.prog} --help`.\n")


def package_version() -> str:
    try:
        return version("pantau")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown (not installed)"


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
    run.set_defaults(func=cli_run.cmd_run)

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
    demo.set_defaults(func=cli_run.cmd_demo)

    db = sub.add_parser("db", parents=[common], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_sub.add_parser(
        "upgrade", parents=[common], help="apply schema migrations up to the newest"
    )
    db_upgrade.set_defaults(func=cli_data.cmd_db_upgrade)
    db_copy = db_sub.add_parser(
        "copy",
        parents=[common],
        help="copy every row to another (empty) database, e.g. SQLite to PostgreSQL",
    )
    db_copy.add_argument("--from", dest="source", required=True, help="source database URL")
    db_copy.add_argument("--to", dest="target", required=True, help="target database URL")
    db_copy.set_defaults(func=cli_data.cmd_db_copy)

    imp = sub.add_parser(
        "import", parents=[common], help="create or update a tracker from a TOML file (idempotent)"
    )
    imp.add_argument("file", help="e.g. examples/tiktok-tokopedia.toml")
    imp.add_argument(
        "--corrections",
        action="store_true",
        help="record reports that differ from the database as corrections (the old version "
        "stays in the audit trail); without it they are listed and left as they are",
    )
    imp.set_defaults(func=cli_data.cmd_import)

    trackers = sub.add_parser(
        "trackers", parents=[common], help="list, archive or restore trackers"
    )
    trackers_sub = trackers.add_subparsers(
        dest="trackers_command", required=True, metavar="ACTION"
    )
    trackers_sub.add_parser(
        "list", parents=[common], help="every tracker, active or archived"
    ).set_defaults(func=cli_data.cmd_trackers_list)
    archive = trackers_sub.add_parser(
        "archive",
        parents=[common],
        help="archive a tracker: it sends nothing, cannot be linked, keeps every row",
    )
    archive.add_argument("key", help="tracker key")
    archive.set_defaults(func=cli_data.cmd_trackers_archive)
    restore = trackers_sub.add_parser(
        "restore", parents=[common], help="bring an archived tracker back"
    )
    restore.add_argument("key", help="tracker key")
    restore.set_defaults(func=cli_data.cmd_trackers_restore)

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
    chart.set_defaults(func=cli_files.cmd_chart)

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
    export.set_defaults(func=cli_files.cmd_export)

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
    verify.set_defaults(func=cli_files.cmd_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.debug = getattr(args, "debug", False)
    env_token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if env_token:
        SECRETS.add(env_token)
    debug = args.debug or os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"pantau: {redact(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if debug or DEBUG["on"]:
            raise
        reason = redact(str(exc).splitlines()[0] if str(exc) else "")
        print(
            f"pantau {args.command}: failed: {type(exc).__name__}: {reason}\n"
            "Run it again with --debug to see where (and report it if it looks like a bug).",
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
