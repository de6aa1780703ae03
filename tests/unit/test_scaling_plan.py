"""The comparison behind ecs_service_scaling (plugins/module_utils/scaleout_scaling.py): which
calls make the live scalable target and policies the wanted ones, and what --diff shows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "scaleout_scaling.py"
spec = importlib.util.spec_from_file_location("scaleout_scaling", PATH)
scaling = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = scaling  # dataclasses look their module up there
spec.loader.exec_module(scaling)

CPU = {
    "TargetValue": 80,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
    "ScaleOutCooldown": 60,
    "ScaleInCooldown": 120,
}
TARGET = {"ResourceId": "service/c/s", "MinCapacity": 1, "MaxCapacity": 4}


def live_policy(name: str, config: dict, **extra) -> dict:
    """A policy as DescribeScalingPolicies returns it: typed, with AWS's additions."""
    returned = {**scaling.normalize(config), **extra}
    return {
        "PolicyName": name,
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": returned,
    }


def wanted(**kwargs):
    args = {"state": "present", "min_capacity": 1, "max_capacity": 4, "purge_policies": True}
    return {**args, **kwargs}


def test_a_converged_target_needs_no_call_even_with_what_aws_adds():
    policies = [live_policy("s-cpu", CPU)]
    # AWS returns DisableScaleIn; ours omits it, and the template may hand numbers as strings.
    result = scaling.plan(
        TARGET,
        policies,
        **wanted(policies=[{"name": "s-cpu", "target_tracking": {**CPU, "TargetValue": "80"}}]),
    )
    assert not result.changed
    assert result.before == result.after


def test_a_fresh_account_registers_the_target_then_puts_every_policy():
    result = scaling.plan(None, [], **wanted(policies=[{"name": "s-cpu", "target_tracking": CPU}]))
    assert result.register == {"MinCapacity": 1, "MaxCapacity": 4}
    assert result.put == ["s-cpu"] and result.delete == []
    assert result.before == {"scalable_target": None, "policies": {}}
    assert result.after["policies"]["s-cpu"]["TargetValue"] == 80.0


@pytest.mark.parametrize(
    ("change", "register", "put"),
    [
        ({"max_capacity": 3}, True, []),
        ({"min_capacity": 2}, True, []),
        ({"cpu": {"TargetValue": 50}}, False, ["s-cpu"]),
        ({"cpu": {"ScaleOutCooldown": 30}}, False, ["s-cpu"]),
        ({"cpu": {"ScaleInCooldown": 30}}, False, ["s-cpu"]),
        ({"cpu": {"DisableScaleIn": True}}, False, ["s-cpu"]),
        (
            {
                "cpu": {
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "ECSServiceAverageMemoryUtilization"
                    }
                }
            },
            False,
            ["s-cpu"],
        ),
    ],
)
def test_each_setting_on_its_own_is_a_change_of_one_call(change, register, put):
    config = {**CPU, **change.pop("cpu", {})}
    result = scaling.plan(
        TARGET,
        [live_policy("s-cpu", CPU)],
        **wanted(policies=[{"name": "s-cpu", "target_tracking": config}], **change),
    )
    assert result.changed
    assert bool(result.register) is register
    assert result.put == put
    assert result.before != result.after


def test_purge_deletes_only_what_is_not_wanted_and_only_when_asked():
    live = [live_policy("s-cpu", CPU), live_policy("s-requests", CPU)]
    kept = [{"name": "s-cpu", "target_tracking": CPU}]
    purged = scaling.plan(TARGET, live, **wanted(policies=kept))
    assert purged.delete == ["s-requests"] and purged.put == []
    assert set(purged.after["policies"]) == {"s-cpu"}
    left = scaling.plan(TARGET, live, **wanted(policies=kept, purge_policies=False))
    assert not left.changed


def test_a_step_scaling_policy_of_the_same_name_is_replaced():
    step = {"PolicyName": "s-cpu", "PolicyType": "StepScaling"}
    result = scaling.plan(
        TARGET, [step], **wanted(policies=[{"name": "s-cpu", "target_tracking": CPU}])
    )
    assert result.put == ["s-cpu"]


def test_absent_deregisters_a_live_target_and_nothing_when_there_is_none():
    gone = scaling.plan(TARGET, [live_policy("s-cpu", CPU)], state="absent")
    assert gone.deregister and gone.changed
    assert gone.delete == ["s-cpu"]
    assert gone.after == {"scalable_target": None, "policies": {}}
    nothing = scaling.plan(None, [], state="absent")
    assert not nothing.changed


@pytest.mark.parametrize(
    ("low", "high", "policies", "says"),
    [
        (5, 2, [], "min_capacity 5 is above max_capacity 2"),
        (-1, 2, [], "must be >= 0"),
        (1, 2, [{"name": "a", "target_tracking": CPU}] * 2, "policy a is named more than once"),
        (1, 2, [{"name": "a", "target_tracking": {"TargetValue": 1}}], "needs exactly one of"),
        (
            1,
            2,
            [
                {
                    "name": "a",
                    "target_tracking": {
                        "ScaleInCooldown": 1,
                        **{k: v for k, v in CPU.items() if k != "TargetValue"},
                    },
                }
            ],
            "has no TargetValue",
        ),
    ],
)
def test_bad_input_is_named_before_any_call(low, high, policies, says):
    found = scaling.problems(low, high, policies)
    assert any(says in problem for problem in found), found


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"TargetValue": "80%"}, "could not convert"),
        ({"ScaleOutCooldown": "60.5"}, "ScaleOutCooldown '60.5' is not a whole number"),
        ({"DisableScaleIn": "sometimes"}, "'sometimes' is not a boolean"),
    ],
)
def test_a_value_of_the_wrong_shape_is_named(change, says):
    found = scaling.problems(1, 4, [{"name": "a", "target_tracking": {**CPU, **change}}])
    assert any(says in problem for problem in found), found


def test_templated_booleans_and_numbers_read_as_ansible_reads_them():
    assert scaling.normalize({**CPU, "DisableScaleIn": "false"})["DisableScaleIn"] is False
    assert scaling.normalize({**CPU, "DisableScaleIn": "yes"})["DisableScaleIn"] is True
    assert scaling.normalize({**CPU, "ScaleInCooldown": "120"})["ScaleInCooldown"] == 120


def test_good_input_has_no_problem():
    assert scaling.problems(1, 4, [{"name": "a", "target_tracking": CPU}]) == []
