"""Container tests build the real image and run it in a real Docker engine.

The image is built once per session from app/Dockerfile, on the base that
`scripts/docker-engine.sh base` names (the official slim image, or the Debian stand-in where
no registry can be reached).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT, in_ci, require_tool

IMAGE = os.environ.get("TEST_IMAGE", "http-scale-out:test")
BASE_IMAGE = os.environ.get("BASE_IMAGE", "python:3.11-slim-bookworm")

pytestmark = pytest.mark.docker


def docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=timeout
    )


@pytest.fixture(scope="session")
def image() -> str:
    require_tool("docker", "the container tests need a Docker engine")
    if docker("info", check=False, timeout=30).returncode != 0:
        reason = "no Docker engine answers (scripts/docker-engine.sh start starts one)"
        if in_ci():
            pytest.fail(f"CI must run the container tests, but {reason}")
        pytest.skip(reason)
    base = subprocess.run(
        [str(ROOT / "scripts/docker-engine.sh"), "base", BASE_IMAGE],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    ).stdout.strip()
    build = docker(
        "build", "--build-arg", f"BASE_IMAGE={base}", "-t", IMAGE, "-f",
        str(ROOT / "app/Dockerfile"), str(ROOT / "app"),
        check=False, timeout=900,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return IMAGE


@dataclass
class Container:
    id: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inspect(self) -> dict:
        return json.loads(docker("inspect", self.id).stdout)[0]

    def logs(self) -> list[dict]:
        out = docker("logs", self.id).stdout
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    def wait_until_serving(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"container did not serve within {timeout} s: {self.logs()}")


@pytest.fixture
def run_container(image) -> Iterator:
    started: list[str] = []

    def _run(*docker_args: str) -> Container:
        name = f"hso-test-{uuid.uuid4().hex[:8]}"
        cid = docker(
            "run", "--detach", "--name", name, "--publish", "127.0.0.1::8080",
            *docker_args, image,
        ).stdout.strip()  # fmt: skip
        started.append(cid)
        port = int(docker("port", cid, "8080/tcp").stdout.split(":")[-1])
        return Container(cid, port)

    yield _run
    for cid in started:
        docker("rm", "--force", cid, check=False)


@pytest.fixture
def container(run_container) -> Container:
    # Probe often so the test is quick, but allow for a busy machine: each probe starts a
    # Python interpreter, which can take seconds when every core is taken.
    c = run_container("--health-interval=1s", "--health-start-period=1s", "--health-timeout=10s")
    c.wait_until_serving()
    return c
