"""The plan's arithmetic, figure by figure: fit, instance counts, deploy waves, time, cost."""

from __future__ import annotations

import pytest

from scaleout.plan import capacity, cost, timing
from scaleout.plan.catalog import PriceTable, instance_types
from scaleout.plan.model import Load, benchmark_task_rps


@pytest.mark.parametrize(
    ("instance", "overrides", "expected"),
    [
        # (by_cpu, by_memory, by_network, per_instance)
        ("t3.small", {}, (8, 3, 2, 2)),
        ("t2.micro", {"project_task_memory": 256}, (4, 3, 1, 1)),
        (
            "t2.micro",
            {"project_task_memory": 256, "project_network_mode": "bridge"},
            (4, 3, None, 3),
        ),
        ("t3.micro", {"project_task_memory": 256}, (8, 3, 1, 1)),
        ("m5.large", {"project_task_memory": 512}, (8, 15, 2, 2)),
        ("m5.large", {"project_network_mode": "bridge", "project_host_port": 8080}, (8, 15, 1, 1)),
        ("m5.large", {"project_network_mode": "bridge"}, (8, 15, None, 8)),
        ("t3.small", {"project_ecs_reserved_memory_mib": 400}, (8, 3, 2, 2)),
        ("t3.small", {"project_ecs_reserved_memory_mib": 500}, (8, 2, 2, 2)),
    ],
)
def test_tasks_per_instance(plan_for, instance, overrides, expected):
    plan = plan_for({"project_instance_type": instance, **overrides})
    assert plan.fit is not None
    by_cpu, by_memory, by_network, per = expected
    assert plan.fit.by_cpu == by_cpu
    assert plan.fit.by_memory == by_memory
    if by_network is None:  # dynamic host ports: not a limit
        assert plan.fit.by_network > 10_000
    else:
        assert plan.fit.by_network == by_network
    assert plan.fit.per_instance == per


def test_memory_for_tasks_is_below_nominal():
    t3_small = instance_types()["t3.small"]
    assert capacity.memory_for_tasks(t3_small, 5, 0) == 1945
    assert capacity.memory_for_tasks(t3_small, 5, 256) == 1945 - 256
    assert capacity.memory_for_tasks(t3_small, 0, 0) == 2048


@pytest.mark.parametrize(
    ("tasks", "per", "target", "instances"),
    [
        (0, 2, 100, 0),
        (1, 2, 100, 1),
        (4, 2, 100, 2),
        (5, 2, 100, 3),
        (4, 2, 50, 4),
        (4, 0, 100, None),
    ],
)
def test_instances_for(tasks, per, target, instances):
    assert capacity.instances_for(tasks, per, target) == instances


@pytest.mark.parametrize(
    ("tasks", "min_healthy", "max_percent", "batch"),
    [(1, 100, 200, 1), (4, 100, 200, 4), (4, 100, 150, 2), (4, 50, 100, 2), (3, 100, 130, 0)],
)
def test_replacement_batch(plan_for, tasks, min_healthy, max_percent, batch):
    s = plan_for(
        {
            "project_deployment_min_healthy_percent": min_healthy,
            "project_deployment_max_percent": max_percent,
        }
    ).settings
    assert timing.replacement_batch(s, tasks) == batch


def test_rolling_deploy_bound(plan_for):
    plan = plan_for(
        {
            "project_min_tasks": 2,
            "project_max_tasks": 4,
            "project_deployment_max_percent": 150,
            "project_health_check_interval_seconds": 10,
            "project_healthy_threshold": 2,
            "project_deregistration_delay_seconds": 15,
            "project_stop_timeout_seconds": 30,
            "project_container_environment": {},
        }
    )
    # A wave: start 30 + app 5 + healthy 20 + deregistration 15 + stop (drain 1 + grace 20).
    wave = 91
    grow = timing.new_instance_seconds(plan.settings, plan.assumptions)
    assert grow == 60 + 120
    # 2 tasks, 1 at a time; the one instance that holds 2 has no room for a third.
    assert (plan.deploy_at_min.waves, plan.deploy_at_min.total_seconds) == (2, 2 * wave + grow)
    # 4 tasks, 2 at a time; 6 at once do not fit the 2 instances that hold 4.
    assert (plan.deploy_at_max.waves, plan.deploy_at_max.total_seconds) == (2, 2 * wave + grow)
    # 1 task at 200%: one wave, and the instance has room for the second task.
    single = plan_for({"project_min_tasks": 1, "project_container_environment": {}})
    assert (single.deploy_at_min.waves, single.deploy_at_min.total_seconds) == (1, wave)


