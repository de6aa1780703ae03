"""Service tests run the real `python -m scaleout_app` (waitress) and talk to it over sockets."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.support import start_service


@dataclass
class Service:
    proc: subprocess.Popen
    port: int
    host: str = "127.0.0.1"
    printed: list[dict] = field(default_factory=list)  # lines read before stop()

    def await_stop_phase(self, phase: str, timeout: float = 30) -> None:
        """Read what the service prints until its shutdown reaches `phase` (so that a test acts
        on what the server has done, not on a guess at how long it takes)."""

        def read() -> None:
            while not any(line.get("phase") == phase for line in self.printed):
                line = self.proc.stdout.readline()
                if not line:
                    return
                self.printed.append(json.loads(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        assert not reader.is_alive(), f"no {phase!r} in {timeout:g} s: {self.printed}"
        assert any(line.get("phase") == phase for line in self.printed), (
            f"the service ended before {phase!r}: {self.printed}"
        )

    def stop(self, timeout: float = 30) -> tuple[int, list[dict]]:
        """SIGTERM, wait, and return the exit code and the JSON lines it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
        out, _ = self.proc.communicate(timeout=timeout)
        rest = [json.loads(line) for line in out.splitlines() if line]
        return self.proc.returncode, self.printed + rest


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
