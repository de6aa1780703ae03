"""The built image, run in a real Docker engine, checked from outside and with testinfra."""

from __future__ import annotations

import subprocess
import time
import urllib.request

import pytest
import testinfra

from plugins.module_utils.scaleout_contract import contract_problems
from tests.container.conftest import docker
from tests.support import run_load

pytestmark = pytest.mark.docker


@pytest.fixture
def host(container):
    return testinfra.get_host(f"docker://{container.id}")


def test_runs_as_a_fixed_non_root_user(host):
    assert host.check_output("id -u") == "10001"
    assert host.user().name == "app"
    # The server process too, not just the exec'd shell.
    assert host.check_output("stat -c %u /proc/1") == "10001"


def test_listens_on_8080(host):
    # The slim base has neither ss nor netstat: read the kernel's table (port 8080 = 0x1F90,
    # state 0A = LISTEN).
    table = host.check_output("cat /proc/net/tcp /proc/net/tcp6")
    assert any(
        fields[1].endswith(":1F90") and fields[3] == "0A"
        for fields in (line.split() for line in table.splitlines()[1:])
        if len(fields) > 3
    )


def test_api_answers_the_contract(container):
    with urllib.request.urlopen(f"{container.url}/api", timeout=5) as response:  # noqa: S310
        assert contract_problems(response.read()) == []


def test_docker_reports_the_health_check_healthy(container):
    deadline = time.monotonic() + 60
    health = {}
    while time.monotonic() < deadline:
        health = container.inspect()["State"]["Health"]
        if health["Status"] == "healthy":
            break
        time.sleep(0.5)
    assert health["Status"] == "healthy", health["Log"][-3:]


def test_nothing_but_the_service_is_in_the_image(host):
    assert host.check_output("ls -A /opt/app").split() == ["scaleout_app"]
    for path in ("/opt/app/tests", "/opt/app/ansible", "/opt/app/.git", "/opt/app/roles"):
        assert not host.file(path).exists, path
    assert host.check_output("find /opt/app -name 'test*' -o -name '*.md' -o -name '.*'") == ""
    assert not host.file("/.git").exists
    assert not host.file("/opt/venv/bin/pip").exists  # removed from the runtime venv
    assert not host.exists("curl")


def test_serves_with_a_read_only_root_and_no_capabilities(run_container):
    c = run_container("--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")
    c.wait_until_serving()
    with urllib.request.urlopen(f"{c.url}/api", timeout=5) as response:  # noqa: S310
        assert response.status == 200


def test_a_bad_setting_stops_the_container_with_exit_2(image):
    result = docker("run", "--rm", "--env", "APP_THREADS=many", image, check=False)
    assert result.returncode == 2
    assert "APP_THREADS" in result.stderr


@pytest.mark.slow
def test_docker_stop_under_load_exits_0_and_fails_no_request(run_container):
    # Each client must finish a request within the drain window to be told to close.
    container = run_container("--env", "APP_DRAIN_SECONDS=3")
    container.wait_until_serving()
    stop, result, threads = run_load("127.0.0.1", container.port, clients=8)
    time.sleep(1.5)
    assert result.ok > 0
    docker("stop", "--time", "30", container.id, timeout=60)
    for thread in threads:
        thread.join(timeout=20)
    stop.set()
    state = container.inspect()["State"]
    assert state["ExitCode"] == 0
    assert result.failed == []
    assert result.closed_by_server == 8
    phases = [e["phase"] for e in container.logs() if e.get("event") == "stop"]
    assert phases == ["draining", "closed_listener", "exited"]


@pytest.mark.slow
def test_a_killed_container_is_restarted_and_healthy_again(run_container):
    c = run_container("--restart", "on-failure", "--health-interval=1s", "--health-timeout=10s")
    c.wait_until_serving()
    pid = c.inspect()["State"]["Pid"]
    subprocess.run(["kill", "-KILL", str(pid)], check=True)
    deadline = time.monotonic() + 60
    state = {}
    while time.monotonic() < deadline:
        state = c.inspect()
        if (
            state["RestartCount"] >= 1
            and state["State"]["Running"]
            and state["State"].get("Health", {}).get("Status") == "healthy"
        ):
            break
        time.sleep(0.5)
    assert state["RestartCount"] == 1
    assert state["State"]["Health"]["Status"] == "healthy"
    # A restart may publish on another host port.
    c.port = int(docker("port", c.id, "8080/tcp").stdout.split(":")[-1])
    c.wait_until_serving()
