"""Pantau's persistence: SQLModel tables, the engine factory, migrations and queries.

Queries live in one module per topic (``trackers``, ``chats``, ``members``, ``workstreams``,
``reports``, ``notices``, ``inbox``, ``history``, ``checkins``, ``follows``, ``evidence``,
``lifecycle``); each takes a ``session`` and keyword-only arguments, and the caller owns the
transaction.

This package never imports ``bot``: the Telegram layer depends on it, not the other way round.
"""
