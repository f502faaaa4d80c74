"""Limits of the webhook server (PTB serves webhooks with tornado's HTTPServer)."""

from __future__ import annotations

from tornado.httpserver import HTTPServer

# Telegram's updates are a few kilobytes; tornado's default is 100 MB, read into memory before
# the secret is even checked (six such requests took the bot from 90 MB to almost 1 GB).
MAX_BODY_BYTES = 1024 * 1024


def limit_request_bodies(max_bytes: int = MAX_BODY_BYTES) -> None:
    """Refuse request bodies over ``max_bytes`` before reading them.

    Tornado compares the declared Content-Length (or the running total of a chunked body)
    with ``max_body_size`` and answers 400 without reading further. PTB builds its
    ``HTTPServer`` itself; ``configure`` is tornado's public way to give every HTTPServer of
    the process default arguments, and the webhook server is the only one Pantau runs.
    """
    HTTPServer.configure(None, max_body_size=max_bytes)
