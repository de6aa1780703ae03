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
    """A started service. Threads read what it prints from the start, so a test can wait for
    a line, nothing is lost between that and stop(), and a chatty server never blocks on a
    full pipe."""

    proc: subprocess.Popen
    port: int
    host: str = "127.0.0.1"
    printed: list[dict] = field(default_factory=list)  # stdout's JSON lines, as they come
    errors: list[str] = field(default_factory=list)  # stderr
    _news: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _readers: list[threading.Thread] = field(default_factory=list, repr=False)
    _ended: bool = field(default=False, repr=False)  # stdout closed: the process is gone

    def __post_init__(self) -> None:
        for target in (self._read_stdout, self._read_stderr):
            reader = threading.Thread(target=target, daemon=True)
            reader.start()
            self._readers.append(reader)

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    record = {"not_json": line}  # kept, for the test to see
                with self._news:
                    self.printed.append(record)
                    self._news.notify_all()
        with self._news:
            self._ended = True
            self._news.notify_all()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.errors.append(line)

    def await_stop_phase(self, phase: str, timeout: float = 30) -> None:
        """Wait until the service's shutdown reaches `phase` (so that a test acts on what the
        server has done, not on a guess at how long it takes)."""

        def reached() -> bool:
            return any(line.get("phase") == phase for line in self.printed)

        with self._news:
            self._news.wait_for(lambda: reached() or self._ended, timeout)
        why = "before the service ended" if self._ended else f"in {timeout:g} s"
        assert reached(), f"no {phase!r} {why}: {self.printed} {self.errors}"

    def stop(self, timeout: float = 30) -> tuple[int, list[dict]]:
        """SIGTERM, wait, and return the exit code and the JSON lines it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=timeout)
        self.close()
        return self.proc.returncode, list(self.printed)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.close()

    def close(self) -> None:
        """After the process has ended: read the rest of what it printed."""
        for reader in self._readers:
            reader.join(timeout=10)


@pytest.fixture
def service() -> Iterator[Service]:
    svc = Service(*start_service())
    yield svc
    svc.kill()


@pytest.fixture
def start() -> Iterator:
    """Start services with extra environment; all are killed at the end of the test."""
    started: list[Service] = []

    def _start(**env: str) -> Service:
        started.append(Service(*start_service(**env)))
        return started[-1]

    yield _start
    for service in started:
        service.kill()
