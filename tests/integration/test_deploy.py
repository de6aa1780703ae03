"""make deploy / make rollback (ansible/deploy.yml, rollback.yml) against the emulator.

Each test builds the least a deploy needs with boto3 (deploy_stack.make_stack), runs the real
playbook with ansible-playbook, and reads the outcome back with boto3.
"""

from __future__ import annotations

import pytest

from tests.integration.deploy_stack import (
    CONTAINER,
    MISSING_DIGEST,
    make_stack,
    recap,
    run_playbook,
)

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]


@pytest.fixture
def stack(emulator):
    return make_stack(emulator)


def test_rolling_deploy_completes_and_changes_only_the_image(emulator, stack):
    before = stack.ecs.describe_task_definition(taskDefinition=stack.first_revision)

    proc = run_playbook(
        emulator, "deploy.yml", stack.deploy_vars(ecs_deploy_image=stack.image("v2"))
    )

    assert proc.returncode == 0
    assert recap(proc)["changed"] == 1
    assert "COMPLETED" in proc.stdout
    service = stack.describe()
    assert service["taskDefinition"] != stack.first_revision
    primary = service["deployments"][0]
    assert (primary["status"], primary["rolloutState"]) == ("PRIMARY", "COMPLETED")
    assert primary["taskDefinition"] == service["taskDefinition"]
    after = stack.ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
    # The tag went out by digest, and nothing but the image differs from the old revision.
    assert stack.live_image() == stack.by_digest("v2")
    old_container = before["taskDefinition"]["containerDefinitions"][0]
    new_container = after["taskDefinition"]["containerDefinitions"][0]
    assert {**old_container, "image": new_container["image"]} == new_container
    for key in ("cpu", "memory", "networkMode", "family"):
        assert after["taskDefinition"].get(key) == before["taskDefinition"].get(key)


def test_deploying_the_live_image_registers_nothing_and_starts_nothing(emulator, stack):
    revisions = stack.revisions()
    deployment = stack.describe()["deployments"][0]["id"]

    for image in (stack.image("v1"), stack.by_digest("v1")):
        proc = run_playbook(emulator, "deploy.yml", stack.deploy_vars(ecs_deploy_image=image))
        assert proc.returncode == 0
        assert recap(proc)["changed"] == 0
        assert "Nothing to deploy" in proc.stdout

    assert stack.revisions() == revisions
    assert [d["id"] for d in stack.describe()["deployments"]] == [deployment]


def test_check_mode_reports_the_deploy_and_changes_nothing(emulator, stack):
    revisions = stack.revisions()

    proc = run_playbook(
        emulator,
        "deploy.yml",
        stack.deploy_vars(ecs_deploy_image=stack.image("v2")),
        "--check",
        "--diff",
    )

    assert proc.returncode == 0
    assert recap(proc)["changed"] == 1
    # The diff names the image by digest: what would go live, exactly.
    assert f'+        "{CONTAINER}": "{stack.by_digest("v2")}"' in proc.stdout
    assert stack.revisions() == revisions
    assert stack.describe()["taskDefinition"] == stack.first_revision


def test_missing_image_fails_with_diagnostics_and_the_old_revision_stays(emulator, stack):
    missing = f"{stack.repository_uri}@{MISSING_DIGEST}"

    proc = run_playbook(emulator, "deploy.yml", stack.deploy_vars(ecs_deploy_image=missing))

    assert proc.returncode != 0
    # The verdict came from ECS (the circuit breaker), well before the 60 s timeout.
    assert "Deploy FAILED: ECS deployment circuit breaker: tasks failed to start." in proc.stdout
    assert "TIMED OUT" not in proc.stdout
    assert "CannotPullContainerError" in proc.stdout and missing in proc.stdout
    assert "rolling back to deployment" in proc.stdout
    assert "ECS rolled the service back" in proc.stdout
    service = stack.describe()
    assert service["taskDefinition"] == stack.first_revision
    assert stack.live_image() == stack.by_digest("v1")


def test_a_tag_that_is_not_in_ecr_fails_before_any_change(emulator, stack):
    revisions = stack.revisions()

    proc = run_playbook(
        emulator, "deploy.yml", stack.deploy_vars(ecs_deploy_image=stack.image("v9"))
    )

    assert proc.returncode != 0
    assert "is not in ECR (ImageNotFoundException)" in proc.stdout
    assert stack.revisions() == revisions


def test_a_deploy_that_never_settles_times_out_with_diagnostics(emulator):
    stack = make_stack(emulator, breaker=False)  # without the breaker ECS retries for ever
    missing = f"{stack.repository_uri}@{MISSING_DIGEST}"

    proc = run_playbook(
        emulator,
        "deploy.yml",
        stack.deploy_vars(ecs_deploy_image=missing, ecs_deploy_timeout=6),
    )

    assert proc.returncode != 0
    assert "Deploy TIMED OUT after 6 s" in proc.stdout
    assert "CannotPullContainerError" in proc.stdout
    deployment = stack.describe()["deployments"][0]
    assert deployment["rolloutState"] == "IN_PROGRESS"
    assert deployment["failedTasks"] > 0


def test_rollback_returns_to_the_previous_successful_revision(emulator, stack):
    deploy = run_playbook(
        emulator, "deploy.yml", stack.deploy_vars(ecs_deploy_image=stack.image("v2"))
    )
    assert deploy.returncode == 0
    deployed = stack.describe()["taskDefinition"]

    proc = run_playbook(emulator, "rollback.yml", stack.deploy_vars())

    assert proc.returncode == 0
    assert recap(proc)["changed"] == 1
    service = stack.describe()
    assert service["taskDefinition"] == stack.first_revision != deployed
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert stack.live_image() == stack.by_digest("v1")


def test_rollback_without_an_earlier_success_fails_and_changes_nothing(emulator, stack):
    proc = run_playbook(emulator, "rollback.yml", stack.deploy_vars())

    assert proc.returncode != 0
    assert "nothing to roll back to" in proc.stdout
    assert stack.describe()["taskDefinition"] == stack.first_revision


def test_conflicting_zero_downtime_settings_stop_the_deploy_before_any_aws_call(emulator):
    # Nothing listens on the discard port: an AWS call would fail with a connection error.
    proc = run_playbook(
        emulator,
        "deploy.yml",
        {"ecs_deploy_image": "example/web:1", "project_stop_timeout_seconds": 15},
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
    )

    assert proc.returncode != 0
    assert "Zero-downtime settings conflict" in proc.stdout
    assert "project_stop_timeout_seconds, 15 s" in proc.stdout
    assert "Could not connect" not in proc.stdout + proc.stderr


def test_a_grace_period_shorter_than_the_health_checks_is_a_conflict(emulator):
    proc = run_playbook(
        emulator,
        "deploy.yml",
        {"ecs_deploy_image": "example/web:1", "project_health_check_grace_seconds": 5},
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
    )

    assert proc.returncode != 0
    assert "health-check grace period" in proc.stdout
    assert "would replace new tasks as unhealthy" in proc.stdout
