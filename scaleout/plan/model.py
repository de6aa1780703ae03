"""The plan itself: capacity, time bounds and cost for one configuration, and its findings."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import capacity, cost, timing
from .catalog import InstanceType, PriceTable, instance_types, memory_overhead_percent
from .checks import Finding, check
from .settings import Settings


@dataclass(frozen=True)
class Load:
    """What the load test asks for, and what one task serves."""

    requests_per_second: float | None = None
    task_rps: float | None = None  # one task at 100% of its CPU
    task_rps_source: str = ""

    def tasks_needed(self, cpu_target: float) -> int | None:
        if not self.requests_per_second or not self.task_rps:
            return None
        return max(1, math.ceil(self.requests_per_second / (self.task_rps * cpu_target / 100)))


@dataclass
class Plan:
    settings: Settings
    assumptions: timing.Assumptions
    load: Load
    instance: InstanceType | None
    fit: capacity.Fit | None
    instances_at_min: int | None
    instances_at_max: int | None
    max_tasks_capacity: int | None  # most tasks the group's maximum holds
    deploy_at_min: timing.Deploy
    deploy_at_max: timing.Deploy
    deploy_instances_at_max: int | None
    scale_out_room_seconds: float
    scale_out_new_instance_seconds: float | None
    first_scale_out_needs_instance: bool
    steps_to_max: int | None
    min_to_max_seconds: float | None
    scale_in_detection_seconds: float
    cost_min: cost.Cost
    cost_max: cost.Cost
    price_date: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def verdict(self) -> str:
        if self.errors:
            return "errors"
        return "warnings" if self.warnings else "ok"


_BENCH_LINE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(?:req/s|requests/s|rps)\b", re.IGNORECASE)


def benchmark_task_rps(results_md: Path, task_cpu: int) -> tuple[float, str] | None:
    """Requests per second of one task from benchmarks/RESULTS.md: the first figure in
    req/s on a line about our service ("ours" or "scaleout_app"), measured on one core, scaled
    to the task's CPU share (task_cpu / 1024)."""
    try:
        text = results_md.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        lowered = line.lower()
        if "ours" not in lowered and "scaleout_app" not in lowered:
            continue
        match = _BENCH_LINE.search(line)
        if match:
            per_core = float(match.group(1).replace(",", ""))
            return per_core * task_cpu / 1024, f"{results_md.name}: {per_core:g} req/s per core"
    return None


def build(
    settings: Settings,
    *,
    assumptions: timing.Assumptions | None = None,
    load: Load | None = None,
    prices: PriceTable | None = None,
) -> Plan:
    a = assumptions or timing.Assumptions.with_overrides({})
    load = load or Load()
    prices = prices or PriceTable()
    s = settings

    instance = instance_types().get(s.instance_type) if s.compute == "ec2" else None
    fit = capacity.fit(s, instance, memory_overhead_percent()) if instance else None
    per = fit.per_instance if fit else 0
    target = s.capacity_target_percent if s.cluster_scaling == "capacity_provider" else 100

    if s.compute == "ec2" and fit:
        at_min = capacity.instances_for(s.min_tasks, per, target)
        at_max = capacity.instances_for(s.max_tasks, per, target)
        instances_at_min = None if at_min is None else max(s.instance_min, at_min)
        instances_at_max = None if at_max is None else max(s.instance_min, at_max)
        max_capacity = capacity.max_tasks_within(s.instance_max, per, target)
        surge = s.max_tasks + max(0, timing.replacement_batch(s, s.max_tasks))
        if s.deploy_strategy == "blue_green":
            surge = 2 * s.max_tasks
        deploy_instances = capacity.instances_for(surge, per, target)
        room_at_min = (instances_at_min or 0) * per - s.min_tasks
        needs_instance = room_at_min <= 0
        new_instance = timing.scale_out_seconds(s, a, needs_instance=True)
    else:
        instances_at_min = instances_at_max = max_capacity = deploy_instances = None
        needs_instance, new_instance = False, None

    def grow(tasks: int, instances: int | None) -> float:
        """Extra deploy time when the surge does not fit the instances already running."""
        if s.compute != "ec2" or not fit or instances is None:
            return 0.0
        surge = (
            2 * tasks
            if s.deploy_strategy == "blue_green"
            else tasks + (timing.replacement_batch(s, tasks))
        )
        if instances * per >= surge:
            return 0.0
        return timing.new_instance_seconds(s, a)

    rps_max = load.requests_per_second
    if rps_max is None and load.task_rps:
        rps_max = s.max_tasks * load.task_rps * s.cpu_target / 100

    steps = timing.steps_to_max(s)
    # Each step waits for its alarm, then for its tasks to take traffic (or the cooldown).
    step = max(timing.scale_out_seconds(s, a, needs_instance=False), s.scale_out_cooldown_seconds)
    plan = Plan(
        settings=s,
        assumptions=a,
        load=load,
        instance=instance,
        fit=fit,
        instances_at_min=instances_at_min,
        instances_at_max=instances_at_max,
        max_tasks_capacity=max_capacity,
        deploy_at_min=timing.deploy(s, s.min_tasks, a, grow(s.min_tasks, instances_at_min)),
        deploy_at_max=timing.deploy(s, s.max_tasks, a, grow(s.max_tasks, instances_at_max)),
        deploy_instances_at_max=deploy_instances,
        scale_out_room_seconds=timing.scale_out_seconds(s, a, needs_instance=False),
        scale_out_new_instance_seconds=new_instance,
        first_scale_out_needs_instance=needs_instance,
        steps_to_max=steps,
        min_to_max_seconds=None
        if steps is None
        else steps * step
        + (
            timing.new_instance_seconds(s, a)
            if (instances_at_max or 0) > (instances_at_min or 0)
            else 0.0
        ),
        scale_in_detection_seconds=timing.scale_in_detection_seconds(a),
        cost_min=cost.hourly(s, prices, s.min_tasks, instances_at_min or 0, 0.0),
        cost_max=cost.hourly(
            s,
            prices,
            s.max_tasks,
            min(instances_at_max or 0, s.instance_max) if s.compute == "ec2" else 0,
            rps_max if rps_max is not None else 0.0,
        ),
        price_date=prices.as_of,
    )
    plan.findings = check(plan, prices)
    return plan
