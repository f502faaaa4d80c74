"""The one exception type that carries a reply for the user."""


class UserError(Exception):
    """Bad input or a refused action: ``html`` is the reply, already escaped.

    Raised anywhere below a handler; the error handler replies with it and logs at INFO,
    without a traceback, because nothing is wrong with the bot.
    """

    def __init__(self, html: str) -> None:
        super().__init__(html)
        self.html = html
