"""The bot object: PTB's ``ExtBot`` with Pantau's outbox and its inbox hook for getUpdates.

PTB's updater puts each update of a ``getUpdates`` batch into the update queue one by one and
confirms the batch with the next ``getUpdates``. Writing the batch to the inbox here, in one
transaction, before the updater sees it, costs one commit per batch instead of one per update,
and still before Telegram is told we have them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings, configured
from bot.outbox import Outbox
from bot.ratelimit import SendLimiter

# At a stop, how long queued replies may still take to leave (the reports are recorded).
OUTBOX_GRACE_SECONDS = 10.0

BatchHook = Callable[[Sequence[Update]], Awaitable[None]]


class PantauBot(ExtBot[None]):
    """``ExtBot`` plus the outbox replies go through and the inbox hook for update batches."""

    # Leading underscores: PTB freezes its objects' public attributes after __init__.
    _outbox: Outbox | None = None
    _on_batch: BatchHook | None = None

    @property
    def outbox(self) -> Outbox:
        return configured(self._outbox, "build_application() gives the bot its outbox")

    def attach(self, outbox: Outbox, on_batch: BatchHook | None) -> None:
        self._outbox = outbox
        self._on_batch = on_batch

    async def shutdown(self) -> None:
        """Send what the outbox still holds (for a while) before the connections close."""
        if self._outbox is not None:
            await self._outbox.close(grace=OUTBOX_GRACE_SECONDS)
        await super().shutdown()

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates and self._on_batch is not None:
            await self._on_batch(updates)
        return updates


def make_bot(
    settings: Settings, token: str, *, request: BaseRequest | None, limiter: SendLimiter | None
) -> PantauBot:
    """The bot with Pantau's defaults: HTML, no link previews, the send limiter.

    Connection pools as PTB's builder makes them: many for sends, one for long polling.
    """
    return PantauBot(
        token=token,
        base_url=settings.base_url or "https://api.telegram.org/bot",
        # Evidence files are downloaded from the same server as the API.
        base_file_url=settings.base_file_url or "https://api.telegram.org/file/bot",
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=limiter,
    )