def test_blue_green_deploy_adds_bake_time(plan_for):
    plan = plan_for({"project_deploy_strategy": "blue_green", "project_bake_time_minutes": 5})
    assert plan.deploy_at_min.waves == 1
    assert plan.deploy_at_min.bake_seconds == 300
    assert plan.deploy_at_min.total_seconds == 91 + 300


def test_scale_out_bounds(plan_for):
    plan = plan_for({"project_cluster_scaling": "capacity_provider"})
    # metric delay 60 + 3 x 60 s alarm + start 30 + app 5 + healthy 20
    assert plan.scale_out_room_seconds == 295
    assert plan.scale_out_new_instance_seconds == 295 + 60 + 120
    asg = plan_for({"project_cluster_scaling": "asg_cpu"})
    # the group's own alarm: 60 + 3 x 300 s on instance CPU, then the boot
    assert asg.scale_out_new_instance_seconds == 295 + 960 + 120
    assert plan.scale_in_detection_seconds == 60 + 15 * 60
    # 1 -> 2 -> 3 -> 4 tasks, each step a full scale-out, and one instance added on the way.
    assert plan.steps_to_max == 3
    assert plan.min_to_max_seconds == 3 * 295 + 60 + 120
    slow = plan_for(
        {
            "project_scale_out_cooldown_seconds": 400,
            "project_instance_type": "m5.large",
            "project_network_mode": "bridge",
        }
    )
    assert slow.min_to_max_seconds == 3 * 400  # the cooldown binds; one m5.large holds 4 tasks


def test_assumptions_can_be_overridden(plan_for, local_vars):
    from scaleout.plan.model import build
    from scaleout.plan.settings import read_settings

    a = timing.Assumptions.with_overrides({"metric_delay": 0, "app_start": 1})
    plan = build(read_settings(local_vars), assumptions=a)
    assert plan.scale_out_room_seconds == 180 + 30 + 1 + 20


@pytest.mark.parametrize(
    ("min_tasks", "max_tasks", "target", "steps"),
    [(1, 4, 80, 3), (1, 1, 80, 0), (2, 20, 50, 4), (1, 20, 80, 10), (1, 4, 100, None)],
)
def test_steps_to_max(plan_for, min_tasks, max_tasks, target, steps):
    s = plan_for(
        {
            "project_min_tasks": min_tasks,
            "project_max_tasks": max_tasks,
            "project_cpu_target": target,
        }
    ).settings
    assert timing.steps_to_max(s) == steps


def test_lcus_take_the_largest_dimension():
    assert cost.lcus_for(0) == 0
    assert cost.lcus_for(100) == pytest.approx(4.0)  # new connections: 100 / 25


def test_hourly_cost_on_ec2(plan_for):
    prices = PriceTable()
    plan = plan_for({"project_region": "us-east-1", "project_instance_type": "t3.small"})
    hour, _lcu = prices.alb("us-east-1")
    ec2 = prices.ec2("us-east-1", "t3.small")
    assert plan.cost_min.compute == pytest.approx(1 * ec2.usd)
    assert plan.cost_max.compute == pytest.approx(2 * ec2.usd)
    # one address per instance and one per zone of the load balancer
    assert plan.cost_min.addresses == 1 + 2
    assert plan.cost_min.public_ipv4 == pytest.approx(3 * 0.005)
    assert plan.cost_min.load_balancer == pytest.approx(hour.usd)
    assert plan.cost_min.total == pytest.approx(ec2.usd + hour.usd + 0.015)


def test_hourly_cost_on_fargate(plan_for):
    plan = plan_for({"project_region": "us-east-1", "project_compute": "fargate"})
    per_task = 0.25 * 0.04048 + 0.5 * 0.004445
    assert plan.cost_max.compute == pytest.approx(plan.settings.max_tasks * per_task)
    assert plan.cost_max.addresses == plan.settings.max_tasks + 2


def test_cost_at_max_counts_the_load(plan_for):
    idle = plan_for()
    loaded = plan_for(load=Load(250, 100, "--task-rps"))
    assert loaded.cost_max.lcus == pytest.approx(10)
    assert loaded.cost_max.load_balancer > idle.cost_max.load_balancer


def test_tasks_needed_for_a_load():
    assert Load(200, 100).tasks_needed(80) == 3
    assert Load(240, 100).tasks_needed(80) == 3
    assert Load(241, 100).tasks_needed(80) == 4
    assert Load(None, 100).tasks_needed(80) is None


def test_benchmark_figure_scaled_to_the_task(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text(
        "# Benchmarks\n\n| stack | GET /api |\n| reference | 900 req/s |\n"
        "| ours (waitress + Flask) | 1,200 req/s |\n"
    )
    rps, source = benchmark_task_rps(results, 256)
    assert rps == pytest.approx(300)
    assert "1200 req/s per core" in source
    assert benchmark_task_rps(tmp_path / "missing.md", 256) is None
