"""autoscaling_scale_in_protection through ansible-playbook against the emulator."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]


def protected(emulator, name: str) -> bool:
    (group,) = emulator.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[name]
    )["AutoScalingGroups"]
    return group["NewInstancesProtectedFromScaleIn"]


def test_turns_protection_on_and_off_idempotently(emulator, play, asg):
    name = asg["name"]
    assert protected(emulator, name) is False

    check_on, on, again = play(
        "autoscaling_scale_in_protection",
        {"name": name, "protected": True, "check": True},
        {"name": name, "protected": True},
        {"name": name, "protected": True},
    )
    assert check_on["changed"] is True and not check_on.get("failed")
    assert on["changed"] is True and on["new_instances_protected_from_scale_in"] is True
    assert again["changed"] is False
    assert protected(emulator, name) is True

    check_off, off, off_again = play(
        "autoscaling_scale_in_protection",
        {"name": name, "protected": False, "check": True},
        {"name": name, "protected": False},
        {"name": name, "protected": False},
    )
    assert check_off["changed"] is True
    assert off["changed"] is True
    assert off_again["changed"] is False
    assert protected(emulator, name) is False


def test_check_mode_writes_nothing(emulator, play, asg):
    (check_on,) = play(
        "autoscaling_scale_in_protection",
        {"name": asg["name"], "protected": True, "check": True},
    )
    assert check_on["changed"] is True
    assert protected(emulator, asg["name"]) is False


def test_existing_instances_are_protected_when_asked(emulator, play, asg):
    autoscaling = emulator.client("autoscaling")
    autoscaling.set_desired_capacity(AutoScalingGroupName=asg["name"], DesiredCapacity=2)
    on, again = play(
        "autoscaling_scale_in_protection",
        {"name": asg["name"], "protected": True, "existing_instances": True},
        {"name": asg["name"], "protected": True, "existing_instances": True},
    )
    (group,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[asg["name"]])[
        "AutoScalingGroups"
    ]
    assert len(group["Instances"]) == 2
    assert all(i["ProtectedFromScaleIn"] for i in group["Instances"])
    assert sorted(on["instances_changed"]) == sorted(i["InstanceId"] for i in group["Instances"])
    assert on["changed"] is True
    assert again["changed"] is False and again["instances_changed"] == []


def test_missing_group_fails(play, unique):
    (result,) = play(
        "autoscaling_scale_in_protection", {"name": f"nope-{unique}", "protected": True}
    )
    assert result["failed"] is True
    assert f"Auto Scaling group nope-{unique} does not exist" in result["msg"]


def test_bad_input_fails_before_any_aws_call(play, unique, dead_endpoint):
    (result,) = play(
        "autoscaling_scale_in_protection",
        {"name": f"asg-{unique}", "protected": "perhaps"},
        endpoint_url=dead_endpoint,
    )
    assert result["failed"] is True
    assert "protected" in result["msg"] and "perhaps" in result["msg"]
