"""Bots forked by one ``launch.py --serve`` per test session, each in place of a new Python.

Starting Python and importing Pantau took about 1.5 s of every one of the suite's bot starts;
the server does it once (tests/e2e/launch.py). :class:`Forked` is what the tests used of
``subprocess.Popen``: the pid, signals, and ``wait`` for the exit code (the server reaps the
child and passes the code on).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

LAUNCH = Path(__file__).with_name("launch.py")
_server: dict[str, str] = {}


def server() -> str:
    """The socket of this session's fork server, started on first use."""
    if "path" in _server:
        return _server["path"]
    folder = tempfile.mkdtemp(prefix="pantau-forks-")
    path = os.path.join(folder, "launch.sock")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with open(os.path.join(folder, "server.log"), "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(LAUNCH), "--serve", path],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop() -> None:
        process.kill()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    deadline = time.monotonic() + 60  # a busy machine may take long to import Pantau
    while not os.path.exists(path):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"fork server did not start: {Path(folder, 'server.log')}")
        time.sleep(0.02)
    _server["path"] = path
    return path


class Forked:
    """One bot process, forked by the server."""

    def __init__(self, argv: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> None:
        import json

        self._conn = socket.socket(socket.AF_UNIX)
        self._conn.connect(server())
        request = {"argv": argv, "cwd": str(cwd), "env": env, "log": str(log)}
        self._conn.sendall(json.dumps(request).encode() + b"\n")
        self._answers: IO[bytes] = self._conn.makefile("rb")
        self.pid = int(self._answers.readline())
        self.returncode: int | None = None

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def wait(self, timeout: float) -> int:
        if self.returncode is None:
            self._conn.settimeout(timeout)
            try:
                line = self._answers.readline()
            except TimeoutError:
                raise subprocess.TimeoutExpired(str(self.pid), timeout) from None
            self.returncode = int(line)
            self._answers.close()
            self._conn.close()
        return self.returncode
