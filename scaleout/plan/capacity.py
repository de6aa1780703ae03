"""How many tasks fit on one instance, and how many instances a task count needs.

A task is placed only where the instance still has the task's CPU units, its memory, and a
network slot: with `awsvpc` every task takes an elastic network interface of its own, and the
instance's primary interface is not available to tasks (no ENI trunking on the small types
this project uses); with `bridge` and a static host port, one task per instance; with dynamic
host ports, the ephemeral port range is never the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalog import InstanceType
from .settings import Settings

# Docker's ephemeral range for dynamic host ports (49153-65535) as the ECS agent uses it.
DYNAMIC_HOST_PORTS = 65535 - 49153 + 1


@dataclass(frozen=True)
class Fit:
    by_cpu: int
    by_memory: int
    by_network: int
    cpu_units: int
    memory_for_tasks_mib: int
    network_reason: str

    @property
    def per_instance(self) -> int:
        return min(self.by_cpu, self.by_memory, self.by_network)

    @property
    def limited_by(self) -> str:
        limits = {"CPU": self.by_cpu, "memory": self.by_memory, "network": self.by_network}
        least = self.per_instance
        return " and ".join(name for name, value in limits.items() if value == least)


def memory_for_tasks(instance: InstanceType, overhead_percent: float, reserved_mib: int) -> int:
    registered = math.floor(instance.memory_mib * (100 - overhead_percent) / 100)
    return max(0, registered - reserved_mib)


def fit(settings: Settings, instance: InstanceType, overhead_percent: float) -> Fit:
    memory = memory_for_tasks(instance, overhead_percent, settings.ecs_reserved_memory_mib)
    if settings.network_mode == "awsvpc":
        by_network = max(0, instance.max_enis - 1)
        reason = f"awsvpc: {instance.max_enis} ENIs, 1 for the instance, no trunking"
    elif settings.network_mode == "host" or settings.host_port:
        by_network = 1
        reason = f"{settings.network_mode} with a static host port: one task per instance"
    else:
        by_network = DYNAMIC_HOST_PORTS
        reason = "bridge with dynamic host ports: the port range is not a limit"
    return Fit(
        by_cpu=instance.cpu_units // settings.task_cpu,
        by_memory=memory // settings.task_memory,
        by_network=by_network,
        cpu_units=instance.cpu_units,
        memory_for_tasks_mib=memory,
        network_reason=reason,
    )


def instances_for(tasks: int, per_instance: int, target_percent: int = 100) -> int | None:
    """Instances that hold `tasks`, kept `target_percent` full (capacity provider target).
    None when not even one task fits."""
    if tasks <= 0:
        return 0
    if per_instance <= 0:
        return None
    busy = math.ceil(tasks / per_instance)
    return math.ceil(busy * 100 / target_percent)


def max_tasks_within(instances: int, per_instance: int, target_percent: int = 100) -> int:
    """The most tasks `instances` can hold while keeping the capacity target."""
    return math.floor(instances * target_percent / 100) * per_instance
