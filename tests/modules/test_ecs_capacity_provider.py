"""ecs_capacity_provider through ansible-playbook against the emulator."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]


def describe(emulator, name: str) -> dict | None:
    found = emulator.client("ecs").describe_capacity_providers(
        capacityProviders=[name], include=["TAGS"]
    )["capacityProviders"]
    return found[0] if found else None


def test_create_again_check_update_delete(emulator, play, asg, unique):
    name = f"cp-{unique}"
    wanted = {
        "name": name,
        "auto_scaling_group": asg["name"],
        "target_capacity": 90,
        "minimum_scaling_step_size": 1,
        "maximum_scaling_step_size": 2,
        "instance_warmup_period": 120,
        "managed_termination_protection": False,
        "tags": {"project": "http-scale-out"},
    }
    check_create, create, again, check_update = play(
        "ecs_capacity_provider",
        {**wanted, "check": True},
        wanted,
        wanted,
        {**wanted, "target_capacity": 70, "check": True, "diff": True},
    )
    assert check_create["changed"] is True and not check_create.get("failed")
    assert create["changed"] is True and not create.get("failed"), create.get("msg")
    assert again["changed"] is False
    assert check_update["changed"] is True
    before, after = check_update["diff"]["before"], check_update["diff"]["after"]
    assert before["auto_scaling_group_provider"]["managedScaling"]["targetCapacity"] == 90
    assert after["auto_scaling_group_provider"]["managedScaling"]["targetCapacity"] == 70

    provider = describe(emulator, name)
    group = provider["autoScalingGroupProvider"]
    assert group["autoScalingGroupArn"] == asg["arn"]
    assert group["managedScaling"] == {
        "status": "ENABLED",
        "targetCapacity": 90,  # the checked update to 70 wrote nothing
        "minimumScalingStepSize": 1,
        "maximumScalingStepSize": 2,
        "instanceWarmupPeriod": 120,
    }
    assert group["managedTerminationProtection"] == "DISABLED"
    assert provider["tags"] == [{"key": "project", "value": "http-scale-out"}]
    assert (
        create["capacity_provider"]["auto_scaling_group_provider"]["managed_scaling"][
            "target_capacity"
        ]
        == 90
    )

    update, update_again, retag, check_delete = play(
        "ecs_capacity_provider",
        {**wanted, "target_capacity": 70, "managed_draining": False},
        {**wanted, "target_capacity": 70, "managed_draining": False},
        {"name": name, "tags": {"owner": "ops"}},
        {"name": name, "state": "absent", "check": True},
    )
    assert update["changed"] is True and not update.get("failed"), update.get("msg")
    assert update_again["changed"] is False
    assert retag["changed"] is True
    assert check_delete["changed"] is True
    provider = describe(emulator, name)
    assert provider["autoScalingGroupProvider"]["managedScaling"]["targetCapacity"] == 70
    assert provider["autoScalingGroupProvider"]["managedDraining"] == "DISABLED"
    assert provider["tags"] == [{"key": "owner", "value": "ops"}]

    delete, delete_again = play(
        "ecs_capacity_provider",
        {"name": name, "state": "absent"},
        {"name": name, "state": "absent"},
    )
    assert delete["changed"] is True and not delete.get("failed"), delete.get("msg")
    assert delete_again["changed"] is False
    assert describe(emulator, name) is None


def test_group_by_arn_and_termination_protection_needs_scale_in_protection(
    emulator, play, asg, unique
):
    name = f"cp-{unique}"
    # AWS refuses managed termination protection on a group that does not protect new
    # instances from scale in; the emulator does too, and the module reports AWS's reason.
    (refused,) = play(
        "ecs_capacity_provider",
        {"name": name, "auto_scaling_group": asg["arn"], "managed_termination_protection": True},
    )
    assert refused["failed"] is True
    assert "instance protection from scale in" in refused["msg"]

    emulator.client("autoscaling").update_auto_scaling_group(
        AutoScalingGroupName=asg["name"], NewInstancesProtectedFromScaleIn=True
    )
    created, same_by_name = play(
        "ecs_capacity_provider",
        {"name": name, "auto_scaling_group": asg["arn"], "managed_termination_protection": True},
        {"name": name, "auto_scaling_group": asg["name"], "managed_termination_protection": True},
    )
    assert created["changed"] is True and not created.get("failed"), created.get("msg")
    assert same_by_name["changed"] is False
    group = describe(emulator, name)["autoScalingGroupProvider"]
    assert group["managedTerminationProtection"] == "ENABLED"


def test_cannot_move_to_another_group_or_delete_while_attached(emulator, play, asg, unique):
    name = f"cp-{unique}"
    ecs = emulator.client("ecs")
    ecs.create_cluster(clusterName=f"cl-{unique}")
    created, moved = play(
        "ecs_capacity_provider",
        {"name": name, "auto_scaling_group": asg["name"]},
        {"name": name, "auto_scaling_group": "some-other-group"},
    )
    assert created["changed"] is True
    assert moved["failed"] is True and "delete it and create it again" in moved["msg"]

    ecs.put_cluster_capacity_providers(
        cluster=f"cl-{unique}", capacityProviders=[name], defaultCapacityProviderStrategy=[]
    )
    (refused,) = play("ecs_capacity_provider", {"name": name, "state": "absent"})
    assert refused["failed"] is True
    assert f"associated with cluster: cl-{unique}" in refused["msg"]
    assert describe(emulator, name) is not None


def test_bad_input_fails_before_any_aws_call(play, dead_endpoint):
    cases = [
        ({"name": "ecs-reserved", "auto_scaling_group": "g"}, "may not start with"),
        ({"name": "cp", "auto_scaling_group": "g", "target_capacity": 0}, "target_capacity: 0"),
        (
            {
                "name": "cp",
                "auto_scaling_group": "g",
                "minimum_scaling_step_size": 5,
                "maximum_scaling_step_size": 2,
            },
            "minimum_scaling_step_size (5) is above maximum_scaling_step_size (2)",
        ),
        ({"name": "cp", "state": "gone"}, "state"),
    ]
    results = play(
        "ecs_capacity_provider", *(args for args, _ in cases), endpoint_url=dead_endpoint
    )
    for result, (_args, message) in zip(results, cases, strict=True):
        assert result["failed"] is True
        assert message in result["msg"]


def test_create_needs_a_group_that_exists(play, unique):
    missing_arg, missing_group = play(
        "ecs_capacity_provider",
        {"name": f"cp-{unique}"},
        {"name": f"cp-{unique}", "auto_scaling_group": f"nope-{unique}"},
    )
    assert missing_arg["failed"] is True and "auto_scaling_group is required" in missing_arg["msg"]
    assert missing_group["failed"] is True and "does not exist" in missing_group["msg"]
