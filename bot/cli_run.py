"""``pantau run`` (long polling or webhook) and ``pantau demo``."""

from __future__ import annotations

import argparse
import secrets
import sys
from urllib.parse import urlsplit

from bot.cli_common import SECRETS, CliError, load_settings, log, ready_engine, safe_url
from bot.config import MissingTokenError
from bot.logs import configure_logging
from storage.migrate import current_revision


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
    SECRETS.add(token)
    secret = None
    if args.webhook:
        if settings.telegram_webhook_secret is not None:
            secret = settings.telegram_webhook_secret.get_secret_value()
        else:
            secret = secrets.token_urlsafe(32)
        SECRETS.add(secret)
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


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(args)
