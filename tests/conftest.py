"""Fixtures every test folder may use: the AWS emulator, and a rule for missing tools.

A test that needs a tool asks `require_tool("hey")`: on a developer's machine a missing tool
skips the test and says which tool; under CI (CI=true) it fails, because CI installs them all.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import scaleout.emulator as emulator_launcher

ROOT = Path(__file__).resolve().parent.parent
REGION = emulator_launcher.REGION
# The emulator's fake credentials (scaleout/emulator: one set for tools, tests and benchmarks).
FAKE_CREDENTIALS = emulator_launcher.FAKE_CREDENTIALS


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_tool(name: str, why: str = "") -> str:
    """Return the path of `name`, or skip (fail under CI) saying that it is missing."""
    path = shutil.which(name)
    if path:
        return path
    reason = f"{name} is not installed{': ' + why if why else ''} (make system-deps installs it)"
    if in_ci():
        pytest.fail(f"CI must run this test, but {reason}")
    pytest.skip(reason)


def assert_loopback(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise RuntimeError(f"refusing to test against {url}: the endpoint must be loopback")


@dataclass
class Emulator:
    """A running `python -m scaleout.emulator` and how to talk to it."""

    endpoint_url: str
    region: str = REGION

    def env(self, **extra: str) -> dict[str, str]:
        """An environment for a child process (ansible-playbook, our tools) aimed at the
        emulator only: fake credentials, the endpoint, no profile or real config files."""
        return {**emulator_launcher.aimed_at(self.endpoint_url, self.region), **extra}

    def client(self, service: str):
        import boto3

        assert_loopback(self.endpoint_url)
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        )

    def reset(self) -> None:
        """Forget every resource (moto's reset API), for tests that need a clean account."""
        import urllib.request

        url = f"{self.endpoint_url}/moto-api/reset"
        request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback http only
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200


# SIGTERM a process, SIGKILL it after a timeout: the emulator's, and any other server's.
stop_process = emulator_launcher.stop


def start_emulator(*args: str, log: Path | None = None, env: dict | None = None):
    """Start the emulator on a free port (scaleout.emulator.start); return the process and
    endpoint. Its stderr goes to `log` (a temporary file by default), never to a pipe."""
    if log is None:
        fd, name = tempfile.mkstemp(prefix="emulator-", suffix=".log")
        os.close(fd)
        log = Path(name)
    try:
        proc, endpoint = emulator_launcher.start(
            0, *args, log=log, env={**os.environ, **(env or {})}
        )
    except emulator_launcher.NotStarted as exc:
        raise RuntimeError(f"{exc}: {log.read_text()[-2000:]}") from None
    assert_loopback(endpoint)
    return proc, endpoint


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Iterator[Emulator]:
    proc, endpoint = start_emulator(log=tmp_path_factory.mktemp("emulator") / "emulator.log")
    try:
        yield Emulator(endpoint)
    finally:
        stop_process(proc)
