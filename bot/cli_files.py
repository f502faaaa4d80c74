"""``pantau chart``, ``pantau export`` and ``pantau verify``: files out of the database."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli_common import (
    CHART_FORMATS,
    CliError,
    named_tracker,
    open_engine,
    result_line,
    write_out,
)
from storage.db import session_scope


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
    engine, settings = open_engine()
    now = datetime.now(UTC)
    with session_scope(engine, readonly=True) as session:
        tracker = named_tracker(session, args.tracker, settings.database_url)
        data = chart_data(session, tracker, now=now)
    engine.dispose()
    image = draw_chart(data, now=now, lang=args.lang or settings.pantau_language, fmt=fmt)
    where = write_out(args.out, image)
    result_line(args.out, f"wrote the {fmt.upper()} chart to {where} ({len(image):,} bytes)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from services.files import export_data, export_file

    engine, settings = open_engine()
    with session_scope(engine, readonly=True) as session:
        tracker = named_tracker(session, args.tracker, settings.database_url)
        if args.format == "bundle":
            from bot.audit import bundle

            content = bundle(
                session, tracker, now=datetime.now(UTC), evidence_dir=settings.pantau_evidence_dir
            )
            count = -1
        else:
            data = export_data(session, tracker, fmt=args.format, now=datetime.now(UTC))
    engine.dispose()
    if args.format != "bundle":
        _name, content, count = export_file(data, lang=args.lang or settings.pantau_language)
    where = write_out(args.out, content)
    if count < 0:
        result_line(
            args.out, f"wrote {where} ({len(content):,} bytes): check it with VERIFY.md inside"
        )
    else:
        result_line(args.out, f"wrote {where}: {count} reports ({len(content):,} bytes)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from bot.audit import find_head, verify

    engine, settings = open_engine()
    with session_scope(engine, readonly=True) as session:
        if args.tracker is not None:
            named_tracker(session, args.tracker, settings.database_url)
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
