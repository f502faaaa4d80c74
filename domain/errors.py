"""The one exception type that carries a reply for the user."""

from __future__ import annotations

from typing import Any

from domain.i18n import t


class UserError(Exception):
    """Bad input or a refused action: a catalogue entry to reply with, in the chat's language.

    Raised anywhere below a handler; the error handler replies with it and logs at INFO,
    without a traceback, because nothing is wrong with the bot.
    """

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self, lang: str) -> str:
        return t(lang, self.key, **self.params)
