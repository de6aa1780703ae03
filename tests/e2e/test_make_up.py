"""`make up` end to end, as a new user runs it: emulator, provision, image, deploy, serve.

Uses its own ports and state folder, so it never touches a developer's running `make up`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request

import pytest

from plugins.module_utils.scaleout_contract import contract_problems
from tests.conftest import ROOT, Emulator, in_ci, require_tool

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.emulator, pytest.mark.playbook]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def local(tmp_path):
    require_tool("docker", "make up serves the image in a container")
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        if in_ci():
            pytest.fail("CI must run make up with Docker, but no engine answers")
        pytest.skip("no Docker engine answers (scripts/docker-engine.sh start)")
    port, emulator_port = free_port(), free_port()
    args = ["--state-dir", str(tmp_path / "state"), "--port", str(port),
            "--emulator-port", str(emulator_port)]  # fmt: skip

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "scaleout.local", command, *args],
            cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip

    run.port, run.emulator_port, run.state = port, emulator_port, tmp_path / "state"
    yield run
    run("down")


def test_up_serves_the_api_converges_and_down_leaves_nothing(local):
    first = local("up")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "http-scale-out is up" in first.stdout
    with urllib.request.urlopen(f"http://127.0.0.1:{local.port}/api", timeout=5) as r:
        assert contract_problems(r.read()) == []
    # The image was recorded in the emulated ECR and deployed to the service by digest.
    emulator = Emulator(f"http://127.0.0.1:{local.emulator_port}")
    ecs = emulator.client("ecs")
    cluster = ecs.list_clusters()["clusterArns"][0]
    service = ecs.describe_services(
        cluster=cluster, services=ecs.list_services(cluster=cluster)["serviceArns"]
    )["services"][0]
    image = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"
    ]["containerDefinitions"][0]["image"]
    repository, _, digest = image.partition("@")
    assert digest.startswith("sha256:")
    recorded = emulator.client("ecr").describe_images(
        repositoryName=repository.rsplit("/", 1)[-1], imageIds=[{"imageDigest": digest}]
    )["imageDetails"]
    assert len(recorded) == 1

    second = local("up")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "==> provision  no change" in second.stdout
    assert "==> serve      no change" in second.stdout
    assert "is up in" in second.stdout and "(no change)" in second.stdout

    status = local("status")
    assert status.returncode == 0, status.stdout

    down = local("down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not taken(local.port) and not taken(local.emulator_port)
    assert not local.state.exists()
    names = subprocess.run(
        ["docker", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [n for n in names if n.endswith(f"-{local.port}")]


def test_a_taken_port_is_named_with_what_to_do(local):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", local.emulator_port))
        squatter.listen()
        result = local("up")
    assert result.returncode == 1
    assert f"port {local.emulator_port} is taken" in result.stderr
    assert "EMULATOR_PORT=" in result.stderr
