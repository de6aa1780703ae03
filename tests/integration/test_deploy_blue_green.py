"""make deploy STRATEGY=blue_green against the emulator: ECS native blue/green with a PAUSE hook
after the test traffic shift, where the playbook checks /api before production moves.

The emulator runs no tasks, so the contract check needs something that answers: the service
itself started on this machine (what ENV=local does), or, for the failing check, a stand-in that
breaks the contract. The listener rules' weights are read back from the emulated load balancer.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import Emulator, start_emulator, stop_process
from tests.integration.deploy_stack import (
    broken_api,
    make_stack,
    playbook_command,
    recap,
    run_playbook,
    serving_api,
)
from tests.support import wait_for

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]


@pytest.fixture
def stack(emulator):
    return make_stack(emulator, blue_green=True)


@pytest.fixture
def service_url():
    with serving_api() as url:
        yield url


@pytest.fixture
def broken_url():
    with broken_api() as url:
        yield url


def deploy(emulator, stack, url):
    return run_playbook(
        emulator,
        "deploy.yml",
        stack.deploy_vars(
            ecs_deploy_image=stack.image("v2"),
            ecs_deploy_strategy="blue_green",
            ecs_deploy_contract_url=url,
        ),
    )


def service_deployment(stack):
    arn = stack.describe()["currentServiceDeployment"]
    return stack.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
        "serviceDeployments"
    ][0]


def test_blue_green_checks_the_contract_then_moves_production(emulator, stack, service_url):
    assert stack.weights("production_rule") == {"blue": 100, "green": 0}

    proc = deploy(emulator, stack, service_url)

    assert proc.returncode == 0
    assert recap(proc)["changed"] == 1
    assert "contract check" in proc.stdout and "passed" in proc.stdout
    service = stack.describe()
    assert service["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert service["taskDefinition"] != stack.first_revision
    assert stack.live_image() == stack.by_digest("v2")
    assert stack.weights("production_rule") == {"blue": 0, "green": 100}
    assert stack.weights("test_rule") == {"blue": 0, "green": 100}
    detail = service_deployment(stack)
    assert detail["status"] == "SUCCESSFUL"
    [hook] = detail["lifecycleHookDetails"]
    assert (hook["targetType"], hook["status"]) == ("PAUSE", "SUCCEEDED")


def test_a_failed_contract_check_leaves_production_on_the_old_tasks(emulator, stack, broken_url):
    proc = deploy(emulator, stack, broken_url)

    assert proc.returncode != 0
    assert "Deploy FAILED: the contract check of /api on the new tasks failed" in proc.stdout
    assert "not one ASCII letter under key(s) 7" in proc.stdout
    service = stack.describe()
    assert service["taskDefinition"] == stack.first_revision
    assert stack.live_image() == stack.by_digest("v1")
    # Production never moved; the test listener is back on the old tasks too.
    assert stack.weights("production_rule") == {"blue": 100, "green": 0}
    assert stack.weights("test_rule") == {"blue": 100, "green": 0}
    assert service_deployment(stack)["status"] == "ROLLBACK_SUCCESSFUL"


@pytest.fixture
def slow_bake_emulator(monkeypatch):
    """A private emulator whose blue/green bake time lasts long enough to roll back in it."""
    monkeypatch.setenv("EMULATOR_BAKE_SECONDS", "300")
    proc, endpoint = start_emulator()
    try:
        yield Emulator(endpoint)
    finally:
        stop_process(proc)


def test_rollback_during_the_bake_time_is_instant(slow_bake_emulator, service_url):
    emulator = slow_bake_emulator
    stack = make_stack(emulator, blue_green=True)
    command, environ = playbook_command(
        emulator,
        "deploy.yml",
        stack.deploy_vars(
            ecs_deploy_image=stack.image("v2"),
            ecs_deploy_strategy="blue_green",
            ecs_deploy_contract_url=service_url,
            # Longer than reaching the bake time and a whole rollback.yml on a loaded machine;
            # the bake time (300 s) still outlasts it, so only the rollback can end the deploy.
            ecs_deploy_timeout=240,
        ),
    )
    deploying = subprocess.Popen(
        command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for(
            "production to move to green and the bake time to start",
            lambda: (
                stack.describe().get("currentServiceDeployment")
                and service_deployment(stack).get("lifecycleStage") == "BAKE_TIME"
            ),
            limit=120,
        )
        assert stack.weights("production_rule") == {"blue": 0, "green": 100}

        proc = run_playbook(emulator, "rollback.yml", stack.deploy_vars())

        deploy_output, _ = deploying.communicate(timeout=120)
    finally:
        if deploying.poll() is None:
            deploying.kill()
            deploying.wait()
    print(deploy_output)
    assert proc.returncode == 0
    assert "stopped the deployment in progress (at BAKE_TIME)" in proc.stdout
    assert stack.weights("production_rule") == {"blue": 100, "green": 0}
    assert stack.describe()["taskDefinition"] == stack.first_revision
    assert service_deployment(stack)["status"] == "ROLLBACK_SUCCESSFUL"
    # The deploy that was waiting through its bake time reports the rollback, not a success.
    assert deploying.returncode != 0
    assert "Deploy FAILED: StopServiceDeployment asked to roll back" in deploy_output
