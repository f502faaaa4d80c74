"""Pantau's Telegram-facing side: configuration, the application factory, handlers, CLI."""
