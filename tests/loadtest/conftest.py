"""Load test tests: a real waitress server on a free loopback port, and the tool as a process.

The server's stdout goes to a file, not a pipe: under load it writes a line per request, and a
pipe nobody reads would fill and stall it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, assert_loopback


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path

    def url(self, path: str = "/api") -> str:
        url = f"http://127.0.0.1:{self.port}{path}"
        assert_loopback(url)
        return url

    def requests(self) -> list[dict]:
        """The access-log lines printed so far (not the server's own events)."""
        lines = [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]
        return [line for line in lines if "event" not in line]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}/app",
        "APP_HOST": "127.0.0.1",
        "APP_PORT": "0",
        "APP_THREADS": "8",
        "APP_DRAIN_SECONDS": "0",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scaleout_app"], env=env, stdout=out, stderr=subprocess.PIPE
        )
    deadline = time.monotonic() + 20
    port = None
    while port is None:
        text = log.read_text()
        if text.endswith("\n"):
            port = int(json.loads(text.splitlines()[0])["port"])
        elif proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the service did not start: {proc.stderr.read().decode()}")
        else:
            time.sleep(0.05)
    running = Server(proc, port, log)
    try:
        yield running
    finally:
        running.stop()
        proc.stderr.close()
