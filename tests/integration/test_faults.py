"""Faults in the control plane: the AWS emulator dies in the middle of a provision, and a
deploy is interrupted while it waits for ECS's verdict.

Each test starts a private emulator (the session's one is shared by other tests, which must
not see it die), and stops it at the end.

moto keeps no state across a restart, so "the emulator restarted" means a fresh, empty account
on the same endpoint: the interrupted run must fail with a clear error in bounded time, and a
re-run must build the whole stack from nothing and then be idempotent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaleout import playbook
from tests.conftest import Emulator, start_emulator
from tests.integration.conftest import ROOT, STACK, Provisioner
from tests.integration.deploy_stack import (
    make_stack,
    playbook_command,
    recap,
    run_playbook,
)
from tests.support import wait_for

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]


class PrivateEmulator:
    """An emulator of this test's own, that the test may kill and start again on its port."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.log_dir, self.env, self.starts = log_dir, env, 0
        self.proc: subprocess.Popen | None = None
        self.endpoint = ""

    def start(self, *args: str) -> Emulator:
        self.starts += 1
        log = self.log_dir / f"emulator-{self.starts}.log"
        self.proc, self.endpoint = start_emulator(*args, log=log, env=self.env)
        return Emulator(self.endpoint)

    @property
    def port(self) -> int:
        return urllib.parse.urlsplit(self.endpoint).port or 0

    def kill(self) -> None:
        """SIGKILL: a crash, not a clean shutdown."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def private(tmp_path) -> Iterator[PrivateEmulator]:
    emulator = PrivateEmulator(tmp_path)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def slow_deploys(tmp_path) -> Iterator[PrivateEmulator]:
    # Rollouts that take long enough for a deploy to be interrupted while it waits, and for a
    # fresh ansible-playbook to start and find the rollout still going on a loaded machine.
    emulator = PrivateEmulator(tmp_path, env={"EMULATOR_DEPLOY_SECONDS": "20"})
    try:
        yield emulator
    finally:
        emulator.stop()


def stop_group(proc: subprocess.Popen) -> None:
    """Leave nothing of an ansible-playbook run behind (it forks workers)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_emulator_killed_mid_provision_fails_clearly_then_a_rerun_converges(private, tmp_path):
    emulator = private.start()
    output = tmp_path / "interrupted.log"
    with output.open("w") as out:
        proc = subprocess.Popen(
            playbook.command("site.yml"),
            cwd=ROOT,
            env=Provisioner(emulator).env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        # Kill it once the provision has created something: in the middle, not before.
        wait_for(
            "the provision's first change",
            lambda: "changed: [" in output.read_text() or proc.poll() is not None,
            limit=180,
        )
        assert proc.poll() is None, output.read_text()[-3000:]
        private.kill()
        # Bounded: botocore gives up on a refused connection after its retries.
        returncode = proc.wait(timeout=300)
    finally:
        stop_group(proc)
    text = output.read_text()
    print(text)
    assert returncode != 0
    assert "fatal:" in text or "FAILED" in text, text[-3000:]
    assert "Could not connect to the endpoint URL" in text, text[-3000:]

    # A restart: the same endpoint, a fresh account.
    restarted = Provisioner(private.start("--port", str(private.port)))
    assert restarted.emulator.endpoint_url == emulator.endpoint_url
    first = restarted.converge()
    assert first.changed > 10, first.changed_tasks()
    ecs = restarted.client("ecs")
    (service,) = ecs.describe_services(cluster=STACK, services=[STACK])["services"]
    assert service["status"] == "ACTIVE"
    assert service["loadBalancers"], service
    assert restarted.client("elbv2").describe_load_balancers(Names=[STACK])["LoadBalancers"]
    again = restarted.converge()
    assert again.changed == 0, again.changed_tasks()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_deploy_rerun_reports_the_verdict_without_a_new_revision(
    slow_deploys, tmp_path, signum
):
    emulator = slow_deploys.start()
    stack = make_stack(emulator)
    deploy = stack.deploy_vars(ecs_deploy_image=stack.image("v2"))
    command, environ = playbook_command(emulator, "deploy.yml", deploy)
    output = tmp_path / "interrupted.log"
    with output.open("w") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        # The service points at the new revision: the deploy is now waiting for the verdict.
        wait_for(
            "the deploy to update the service",
            lambda: (
                stack.describe()["taskDefinition"] != stack.first_revision
                or proc.poll() is not None
            ),
            limit=120,
        )
        assert proc.poll() is None, output.read_text()[-3000:]
        assert stack.describe()["deployments"][0]["rolloutState"] == "IN_PROGRESS"
        # As a terminal's ^C (or a cancelled CI job) does: the whole process group.
        os.killpg(proc.pid, signum)
        returncode = proc.wait(timeout=60)
    finally:
        stop_group(proc)
    print(output.read_text())
    assert returncode != 0
    revisions = stack.revisions()
    assert len(revisions) == 2, revisions

    rerun = run_playbook(emulator, "deploy.yml", deploy)

    assert rerun.returncode == 0
    assert recap(rerun)["changed"] == 0
    assert "already being deployed" in rerun.stdout
    assert "COMPLETED" in rerun.stdout
    assert stack.revisions() == revisions
    assert stack.live_image() == stack.by_digest("v2")
    primary = stack.describe()["deployments"][0]
    assert (primary["status"], primary["rolloutState"]) == ("PRIMARY", "COMPLETED")
    assert primary["taskDefinition"] == revisions[-1]
