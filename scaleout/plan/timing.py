"""Time bounds that follow from the configuration: a deploy, and the fleet reacting to load.

Figures fixed by AWS are named constants; figures that depend on the image, the AMI and the
day are assumptions, printed with the plan and overridable with `--assume NAME=SECONDS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .settings import Settings

# Application Auto Scaling target tracking: the alarm that adds tasks fires after 3 datapoints
# of the 1-minute ECS service metric; the one that removes them after 15.
SCALE_OUT_DATAPOINTS = 3
SCALE_IN_DATAPOINTS = 15
SERVICE_METRIC_PERIOD_SECONDS = 60
# EC2 instance metrics come every 5 minutes unless detailed monitoring is on (asg_cpu mode
# tracks the group's average instance CPU, the original design's policy).
INSTANCE_METRIC_PERIOD_SECONDS = 300

ASSUMPTIONS: dict[str, tuple[float, str]] = {
    "metric_delay": (60, "CloudWatch has a datapoint some time after its minute ends"),
    "task_start_ec2": (30, "ECS places the task, pulls the image, starts the container (EC2)"),
    "task_start_fargate": (60, "Fargate provisions, pulls the image, starts the container"),
    "app_start": (5, "container start to the health route answering (benchmarks: ~1 s)"),
    "instance_boot": (120, "a new instance boots the ECS-optimized AMI and registers"),
    "capacity_reaction": (60, "ECS managed scaling notices tasks it cannot place"),
    "routing_lag": (5, "the balancer's nodes may still route to a target after it deregisters"),
}


@dataclass(frozen=True)
class Assumptions:
    values: dict[str, float]

    @classmethod
    def with_overrides(cls, overrides: dict[str, float]) -> Assumptions:
        values = {name: seconds for name, (seconds, _) in ASSUMPTIONS.items()}
        values.update(overrides)
        return cls(values)

    def __getitem__(self, name: str) -> float:
        return self.values[name]


@dataclass(frozen=True)
class Deploy:
    tasks: int
    waves: int
    wave_seconds: float
    capacity_seconds: float  # extra time when instances must be added for the surge
    bake_seconds: float

    @property
    def total_seconds(self) -> float:
        return self.waves * self.wave_seconds + self.capacity_seconds + self.bake_seconds


def task_start(settings: Settings, a: Assumptions) -> float:
    return a["task_start_fargate"] if settings.compute == "fargate" else a["task_start_ec2"]


def healthy_seconds(settings: Settings) -> float:
    """Time for the target group to call a new target healthy, at most."""
    return settings.healthy_threshold * settings.health_check_interval_seconds


def stop_seconds(settings: Settings) -> float:
    """SIGTERM to exit: the app's drain and in-flight grace, cut at the stop timeout."""
    app = settings.app_drain_seconds + settings.app_shutdown_grace_seconds
    return min(float(settings.stop_timeout_seconds), app)


def replacement_batch(settings: Settings, tasks: int) -> int:
    """Tasks ECS replaces at once in a rolling deploy of a service at `tasks`."""
    if tasks <= 0:
        return 0
    above = math.floor(tasks * settings.deployment_max_percent / 100) - tasks
    below = tasks - math.ceil(tasks * settings.deployment_min_healthy_percent / 100)
    return max(0, above) + max(0, below)


def deploy(settings: Settings, tasks: int, a: Assumptions, grow_capacity: float) -> Deploy:
    """A deploy of a service at `tasks`: per wave, new tasks start and pass health checks, then
    the old ones drain (deregistration delay) and stop. Blue/green starts the whole new fleet at
    once and keeps the old one for the bake time."""
    new_ready = task_start(settings, a) + a["app_start"] + healthy_seconds(settings)
    old_gone = settings.deregistration_delay_seconds + stop_seconds(settings)
    if settings.deploy_strategy == "blue_green":
        return Deploy(
            tasks, 1, new_ready + old_gone, grow_capacity, settings.bake_time_minutes * 60
        )
    batch = replacement_batch(settings, tasks)
    waves = math.ceil(tasks / batch) if batch else 0
    return Deploy(tasks, waves, new_ready + old_gone, grow_capacity, 0.0)


def detection_seconds(a: Assumptions) -> float:
    return a["metric_delay"] + SCALE_OUT_DATAPOINTS * SERVICE_METRIC_PERIOD_SECONDS


def scale_in_detection_seconds(a: Assumptions) -> float:
    return a["metric_delay"] + SCALE_IN_DATAPOINTS * SERVICE_METRIC_PERIOD_SECONDS


def new_instance_seconds(settings: Settings, a: Assumptions) -> float:
    """From tasks that do not fit to a new instance taking them."""
    if settings.cluster_scaling == "asg_cpu":
        # The group grows on its instances' average CPU, not on tasks waiting for room.
        react = a["metric_delay"] + SCALE_OUT_DATAPOINTS * INSTANCE_METRIC_PERIOD_SECONDS
    else:
        react = a["capacity_reaction"]
    return react + a["instance_boot"]


def scale_out_seconds(settings: Settings, a: Assumptions, needs_instance: bool) -> float:
    """Load rises to new tasks taking traffic."""
    seconds = detection_seconds(a) + task_start(settings, a) + a["app_start"]
    seconds += healthy_seconds(settings)
    if needs_instance:
        seconds += new_instance_seconds(settings, a)
    return seconds


def steps_to_max(settings: Settings) -> int | None:
    """Target tracking asks for ceil(tasks x metric / target) tasks; service CPU cannot pass
    100%, so each step multiplies the count by at most 100/target. None: never reached."""
    tasks, steps = max(1, settings.min_tasks), 0
    while tasks < settings.max_tasks:
        grown = min(settings.max_tasks, math.ceil(tasks * 100 / settings.cpu_target))
        if grown <= tasks:
            return None
        tasks, steps = grown, steps + 1
    return steps
