"""ecs_service_scaling through ansible-playbook against the emulator: the scalable target and
its target tracking policies, idempotent, with a check mode that writes nothing."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]


def cpu(target: float, out: int = 60) -> dict:
    return {
        "name": "cpu",
        "target_tracking": {
            "TargetValue": target,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            "ScaleOutCooldown": out,
            "ScaleInCooldown": 120,
        },
    }


def live(emulator, resource: str) -> dict:
    """The target's capacities and its policies' target values, as AWS reports them."""
    aas = emulator.client("application-autoscaling")
    targets = [
        (t["MinCapacity"], t["MaxCapacity"])
        for t in aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
        if t["ResourceId"] == resource
    ]
    policies = {
        p["PolicyName"]: p["TargetTrackingScalingPolicyConfiguration"]
        for p in aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
        if p["ResourceId"] == resource
    }
    return {"targets": targets, "policies": policies}


def service(emulator, unique: str) -> str:
    """An ECS service to scale (AWS refuses a target for a service that does not exist)."""
    ecs = emulator.client("ecs")
    ecs.create_cluster(clusterName=f"c-{unique}")
    ecs.register_task_definition(
        family=f"f-{unique}",
        containerDefinitions=[{"name": "web", "image": "web:1", "memory": 128}],
    )
    ecs.create_service(
        cluster=f"c-{unique}", serviceName=f"s-{unique}", taskDefinition=f"f-{unique}"
    )
    return f"service/c-{unique}/s-{unique}"


def test_registers_puts_and_purges_idempotently_and_check_mode_writes_nothing(
    emulator, play, unique
):
    resource = service(emulator, unique)
    step = {"resource_id": resource, "min_capacity": 1, "max_capacity": 4, "purge_policies": True}

    checked_fresh, create, again = play(
        "ecs_service_scaling",
        {**step, "policies": [cpu(80)], "check": True},
        {**step, "policies": [cpu(80)]},
        {**step, "policies": [cpu(80)]},
    )
    assert checked_fresh["changed"] is True and not checked_fresh.get("failed")
    assert checked_fresh["actions"] == ["register the scalable target", "put policy cpu"]
    assert create["changed"] is True and not create.get("failed"), create.get("msg")
    assert create["actions"] == checked_fresh["actions"]
    assert again["changed"] is False and again["actions"] == []
    state = live(emulator, resource)
    assert state["targets"] == [(1, 4)]
    assert state["policies"]["cpu"]["TargetValue"] == 80.0

    # Every setting changed at once, checked: each is reported, none written.
    second = {
        "name": "requests",
        "target_tracking": {
            "TargetValue": 100,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageMemoryUtilization"
            },
        },
    }
    changed = {**step, "min_capacity": 2, "max_capacity": 6, "policies": [cpu(50, 30), second]}
    (checked,) = play("ecs_service_scaling", {**changed, "check": True, "diff": True})
    assert checked["changed"] is True
    assert checked["actions"] == [
        "register the scalable target",
        "put policy cpu",
        "put policy requests",
    ]
    assert checked["diff"]["before"]["scalable_target"] == {"MinCapacity": 1, "MaxCapacity": 4}
    assert checked["diff"]["after"]["scalable_target"] == {"MinCapacity": 2, "MaxCapacity": 6}
    assert checked["diff"]["after"]["policies"]["cpu"]["TargetValue"] == 50.0
    assert set(checked["diff"]["after"]["policies"]) == {"cpu", "requests"}
    assert live(emulator, resource) == state

    applied, purged, gone, gone_again = play(
        "ecs_service_scaling",
        changed,
        {**step, "policies": [cpu(80)]},
        {"resource_id": resource, "state": "absent"},
        {"resource_id": resource, "state": "absent"},
    )
    assert applied["actions"] == checked["actions"]
    assert purged["actions"] == [
        "register the scalable target",
        "put policy cpu",
        "delete policy requests",
    ]
    assert gone["changed"] is True and gone_again["changed"] is False
    assert live(emulator, resource) == {"targets": [], "policies": {}}


def test_bad_input_fails_before_any_aws_call(play, unique, dead_endpoint):
    resource = f"service/c-{unique}/s-{unique}"
    above, no_metric, no_max = play(
        "ecs_service_scaling",
        {"resource_id": resource, "min_capacity": 5, "max_capacity": 2},
        {
            "resource_id": resource,
            "min_capacity": 1,
            "max_capacity": 2,
            "policies": [{"name": "p", "target_tracking": {"TargetValue": 50}}],
        },
        {"resource_id": resource, "min_capacity": 1},
        endpoint_url=dead_endpoint,
    )
    assert above["failed"] is True and "min_capacity 5 is above max_capacity 2" in above["msg"]
    assert no_metric["failed"] is True and "policy p needs exactly one of" in no_metric["msg"]
    assert no_max["failed"] is True and "max_capacity" in no_max["msg"]
