"""scaleout/emulator/patches/ecs_deployments.py: ECS deployments that move, fail and roll back.

Read with boto3 only, as the deploy module reads them. Waiting is bounded (wait_for gives up
with a message); no test asserts how long anything took.
"""

from __future__ import annotations

import pytest

from tests.integration.deploy_stack import MISSING_DIGEST, make_stack
from tests.support import wait_for

pytestmark = pytest.mark.emulator


def register(stack, image: str) -> str:
    current = stack.ecs.describe_task_definition(taskDefinition=stack.first_revision)
    definition = current["taskDefinition"]
    containers = [{**definition["containerDefinitions"][0], "image": image}]
    return stack.ecs.register_task_definition(
        family=definition["family"],
        containerDefinitions=containers,
        cpu=definition["cpu"],
        memory=definition["memory"],
    )["taskDefinition"]["taskDefinitionArn"]


def deployment(stack, deployment_id: str):
    return next((d for d in stack.describe()["deployments"] if d["id"] == deployment_id), None)


def messages(stack) -> str:
    return "\n".join(e["message"] for e in stack.describe()["events"])


def test_an_update_starts_a_deployment_that_completes(emulator):
    stack = make_stack(emulator)
    new = register(stack, stack.by_digest("v2"))

    updated = stack.ecs.update_service(
        cluster=stack.cluster, service=stack.service, taskDefinition=new
    )["service"]

    states = [(d["status"], d["rolloutState"], d["taskDefinition"]) for d in updated["deployments"]]
    assert states == [
        ("PRIMARY", "IN_PROGRESS", new),
        ("ACTIVE", "COMPLETED", stack.first_revision),
    ]
    new_id = updated["deployments"][0]["id"]
    wait_for(
        "the deployment to complete",
        lambda: deployment(stack, new_id)["rolloutState"] == "COMPLETED",
    )
    service = stack.describe()
    assert [d["id"] for d in service["deployments"]] == [new_id]
    assert service["taskDefinition"] == new
    assert service["runningCount"] == 2
    assert f"(deployment {new_id}) deployment completed." in messages(stack)
    assert "has reached a steady state." in messages(stack)
    # The same story through the service deployment APIs (what `make rollback` reads).
    [latest, first] = stack.ecs.list_service_deployments(
        cluster=stack.cluster, service=stack.service
    )["serviceDeployments"][:2]
    assert (latest["status"], first["status"]) == ("SUCCESSFUL", "SUCCESSFUL")
    revisions = stack.ecs.describe_service_revisions(
        serviceRevisionArns=[latest["targetServiceRevisionArn"], first["targetServiceRevisionArn"]]
    )["serviceRevisions"]
    assert [r["taskDefinition"] for r in revisions] == [new, stack.first_revision]


def test_an_update_by_family_and_revision_answers_with_the_arn(emulator):
    stack = make_stack(emulator)
    new = register(stack, stack.by_digest("v2"))

    updated = stack.ecs.update_service(
        cluster=stack.cluster, service=stack.service, taskDefinition=new.rsplit("/", 1)[1]
    )["service"]

    assert updated["taskDefinition"] == new


def test_force_new_deployment_starts_one_with_the_same_revision(emulator):
    stack = make_stack(emulator)
    before = stack.describe()["deployments"][0]["id"]

    updated = stack.ecs.update_service(
        cluster=stack.cluster, service=stack.service, forceNewDeployment=True
    )["service"]

    primary = updated["deployments"][0]
    assert primary["id"] != before
    assert (primary["rolloutState"], primary["taskDefinition"]) == (
        "IN_PROGRESS",
        stack.first_revision,
    )


def test_an_image_not_in_ecr_fails_to_pull_and_the_breaker_rolls_back(emulator):
    stack = make_stack(emulator)
    missing = f"{stack.repository_uri}@{MISSING_DIGEST}"
    new = register(stack, missing)

    updated = stack.ecs.update_service(
        cluster=stack.cluster, service=stack.service, taskDefinition=new
    )["service"]
    failed_id = updated["deployments"][0]["id"]

    failed = wait_for(
        "the circuit breaker",
        lambda: (d := deployment(stack, failed_id)) and d["rolloutState"] == "FAILED" and d,
    )
    assert failed["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert failed["failedTasks"] == 3  # half the desired count, but at least 3
    assert stack.describe()["taskDefinition"] == stack.first_revision
    stopped = stack.ecs.list_tasks(
        cluster=stack.cluster, serviceName=stack.service, desiredStatus="STOPPED"
    )["taskArns"]
    tasks = stack.ecs.describe_tasks(cluster=stack.cluster, tasks=stopped)["tasks"]
    assert len(tasks) == 3
    for task in tasks:
        assert task["lastStatus"] == "STOPPED"
        assert task["stoppedReason"].startswith("CannotPullContainerError:")
        assert missing in task["stoppedReason"]
        assert task["startedBy"] == failed_id
        assert task["group"] == f"service:{stack.service}"
    assert f"(deployment {failed_id}) deployment failed: tasks failed to start." in messages(stack)
    assert "rolling back to deployment" in messages(stack)
    wait_for(
        "the rollback to complete",
        lambda: [d["rolloutState"] for d in stack.describe()["deployments"]] == ["COMPLETED"],
    )
    arn = stack.describe()["currentServiceDeployment"]
    detail = stack.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
        "serviceDeployments"
    ][0]
    assert detail["status"] == "ROLLBACK_SUCCESSFUL"
    assert detail["deploymentCircuitBreaker"]["status"] == "TRIGGERED"


