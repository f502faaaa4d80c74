"""``pantau`` with its wall clock moved: ``python tests/e2e/clocked.py SECONDS run …``.

The end-to-end tests of scheduled work (a check-in, a digest that fell due while the bot was
stopped) would otherwise wait for a real clock minute. The process is the real one, talking
to the emulator over HTTP; only what ``time.time()`` and ``datetime.now()`` return is moved
forward by SECONDS, ticking as usual (time-machine patches them for every thread).
"""

from __future__ import annotations

import runpy
import sys
from datetime import UTC, datetime, timedelta

import time_machine

if __name__ == "__main__":
    offset = timedelta(seconds=float(sys.argv[1]))
    sys.argv = ["pantau", *sys.argv[2:]]
    with time_machine.travel(datetime.now(UTC) + offset, tick=True):
        runpy.run_module("bot", run_name="__main__")  # exits with pantau's code
