"""Table-driven: a configuration in, the exact set of findings out.

Each case starts from the local inventory with the capacity knobs pinned (so that a change to
the inventory's defaults does not silently change what a case tests), then changes a few
variables. The original design and the inventories as they are get cases of their own.
"""

from __future__ import annotations

from typing import Any

import pytest

from scaleout.plan.model import Load, build
from scaleout.plan.settings import read_settings
from scaleout.plan.variables import load_environment, load_vars
from tests.plan.plan_support import INVENTORIES, ORIGINAL_DESIGN

# t3.small: 2 vCPUs, 2048 MiB, 3 ENIs -> 2 awsvpc tasks per instance; 4 instances hold 8.
PINNED: dict[str, Any] = {
    "project_region": "eu-west-1",
    "project_compute": "ec2",
    "project_cluster_scaling": "capacity_provider",
    "project_instance_type": "t3.small",
    "project_instance_min": 1,
    "project_instance_max": 4,
    "project_capacity_target_percent": 100,
    "project_network_mode": "awsvpc",
    "project_task_cpu": 256,
    "project_task_memory": 512,
    "project_min_tasks": 1,
    "project_max_tasks": 4,
    "project_cpu_target": 80,
    "project_health_check_interval_seconds": 10,
    "project_healthy_threshold": 2,
    "project_deregistration_delay_seconds": 15,
    "project_health_check_grace_seconds": 30,
    "project_stop_timeout_seconds": 30,
    "project_deployment_min_healthy_percent": 100,
    "project_deployment_max_percent": 200,
    "project_container_environment": {"APP_LOG_FORMAT": "json"},
}

CASES = [
    # id, overrides, load, errors, warnings
    ("pinned-baseline", {}, None, set(), set()),
    ("max-one-above-capacity", {"project_max_tasks": 9}, None, {"max-tasks-unreachable"}, set()),
    (
        "max-at-capacity-stalls-deploys",
        {"project_max_tasks": 8},
        None,
        {"deploy-stalls-at-max"},
        set(),
    ),
    (
        "max-near-capacity-caps-surge",
        {"project_max_tasks": 6},
        None,
        set(),
        {"deploy-surge-capped"},
    ),
    (
        "max-at-capacity-with-min-healthy-below-100",
        {"project_max_tasks": 8, "project_deployment_min_healthy_percent": 50},
        None,
        set(),
        {"deploy-surge-capped"},
    ),
    (
        "awsvpc-on-t2-micro-fits-one-task",
        {"project_instance_type": "t2.micro", "project_task_memory": 256, "project_max_tasks": 5},
        None,
        {"max-tasks-unreachable"},
        set(),
    ),
    (
        "static-host-port-one-task-per-instance",
        {"project_network_mode": "bridge", "project_host_port": 8080, "project_max_tasks": 5},
        None,
        {"max-tasks-unreachable"},
        set(),
    ),
    (
        "task-larger-than-instance",
        {"project_task_memory": 4096},
        None,
        {"task-does-not-fit"},
        set(),
    ),
    (
        "unknown-instance-type",
        {"project_instance_type": "z9.huge"},
        None,
        {"unknown-instance-type"},
        {"price-unknown"},
    ),
    (
        "launch-configuration-flag",
        {"project_launch_configuration": True},
        None,
        {"launch-configuration"},
        set(),
    ),
    (
        "launch-configuration-choice",
        {"project_instance_launch": "launch_configuration"},
        None,
        {"launch-configuration"},
        set(),
    ),
    ("launch-template-is-fine", {"project_launch_configuration": False}, None, set(), set()),
    (
        "single-task-cannot-deploy",
        {"project_deployment_max_percent": 150},
        None,
        {"deploy-cannot-start"},
        set(),
    ),
    (
        "blue-green-cpu-target",
        {"project_deploy_strategy": "blue_green"},
        None,
        set(),
        {"cpu-target-under-blue-green"},
    ),
    (
        "deregistration-over-stop-timeout",
        {"project_deregistration_delay_seconds": 60},
        None,
        set(),
        {"deregistration-delay-over-stop-timeout"},
    ),
    (
        "deregistration-equal-stop-timeout",
        {"project_deregistration_delay_seconds": 30},
        None,
        set(),
        set(),
    ),
    (
        "grace-below-app-start",
        {"project_health_check_grace_seconds": 3},
        None,
        {"grace-shorter-than-start"},
        set(),
    ),
    (
        "grace-below-healthy-time",
        {"project_health_check_grace_seconds": 15},
        None,
        {"grace-shorter-than-start"},
        set(),
    ),
    (
        "grace-without-margin",
        {"project_health_check_grace_seconds": 22},
        None,
        set(),
        {"grace-tight"},
    ),
    (
        "app-outlives-stop-timeout",
        {"project_container_environment": {"APP_SHUTDOWN_GRACE_SECONDS": 29}},
        None,
        {"app-killed-before-exit"},
        set(),
    ),
    (
        "stop-timeout-above-ecs-limit",
        {"project_stop_timeout_seconds": 121},
        None,
        {"stop-timeout-out-of-range"},
        set(),
    ),
    (
        "stop-timeout-below-ecs-limit",
        {"project_stop_timeout_seconds": 1},
        None,
        {"stop-timeout-out-of-range", "app-killed-before-exit"},
        {"deregistration-delay-over-stop-timeout"},
    ),
    (
        "deregistration-delay-above-limit",
        {"project_deregistration_delay_seconds": 3601},
        None,
        {"deregistration-delay-out-of-range"},
        {"deregistration-delay-over-stop-timeout"},
    ),
    (
        "task-stops-accepting-while-routed-to",
        {"project_deregistration_delay_seconds": 0},
        None,
        {"stops-accepting-too-soon"},
        set(),
    ),
    (
        "drain-covers-the-routing-lag",
        {
            "project_deregistration_delay_seconds": 0,
            "project_container_environment": {"APP_DRAIN_SECONDS": 5},
        },
        None,
        set(),
        set(),
    ),
    ("asg-cpu-scaling", {"project_cluster_scaling": "asg_cpu"}, None, set(), {"asg-cpu-scaling"}),
    ("cpu-target-100", {"project_cpu_target": 100}, None, set(), {"max-tasks-not-reached-by-cpu"}),
    ("load-test-within-max", {}, Load(200, 100, "--task-rps"), set(), set()),
    (
        "load-test-above-max",
        {},
        Load(1000, 100, "--task-rps"),
        {"max-tasks-below-load-test"},
        set(),
    ),
    ("load-test-capacity-unknown", {}, Load(1000, None), set(), {"load-test-capacity-unknown"}),
    ("region-without-prices", {"project_region": "ap-south-1"}, None, set(), {"price-unknown"}),
    ("fargate", {"project_compute": "fargate"}, None, set(), set()),
    (
        "fargate-bridge",
        {"project_compute": "fargate", "project_network_mode": "bridge"},
        None,
        {"fargate-network-mode"},
        set(),
    ),
]