def test_a_tag_that_was_never_put_fails_too(emulator):
    stack = make_stack(emulator)
    new = register(stack, stack.image("never-pushed"))

    updated = stack.ecs.update_service(
        cluster=stack.cluster, service=stack.service, taskDefinition=new
    )["service"]

    failed_id = updated["deployments"][0]["id"]
    wait_for(
        "the circuit breaker",
        lambda: (d := deployment(stack, failed_id)) is None or d["rolloutState"] == "FAILED",
    )
    assert stack.describe()["taskDefinition"] == stack.first_revision


def test_without_the_breaker_ecs_keeps_trying(emulator):
    stack = make_stack(emulator, breaker=False)
    new = register(stack, f"{stack.repository_uri}@{MISSING_DIGEST}")

    updated = stack.ecs.update_service(
        cluster=stack.cluster, service=stack.service, taskDefinition=new
    )["service"]
    new_id = updated["deployments"][0]["id"]

    wait_for("a failed task", lambda: deployment(stack, new_id)["failedTasks"] > 0)
    current = deployment(stack, new_id)
    assert (current["status"], current["rolloutState"]) == ("PRIMARY", "IN_PROGRESS")
    assert stack.describe()["taskDefinition"] == new


def blue_green_update(stack, task_definition: str):
    service = stack.describe()
    config = {
        **service["deploymentConfiguration"],
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": 1,
        "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}],
    }
    balancer = {
        **service["loadBalancers"][0],
        "advancedConfiguration": {
            "alternateTargetGroupArn": stack.blue_green["green_tg"],
            "productionListenerRule": stack.blue_green["production_rule"],
            "testListenerRule": stack.blue_green["test_rule"],
            "roleArn": stack.blue_green["role"],
        },
    }
    return stack.ecs.update_service(
        cluster=stack.cluster,
        service=stack.service,
        taskDefinition=task_definition,
        deploymentConfiguration=config,
        loadBalancers=[balancer],
    )["service"]


def paused(stack, arn: str):
    detail = stack.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
        "serviceDeployments"
    ][0]
    hooks = [h for h in detail.get("lifecycleHookDetails", []) if h["status"] == "AWAITING_ACTION"]
    return hooks and (detail, hooks[0])


def test_blue_green_pauses_after_the_test_shift_and_continue_moves_production(emulator):
    stack = make_stack(emulator, blue_green=True)
    new = register(stack, stack.by_digest("v2"))

    arn = blue_green_update(stack, new)["currentServiceDeployment"]

    detail, hook = wait_for("the pause hook", lambda: paused(stack, arn))
    assert detail["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert (hook["targetType"], hook["timeoutAction"]) == ("PAUSE", "ROLLBACK")
    assert stack.weights("test_rule") == {"blue": 0, "green": 100}
    assert stack.weights("production_rule") == {"blue": 100, "green": 0}
    assert stack.describe()["taskDefinition"] == stack.first_revision

    stack.ecs.continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="CONTINUE"
    )

    assert stack.weights("production_rule") == {"blue": 0, "green": 100}
    wait_for(
        "the bake time to end",
        lambda: (
            stack.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
                "serviceDeployments"
            ][0]["status"]
            == "SUCCESSFUL"
        ),
    )
    service = stack.describe()
    assert service["taskDefinition"] == new
    assert [(d["status"], d["rolloutState"]) for d in service["deployments"]] == [
        ("PRIMARY", "COMPLETED")
    ]


def test_blue_green_rollback_at_the_hook_never_moves_production(emulator):
    stack = make_stack(emulator, blue_green=True)
    new = register(stack, stack.by_digest("v2"))
    arn = blue_green_update(stack, new)["currentServiceDeployment"]
    _, hook = wait_for("the pause hook", lambda: paused(stack, arn))

    stack.ecs.continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="ROLLBACK"
    )

    detail = stack.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
        "serviceDeployments"
    ][0]
    assert detail["status"] == "ROLLBACK_SUCCESSFUL"
    assert stack.weights("production_rule") == {"blue": 100, "green": 0}
    assert stack.weights("test_rule") == {"blue": 100, "green": 0}
    service = stack.describe()
    assert service["taskDefinition"] == stack.first_revision
    assert all(d["taskDefinition"] == stack.first_revision for d in service["deployments"])


def test_plain_moto_starts_no_deployment_on_update(plain_moto):
    ecs = plain_moto.client("ecs")
    ecs.create_cluster(clusterName="plain")
    first, second = (
        ecs.register_task_definition(
            family="plain",
            containerDefinitions=[{"name": "web", "image": f"web:{tag}", "memory": 64}],
        )["taskDefinition"]["taskDefinitionArn"]
        for tag in ("1", "2")
    )
    ecs.create_service(cluster="plain", serviceName="plain", taskDefinition=first, desiredCount=1)

    updated = ecs.update_service(cluster="plain", service="plain", taskDefinition=second)["service"]

    # When this fails, moto makes deployments itself: drop the patch.
    assert [d["taskDefinition"] for d in updated["deployments"]] == [first]
    assert updated["deployments"][0]["rolloutState"] == "IN_PROGRESS"
