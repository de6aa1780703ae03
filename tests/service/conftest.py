"""Service tests run the real `python -m scaleout_app` (waitress) and talk to it over sockets."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support import start_service


@dataclass
class Service:
    proc: subprocess.Popen
    port: int
    host: str = "127.0.0.1"

    def stop(self, timeout: float = 30) -> tuple[int, list[dict]]:
        """SIGTERM, wait, and return the exit code and the JSON lines it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
        out, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, [json.loads(line) for line in out.splitlines() if line]


@pytest.fixture
def service() -> Iterator[Service]:
    proc, port = start_service()
    svc = Service(proc, port)
    yield svc
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.fixture
def start() -> Iterator:
    """Start services with extra environment; all are killed at the end of the test."""
    started: list[subprocess.Popen] = []

    def _start(**env: str) -> Service:
        proc, port = start_service(**env)
        started.append(proc)
        return Service(proc, port)

    yield _start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
