"""The part of the stack's configuration that the plan reasons about, by variable name.

Every field names the inventory variable it comes from (`project_*` in
ansible/inventories/base.yml, or the environment's group_vars/all/10-environment.yml), so a
finding can tell a person what to edit.
Variables that other roles read with a default (the deploy strategy, the app's own shutdown
times) get the same default here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .variables import Reader

# The app's own defaults for APP_DRAIN_SECONDS and APP_SHUTDOWN_GRACE_SECONDS
# (app/scaleout_app/config.py).
APP_DRAIN_SECONDS_DEFAULT = 1.0
APP_SHUTDOWN_GRACE_SECONDS_DEFAULT = 20.0


@dataclass(frozen=True)
class Settings:
    env: str
    region: str
    compute: str  # ec2 | fargate
    cluster_scaling: str  # capacity_provider | asg_cpu
    instance_type: str
    instance_min: int
    instance_max: int
    capacity_target_percent: int
    instance_cpu_target: float
    network_mode: str  # awsvpc | bridge | host
    host_port: int  # bridge only: 0 = dynamic host ports
    ecs_reserved_memory_mib: int
    task_cpu: int
    task_memory: int
    min_tasks: int
    max_tasks: int
    cpu_target: float
    scale_out_cooldown_seconds: int
    health_check_interval_seconds: int
    healthy_threshold: int
    deregistration_delay_seconds: int
    health_check_grace_seconds: int
    stop_timeout_seconds: int
    deployment_min_healthy_percent: int
    deployment_max_percent: int
    deploy_strategy: str  # rolling | blue_green
    bake_time_minutes: float
    app_drain_seconds: float
    app_shutdown_grace_seconds: float
    availability_zones: int
    launch_configuration: str  # the variable that asks for one, or ""
    variables_read: tuple[str, ...] = field(default=(), compare=False)


def _launch_configuration_requested(variables: dict[str, Any]) -> str:
    """The name of a variable that asks for an Auto Scaling launch configuration, if any.

    The roles use a launch template and offer no such option today; this catches one being
    added (`project_launch_configuration: true`, `project_instance_launch: launch_configuration`).
    """
    for name, value in variables.items():
        if not name.startswith("project_"):
            continue
        if "launch_configuration" in name and value not in (None, False, "", 0, "false", "no"):
            return name
        if isinstance(value, str) and value.strip().lower() in {
            "launch_configuration",
            "launchconfiguration",
        }:
            return name
    return ""


def read_settings(variables: dict[str, Any]) -> Settings:
    r = Reader(variables)
    compute = r.choice("project_compute", ("ec2", "fargate"))
    ec2 = compute == "ec2"
    env_vars = r.mapping("project_container_environment", {})
    settings = Settings(
        env=r.text("project_env", ""),
        region=r.text("project_region"),
        compute=compute,
        cluster_scaling=r.choice(
            "project_cluster_scaling", ("capacity_provider", "asg_cpu"), "capacity_provider"
        ),
        instance_type=r.text("project_instance_type") if ec2 else "",
        instance_min=r.integer("project_instance_min", 0 if not ec2 else ..., 0),
        instance_max=r.integer("project_instance_max", 0 if not ec2 else ..., 0),
        capacity_target_percent=r.integer("project_capacity_target_percent", 100, 1),
        instance_cpu_target=r.number("project_instance_cpu_target", 30, 1),
        network_mode=r.choice("project_network_mode", ("awsvpc", "bridge", "host")),
        host_port=r.integer("project_host_port", 0, 0),
        ecs_reserved_memory_mib=r.integer("project_ecs_reserved_memory_mib", 0, 0),
        task_cpu=r.integer("project_task_cpu", ..., 1),
        task_memory=r.integer("project_task_memory", ..., 1),
        min_tasks=r.integer("project_min_tasks", ..., 0),
        max_tasks=r.integer("project_max_tasks", ..., 1),
        cpu_target=r.number("project_cpu_target", ..., 1),
        scale_out_cooldown_seconds=r.integer("project_scale_out_cooldown_seconds", 300, 0),
        health_check_interval_seconds=r.integer("project_health_check_interval_seconds", ..., 1),
        healthy_threshold=r.integer("project_healthy_threshold", ..., 1),
        deregistration_delay_seconds=r.integer("project_deregistration_delay_seconds", ..., 0),
        health_check_grace_seconds=r.integer("project_health_check_grace_seconds", ..., 0),
        stop_timeout_seconds=r.integer("project_stop_timeout_seconds", 30, 0),
        deployment_min_healthy_percent=r.integer("project_deployment_min_healthy_percent", 100, 0),
        deployment_max_percent=r.integer("project_deployment_max_percent", 200, 1),
        deploy_strategy=r.choice("project_deploy_strategy", ("rolling", "blue_green"), "rolling"),
        bake_time_minutes=r.number("project_bake_time_minutes", 5, 0),
        app_drain_seconds=_seconds(r, env_vars, "APP_DRAIN_SECONDS", APP_DRAIN_SECONDS_DEFAULT),
        app_shutdown_grace_seconds=_seconds(
            r, env_vars, "APP_SHUTDOWN_GRACE_SECONDS", APP_SHUTDOWN_GRACE_SECONDS_DEFAULT
        ),
        availability_zones=_zones(r),
        launch_configuration=_launch_configuration_requested(variables),
        variables_read=(),
    )
    r.check()
    return Settings(**{**settings.__dict__, "variables_read": tuple(dict.fromkeys(r.used))})


def _seconds(r: Reader, env_vars: dict[str, Any], name: str, default: float) -> float:
    value = env_vars.get(name, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        r.problems.append((f"project_container_environment.{name}", f"{value!r} is not seconds"))
        return default


def _zones(r: Reader) -> int:
    subnets = r.raw("project_public_subnets", [])
    return len(subnets) if isinstance(subnets, list) and subnets else 2
