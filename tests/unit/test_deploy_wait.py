"""The wait for ECS's verdict in plugins/modules/ecs_deploy.py, when a rollback lands between
two of its reads.

A blue/green deploy reads the service and then its service deployment, and a
rollback (StopServiceDeployment, asked by `make rollback` during the bake time) can land
between the two. Whichever read it falls between, the deploy must report the rollback as it
happened, not a failure on a service that "still points at" the new revision.
"""

from __future__ import annotations

import pytest

OLD, NEW = (
    "arn:aws:ecs:eu-west-1:1:task-definition/web:1",
    "arn:aws:ecs:eu-west-1:1:task-definition/web:2",
)
REASON = "StopServiceDeployment asked to roll back"


class World:
    """ECS as the deploy sees it: the bake time of deployment d2, until the `flip_after`-th
    call, from which on the rollback has happened (as ECS does it: all at once)."""

    def __init__(self, flip_after: int):
        self.flip_after, self.calls = flip_after, 0

    def _rolled_back(self) -> bool:
        self.calls += 1
        return self.calls > self.flip_after

    def describe_services(self, cluster, services):
        if self._rolled_back():
            deployments = [{"id": "d1", "status": "PRIMARY", "rolloutState": "COMPLETED"}]
            live = OLD
        else:
            deployments = [
                {"id": "d2", "status": "PRIMARY", "rolloutState": "IN_PROGRESS",
                 "rolloutStateReason": "ECS deployment d2 in progress."},
                {"id": "d1", "status": "ACTIVE", "rolloutState": "COMPLETED"},
            ]  # fmt: skip
            live = NEW
        return {
            "services": [
                {"status": "ACTIVE", "taskDefinition": live, "deployments": deployments,
                 "desiredCount": 2, "events": []}
            ]
        }  # fmt: skip

    def describe_service_deployments(self, serviceDeploymentArns):
        if self._rolled_back():
            found = {"status": "ROLLBACK_SUCCESSFUL", "statusReason": REASON}
        else:
            found = {"status": "IN_PROGRESS", "lifecycleStage": "BAKE_TIME"}
        return {"serviceDeployments": [found]}


class Module:
    def __init__(self, world: World):
        self.world = world
        self.params = {
            "cluster": "c", "service": "web", "timeout": 60, "poll_interval": 0,
            "strategy": "blue_green", "events": 5, "blue_green": {},
        }  # fmt: skip

    def client(self, _name):
        return self.world


@pytest.mark.parametrize("flip_after", range(6))
def test_a_rollback_between_two_reads_is_reported_as_the_rollback(ecs_deploy, flip_after):
    deploy = ecs_deploy.Deploy(Module(World(flip_after)))
    deploy.diagnostics = lambda *_: ([], [])  # the stopped tasks and events: none here
    with pytest.raises(ecs_deploy.Failed) as failed:
        deploy.wait("d2", "arn:sd", NEW, OLD, {})
    assert failed.value.verdict == "rolled_back"
    assert (
        str(failed.value) == f"Deploy FAILED: {REASON}\nECS rolled the service back: it runs web:1"
    )
    assert failed.value.result["task_definition"] == OLD
