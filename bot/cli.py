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
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from bot.cli_common import (
    CHART_FORMATS,
    DEBUG,
    EXIT_FAILED,
    EXIT_USAGE,
    SECRETS,
    CliError,
    redact,
)


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


# The help line of each subcommand; ``pantau db upgrade`` runs ``cmd_db_upgrade`` of
# ``bot.cli_run``, ``bot.cli_data`` or ``bot.cli_files``, imported once the line is parsed.
SUBCOMMANDS = {
    "run": "run the bot on Telegram (long polling; needs a token)",
    "demo": "chat with the bot in this terminal, no Telegram needed",
    "db": "database maintenance",
    "db upgrade": "apply schema migrations up to the newest",
    "db copy": "copy every row to another (empty) database, e.g. SQLite to PostgreSQL",
    "import": "create or update a tracker from a TOML file (idempotent)",
    "trackers": "list, archive or restore trackers",
    "trackers list": "every tracker, active or archived",
    "trackers archive": "archive a tracker: it sends nothing, cannot be linked, keeps every row",
    "trackers restore": "bring an archived tracker back",
    "chart": "write a tracker's burn-up chart (PNG, SVG or PDF)",
    "export": "write a tracker's audit trail as CSV, Excel or a verifiable bundle",
    "verify": "recompute the audit trail's hash chain from the rows; exit 1 at the first mismatch",
}


def _subcommand(sub: argparse._SubParsersAction[Parser], common: Parser, path: str) -> Parser:
    """``pantau PATH`` (``db upgrade``), taking --debug, run by ``cmd_db_upgrade``."""
    parser: Parser = sub.add_parser(path.split()[-1], parents=[common], help=SUBCOMMANDS[path])
    parser.set_defaults(func=f"cmd_{path.replace(' ', '_')}")
    return parser


def _actions(
    sub: argparse._SubParsersAction[Parser], common: Parser, name: str
) -> argparse._SubParsersAction[Parser]:
    """``pantau NAME ACTION`` (``db``, ``trackers``): a subcommand of subcommands."""
    parser: Parser = sub.add_parser(name, parents=[common], help=SUBCOMMANDS[name])
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")


def _file_options(parser: argparse.ArgumentParser, out: str) -> None:
    """--out and --lang of the commands that write a tracker's file."""
    parser.add_argument("--out", required=True, help=f"file to write{out} (- for standard output)")
    parser.add_argument("--lang", choices=("en", "id"), help="language (default PANTAU_LANGUAGE)")


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

    run = _subcommand(sub, common, "run")
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

    demo = _subcommand(sub, common, "demo")
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

    db_sub = _actions(sub, common, "db")
    _subcommand(db_sub, common, "db upgrade")
    db_copy = _subcommand(db_sub, common, "db copy")
    db_copy.add_argument("--from", dest="source", required=True, help="source database URL")
    db_copy.add_argument("--to", dest="target", required=True, help="target database URL")

    imp = _subcommand(sub, common, "import")
    imp.add_argument("file", help="e.g. examples/tiktok-tokopedia.toml")
    imp.add_argument(
        "--corrections",
        action="store_true",
        help="record reports that differ from the database as corrections (the old version "
        "stays in the audit trail); without it they are listed and left as they are",
    )

    trackers_sub = _actions(sub, common, "trackers")
    _subcommand(trackers_sub, common, "trackers list")
    _subcommand(trackers_sub, common, "trackers archive").add_argument("key", help="tracker key")
    _subcommand(trackers_sub, common, "trackers restore").add_argument("key", help="tracker key")

    chart = _subcommand(sub, common, "chart")
    chart.add_argument("--tracker", required=True, help="tracker key")
    _file_options(chart, ": .png, .svg or .pdf")
    chart.add_argument(
        "--format", choices=CHART_FORMATS, help="with --out -: the format (default png)"
    )

    export = _subcommand(sub, common, "export")
    export.add_argument("--tracker", help="tracker key (may be left out when there is one)")
    export.add_argument(
        "--format",
        choices=("csv", "xlsx", "bundle"),
        default="csv",
        help="bundle: a zip with the CSV, the events, the evidence files and VERIFY.md",
    )
    _file_options(export, "")

    verify = _subcommand(sub, common, "verify")
    verify.add_argument("--tracker", help="only this tracker's chain")
    verify.add_argument(
        "--head",
        help="a head once published (3f9a…c2d1 or a prefix): is it still part of the chain?",
    )
    return parser


def command(func: str) -> Callable[[argparse.Namespace], int]:
    """The function named ``func`` (``cmd_import``) in the subcommands' modules. They, and with
    them SQLAlchemy, Alembic and PTB, load only now: --help and --version load none of them."""
    from bot import cli_data, cli_files, cli_run

    module = next(m for m in (cli_run, cli_data, cli_files) if hasattr(m, func))
    found: Callable[[argparse.Namespace], int] = getattr(module, func)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.debug = getattr(args, "debug", False)
    env_token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if env_token:
        SECRETS.add(env_token)
    debug = args.debug or os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"
    try:
        return int(command(args.func)(args))
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
