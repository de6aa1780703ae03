"""Findings: what in the configuration will fail or surprise, each naming the variables to edit.

Errors are configurations that cannot work as written (the maximum cannot be reached, a
resource AWS no longer creates, a task killed before it can start or finish); warnings are
configurations that work but behave worse than their numbers suggest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import timing

if TYPE_CHECKING:
    from .catalog import PriceTable
    from .model import Plan


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning
    code: str
    message: str
    variables: tuple[str, ...] = ()


def check(plan: Plan, prices: PriceTable) -> list[Finding]:
    found: list[Finding] = []
    for rule in RULES:
        found.extend(rule(plan, prices))
    return sorted(found, key=lambda f: f.severity != "error")


def _error(code: str, message: str, *variables: str) -> Finding:
    return Finding("error", code, message, variables)


def _warning(code: str, message: str, *variables: str) -> Finding:
    return Finding("warning", code, message, variables)


def capacity_rules(plan: Plan, prices: PriceTable) -> list[Finding]:
    s = plan.settings
    if s.compute == "fargate":
        if s.network_mode != "awsvpc":
            return [
                _error(
                    "fargate-network-mode",
                    f"Fargate runs tasks only in awsvpc mode, not {s.network_mode}.",
                    "project_network_mode",
                    "project_compute",
                )
            ]
        return []
    if plan.instance is None:
        return [
            _error(
                "unknown-instance-type",
                f"{s.instance_type!r} is not in scaleout/plan/instance_types.json, so its CPU, "
                "memory and network interfaces are unknown: add it there (from `aws ec2 "
                "describe-instance-types`) or pick a listed type.",
                "project_instance_type",
            )
        ]
    fit = plan.fit
    assert fit is not None
    if fit.per_instance == 0:
        return [
            _error(
                "task-does-not-fit",
                f"A task ({s.task_cpu} CPU units, {s.task_memory} MiB) does not fit on a "
                f"{s.instance_type} ({fit.cpu_units} CPU units, {fit.memory_for_tasks_mib} MiB "
                f"for tasks, {fit.network_reason}): limited by {fit.limited_by}.",
                "project_instance_type",
                "project_task_cpu",
                "project_task_memory",
                "project_network_mode",
            )
        ]
    found = []
    most = plan.max_tasks_capacity or 0
    if s.max_tasks > most:
        target = (
            f", kept {s.capacity_target_percent}% full"
            if s.cluster_scaling == "capacity_provider" and s.capacity_target_percent < 100
            else ""
        )
        found.append(
            _error(
                "max-tasks-unreachable",
                f"project_max_tasks is {s.max_tasks}, but {s.instance_max} x {s.instance_type}"
                f"{target} hold at most {most} tasks ({fit.per_instance} per instance, limited "
                f"by {fit.limited_by}): raise project_instance_max to "
                f"{plan.instances_at_max}, pick a larger instance type, or lower the maximum.",
                "project_max_tasks",
                "project_instance_max",
                "project_instance_type",
            )
        )
    else:
        spare = most - s.max_tasks
        batch = timing.replacement_batch(s, s.max_tasks)
        needed = 2 * s.max_tasks if s.deploy_strategy == "blue_green" else batch
        if (
            s.deploy_strategy == "rolling"
            and spare == 0
            and s.deployment_min_healthy_percent >= 100
        ):
            found.append(
                _error(
                    "deploy-stalls-at-max",
                    f"At project_max_tasks ({s.max_tasks}) the group's maximum has no room for "
                    "a single new task, and project_deployment_min_healthy_percent "
                    f"({s.deployment_min_healthy_percent}) lets no old task stop first: a "
                    "deploy under peak load cannot make progress.",
                    "project_instance_max",
                    "project_max_tasks",
                    "project_deployment_min_healthy_percent",
                )
            )
        elif spare < needed and (plan.deploy_instances_at_max or 0) > s.instance_max:
            found.append(
                _warning(
                    "deploy-surge-capped",
                    f"A deploy at project_max_tasks ({s.max_tasks}) wants "
                    f"{plan.deploy_instances_at_max} instances for its new tasks, above "
                    f"project_instance_max ({s.instance_max}): it replaces tasks in smaller "
                    "waves and takes longer than the plan's deploy bound.",
                    "project_instance_max",
                    "project_deployment_max_percent",
                )
            )
    if s.cluster_scaling == "asg_cpu":
        found.append(
            _warning(
                "asg-cpu-scaling",
                "project_cluster_scaling is asg_cpu: the group grows on its instances' average "
                f"CPU (target {s.instance_cpu_target:g}%), not on tasks waiting for room, so new "
                "tasks that do not fit wait for a CPU alarm on 5-minute EC2 metrics (about "
                f"{timing.new_instance_seconds(s, plan.assumptions) / 60:.0f} min with the "
                "boot) or forever when the running tasks are idle. capacity_provider grows the "
                "group for waiting tasks.",
                "project_cluster_scaling",
            )
        )
    return found


def launch_configuration_rule(plan: Plan, prices: PriceTable) -> list[Finding]:
    name = plan.settings.launch_configuration
    if not name:
        return []
    return [
        _error(
            "launch-configuration",
            f"{name} asks for an Auto Scaling launch configuration: accounts created on or "
            "after 2024-10-01 cannot create them by any means, and no instance type released "
            "since 2023 is offered in them. Use a launch template (what roles/ecs_cluster makes).",
            name,
        )
    ]


def scaling_rules(plan: Plan, prices: PriceTable) -> list[Finding]:
    s = plan.settings
    found = []
    if s.deploy_strategy == "blue_green":
        found.append(
            _warning(
                "cpu-target-under-blue-green",
                f"project_cpu_target ({s.cpu_target:g}%) averages CPU over every task of the "
                "service, and a blue/green deploy runs two fleets: after traffic moves, the old "
                "fleet idles for the bake time "
                f"({s.bake_time_minutes:g} min) and halves the average, so auto scaling sees "
                "less load than there is (scale-in during the bake, late scale-out). Prefer "
                "the ALB request count per target (project_requests_per_target) or plan "
                "deploys outside peaks.",
                "project_cpu_target",
                "project_deploy_strategy",
                "project_requests_per_target",
            )
        )
    if plan.steps_to_max is None:
        found.append(
            _warning(
                "max-tasks-not-reached-by-cpu",
                f"With project_cpu_target at {s.cpu_target:g}% the CPU policy never asks for "
                "more tasks (service CPU cannot pass 100%): the maximum is reached only by "
                "another policy.",
                "project_cpu_target",
            )
        )
    return found


def lifecycle_rules(plan: Plan, prices: PriceTable) -> list[Finding]:
    s = plan.settings
    a = plan.assumptions
    found = []
    stuck = [d.tasks for d in (plan.deploy_at_min, plan.deploy_at_max) if d.tasks and not d.waves]
    if s.deploy_strategy == "rolling" and stuck:
        found.append(
            _error(
                "deploy-cannot-start",
                f"At {stuck[0]} task(s), project_deployment_max_percent "
                f"({s.deployment_max_percent}, rounded down) allows no extra task and "
                f"project_deployment_min_healthy_percent ({s.deployment_min_healthy_percent}, "
                "rounded up) lets no task stop first: a rolling deploy cannot replace anything.",
                "project_deployment_max_percent",
                "project_deployment_min_healthy_percent",
                "project_min_tasks",
            )
        )
    # The order of events when ECS replaces a task behind the load balancer: the target is
    # deregistered (the balancer stops sending new requests and gives in-flight ones the
    # deregistration delay), then the task gets SIGTERM; the app keeps accepting for its drain
    # time while /healthz says 503, finishes what is in flight within its shutdown grace and
    # exits; ECS sends SIGKILL at the stop timeout. Provisioning and every deploy run these.
    if not 2 <= s.stop_timeout_seconds <= 120:
        found.append(
            _error(
                "stop-timeout-out-of-range",
                f"project_stop_timeout_seconds ({s.stop_timeout_seconds}) must be 2 to 120 "
                "seconds: ECS accepts no more.",
                "project_stop_timeout_seconds",
            )
        )
    if not 0 <= s.deregistration_delay_seconds <= 3600:
        found.append(
            _error(
                "deregistration-delay-out-of-range",
                f"project_deregistration_delay_seconds ({s.deregistration_delay_seconds}) must "
                "be 0 to 3600 seconds: the target group accepts no more.",
                "project_deregistration_delay_seconds",
            )
        )
    app_exit = s.app_drain_seconds + s.app_shutdown_grace_seconds
    if app_exit >= s.stop_timeout_seconds:
        found.append(
            _error(
                "app-killed-before-exit",
                f"Zero-downtime settings conflict: the app may take APP_DRAIN_SECONDS + "
                f"APP_SHUTDOWN_GRACE_SECONDS = {app_exit:g} s to exit after SIGTERM, not less "
                f"than the stop timeout (project_stop_timeout_seconds, {s.stop_timeout_seconds} "
                "s) at which ECS sends SIGKILL: requests in flight would be cut. Lower the "
                "app's times (in project_container_environment) or raise the stop timeout.",
                "project_stop_timeout_seconds",
                "project_container_environment",
            )
        )
    accepting = s.deregistration_delay_seconds + s.app_drain_seconds
    if accepting < a["routing_lag"]:
        found.append(
            _error(
                "stops-accepting-too-soon",
                f"Zero-downtime settings conflict: after deregistration starts, the balancer's "
                f"nodes may route new requests to the task for about {a['routing_lag']:g} s, "
                "but the task stops accepting after the deregistration delay "
                f"(project_deregistration_delay_seconds, {s.deregistration_delay_seconds} s) "
                f"plus the app's drain time (APP_DRAIN_SECONDS, {s.app_drain_seconds:g} s). "
                "Raise one of them.",
                "project_deregistration_delay_seconds",
                "project_container_environment",
            )
        )
    if s.deregistration_delay_seconds > s.stop_timeout_seconds:
        found.append(
            _warning(
                "deregistration-delay-over-stop-timeout",
                f"The deregistration delay ({s.deregistration_delay_seconds} s) is longer than "
                f"the stop timeout ({s.stop_timeout_seconds} s): the balancer waits longer for "
                "requests than the task is given to finish them after SIGTERM, and every deploy "
                "wave and scale-in waits the full delay. Requests here are short; keep the "
                "delay at or under the stop timeout.",
                "project_deregistration_delay_seconds",
                "project_stop_timeout_seconds",
            )
        )
    start = a["app_start"]
    healthy = timing.healthy_seconds(s)
    grace = s.health_check_grace_seconds
    if grace < start or grace < healthy:
        found.append(
            _error(
                "grace-shorter-than-start",
                f"The health-check grace period ({grace} s) is shorter than "
                + (
                    f"the app's start time (about {start:g} s)"
                    if grace < start
                    else f"the time the target group needs to call a task healthy "
                    f"(project_healthy_threshold x interval = {healthy:g} s)"
                )
                + ": ECS would replace new tasks as unhealthy before they could serve.",
                "project_health_check_grace_seconds",
                "project_healthy_threshold",
                "project_health_check_interval_seconds",
            )
        )
    elif grace < start + healthy:
        found.append(
            _warning(
                "grace-tight",
                f"The health-check grace period ({grace} s) leaves no margin over the app's "
                f"start (about {start:g} s) plus the checks to call it healthy ({healthy:g} s): "
                "a slow image pull or start turns a deploy into a replacement loop.",
                "project_health_check_grace_seconds",
            )
        )
    return found


def load_rules(plan: Plan, prices: PriceTable) -> list[Finding]:
    s = plan.settings
    load = plan.load
    if not load.requests_per_second:
        return []
    if not load.task_rps:
        return [
            _warning(
                "load-test-capacity-unknown",
                f"The load test asks for {load.requests_per_second:g} requests/s but the plan "
                "has no per-task capacity (no figure in benchmarks/RESULTS.md): pass --task-rps "
                "to check that project_max_tasks can serve it.",
                "project_max_tasks",
            )
        ]
    needed = load.tasks_needed(s.cpu_target) or 0
    if needed <= s.max_tasks:
        return []
    return [
        _error(
            "max-tasks-below-load-test",
            f"The load test asks for {load.requests_per_second:g} requests/s; one task serves "
            f"about {load.task_rps:g} ({load.task_rps_source}), "
            f"{load.task_rps * s.cpu_target / 100:g} at the {s.cpu_target:g}% CPU target, so it "
            f"needs {needed} tasks but project_max_tasks is {s.max_tasks}.",
            "project_max_tasks",
            "project_cpu_target",
        )
    ]


def price_rules(plan: Plan, prices: PriceTable) -> list[Finding]:
    s = plan.settings
    missing = []
    if plan.cost_min.compute is None:
        what = "Fargate" if s.compute == "fargate" else s.instance_type
        missing.append(f"{what} in {s.region}")
    if plan.cost_min.load_balancer is None:
        missing.append(f"the ALB in {s.region}")
    if not missing:
        return []
    return [
        _warning(
            "price-unknown",
            f"scaleout/plan/prices.json has no price for {' or '.join(missing)} "
            f"(regions: {', '.join(prices.regions())}): the cost is incomplete.",
            "project_region",
            "project_instance_type",
        )
    ]


RULES = (
    capacity_rules,
    launch_configuration_rule,
    scaling_rules,
    lifecycle_rules,
    load_rules,
    price_rules,
)
