"""Pantau's persistence: SQLModel tables, the engine factory, migrations and queries.

This package never imports ``bot``: the Telegram layer depends on it, not the other way round.
"""