@pytest.mark.parametrize(
    ("overrides", "load", "errors", "warnings"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_findings(local_vars, overrides, load, errors, warnings):
    variables = {**local_vars, **PINNED, **overrides}
    plan = build(read_settings(variables), load=load)
    assert {f.code for f in plan.errors} == errors
    assert {f.code for f in plan.warnings} == warnings
    assert plan.verdict == ("errors" if errors else "warnings" if warnings else "ok")
    for finding in plan.findings:
        # Every finding names at least one variable a person can edit.
        assert finding.variables, finding


@pytest.mark.parametrize("env", ["local", "aws"])
def test_inventories_as_they_are_pass(env):
    plan = build(read_settings(load_environment(env, INVENTORIES)))
    assert plan.errors == [], plan.errors
    assert plan.settings.max_tasks <= (plan.max_tasks_capacity or plan.settings.max_tasks)


def test_original_design_is_flagged():
    plan = build(read_settings(load_vars(ORIGINAL_DESIGN)))
    # 256 MiB tasks on t2.micro: 972 MiB for tasks -> 3 per node, 5 nodes -> 15 < 20.
    assert plan.fit is not None
    assert (plan.fit.by_memory, plan.fit.per_instance, plan.fit.limited_by) == (3, 3, "memory")
    assert plan.max_tasks_capacity == 15
    assert plan.instances_at_max == 7
    assert {f.code for f in plan.errors} == {
        "max-tasks-unreachable",
        "launch-configuration",
        "grace-shorter-than-start",
    }
    assert {f.code for f in plan.warnings} == {
        "asg-cpu-scaling",
        "deregistration-delay-over-stop-timeout",
    }
    unreachable = next(f for f in plan.errors if f.code == "max-tasks-unreachable")
    assert "at most 15 tasks" in unreachable.message
    assert "project_instance_max" in unreachable.variables
