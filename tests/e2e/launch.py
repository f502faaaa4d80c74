"""``pantau`` for the end-to-end tests: ``python tests/e2e/launch.py [options] -- run …``,
or forked by ``launch.py --serve SOCKET`` (:func:`serve`; the tests start bots that way).

The process is the real one (``python -m bot``, run through runpy), talking to the emulator
over HTTP. Two things differ, neither in what the bot does:

The garbage collector is off while Pantau and its libraries are imported, and what they
built is then frozen (``gc.freeze``): the collector no longer walks those objects again and
again (during the imports, and once more when the process exits), which is about a third of
the CPU a start costs and most of a second at each stop on this machine.

Waits that would stretch a test to minutes are scaled down, here and never through a public
setting:

--ahead SECONDS       the wall clock moved forward, ticking as usual (time-machine patches
                      ``time.time()`` and ``datetime.now()`` for every thread): a check-in or a
                      digest that fell due while the bot was stopped, without a real minute.
                      SIGUSR1 then moves it on by the seconds written in the file ``clock-shift``
                      of the working directory (``BotProcess.shift_clock``): a test sets up, then
                      brings the bot's clock to just before the minute it waits for.
--group-window SECS   Telegram's per-group window (20 messages a *minute*) shortened to SECS:
                      the budget keeps its shape (20 per window), a burst drains in seconds.
--retry-delays A,B    the pauses before retrying a timed-out or failed call (2 s and 8 s).
--read-timeout SECS   how long a Bot API call may wait for an answer (PTB's 5 s).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib
import json
import os
import runpy
import select
import signal
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def options(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="launch.py")
    parser.add_argument("--ahead", type=float, default=None)
    parser.add_argument("--group-window", type=int, default=0)
    parser.add_argument("--retry-delays", default="")
    parser.add_argument("--read-timeout", type=float, default=0.0)
    split = argv.index("--")
    return parser.parse_args(argv[:split]), argv[split + 1 :]


def scale(args: argparse.Namespace) -> None:
    """Set the bot's time constants before ``bot.cli`` builds anything from them."""
    if args.group_window:
        from bot import app
        from bot.config import Settings
        from bot.ratelimit import SendLimiter, per_period

        build = app.send_limiter

        def send_limiter(settings: Settings) -> SendLimiter:
            limiter = build(settings)
            limiter.group = per_period(settings.pantau_rate_per_group_minute, args.group_window)
            return limiter

        app.send_limiter = send_limiter
    if args.retry_delays:
        from bot import retry

        retry.NETWORK_RETRY_DELAYS = tuple(float(d) for d in args.retry_delays.split(","))
    if args.read_timeout:
        from telegram.request import HTTPXRequest

        from bot import transport

        # bot.transport builds its HTTP clients from the name it imported.
        vars(transport)["HTTPXRequest"] = functools.partial(
            HTTPXRequest, read_timeout=args.read_timeout
        )


@contextlib.contextmanager
def clock(ahead: float | None) -> Iterator[None]:
    if ahead is None:
        yield
        return
    import time_machine

    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=ahead), tick=True) as moved:

        def shift(_signal: int, _frame: object) -> None:
            seconds = float(Path("clock-shift").read_text())
            moved.shift(seconds)
            sys.stderr.write(f"launch.py: clock moved on by {seconds} s\n")  # shift_clock waits
            sys.stderr.flush()

        signal.signal(signal.SIGUSR1, shift)
        yield


# What ``pantau run`` imports (bot.cli_run imports the last ones when it starts the bot).
IMPORTS = ("bot.cli", "bot.cli_run", "bot.app", "bot.startup", "bot.webhook", "telegram.ext")


def prepare() -> None:
    gc.disable()
    for name in IMPORTS:
        importlib.import_module(name)
    gc.freeze()
    gc.enable()


def run(argv: list[str]) -> None:
    """``launch.py [options] -- run …``: pantau with these options; exits with its code."""
    parsed, rest = options(argv)
    sys.argv = ["pantau", *rest]
    scale(parsed)
    try:
        with clock(parsed.ahead):
            runpy.run_module("bot", run_name="__main__")  # exits with pantau's code
    finally:
        gc.freeze()  # the collection at exit would walk every object still alive


def serve(path: str) -> None:
    """``launch.py --serve SOCKET``: import once, then fork one bot per request.

    A request is a line of JSON (argv after ``launch.py``, cwd, env, log file); the answer is
    the child's pid, then, when it ends, its exit code as ``Popen.wait`` gives it. Each child
    is a copy of this process as it stood after the imports (the server itself runs nothing
    of Pantau), so it is the process ``launch.py … -- run`` would be, minus a second and a
    half of starting Python and importing (tests/e2e/forked.py).
    """
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(16)
    children: dict[int, socket.socket] = {}
    parent = os.getppid()
    while os.getppid() == parent:  # ends with the test session, even one killed
        if select.select([listener], [], [], 0.02)[0]:
            conn, _ = listener.accept()
            request = json.loads(conn.makefile("rb").readline())
            pid = os.fork()
            if pid == 0:  # the bot: it leaves through SystemExit, and Python's usual exit
                listener.close()
                for other in children.values():
                    other.close()
                conn.close()
                child(request)
            conn.sendall(f"{pid}\n".encode())
            children[pid] = conn
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            done = children.pop(pid)
            done.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            done.close()
    sys.exit(0)


def child(request: dict[str, Any]) -> None:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    run(request["argv"])
    sys.exit(0)  # never back into the server's loop


if __name__ == "__main__":
    prepare()
    if sys.argv[1] == "--serve":
        serve(sys.argv[2])
    run(sys.argv[1:])
