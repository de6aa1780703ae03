"""The plan as a text table (terminal), a Markdown table ($GITHUB_STEP_SUMMARY) or JSON."""

from __future__ import annotations

from typing import Any

from . import timing
from .model import Plan

Row = tuple[str, str, str]  # what, value, how it follows


def _money(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"${value:.{digits}f}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    minutes, seconds = divmod(round(value), 60)
    return f"{value:.0f} s" if not minutes else f"{value:.0f} s ({minutes}m{seconds:02d}s)"


def headline(plan: Plan) -> str:
    s = plan.settings
    where = f"{s.env or '?'} ({s.region})"
    if s.compute == "ec2":
        fleet = f"EC2 {s.instance_type} x {s.instance_min}-{s.instance_max} ({s.cluster_scaling})"
    else:
        fleet = "Fargate"
    return (
        f"Capacity plan for {where}: {fleet}, {s.network_mode}, tasks of {s.task_cpu} CPU / "
        f"{s.task_memory} MiB, {s.min_tasks}-{s.max_tasks} tasks at {s.cpu_target:g}% CPU, "
        f"{s.deploy_strategy.replace('_', '/')} deploys"
    )


def capacity_rows(plan: Plan) -> list[Row]:
    s = plan.settings
    if s.compute == "fargate":
        return [
            ("tasks per instance", "n/a", "Fargate: every task gets its own capacity"),
            ("max tasks reachable", "yes", "no instances to run out of (account quotas aside)"),
        ]
    if plan.fit is None:
        return [("tasks per instance", "n/a", f"{s.instance_type} is not in the table")]
    f = plan.fit
    reserved = (
        f", minus ECS_RESERVED_MEMORY {s.ecs_reserved_memory_mib} MiB"
        if s.ecs_reserved_memory_mib
        else ""
    )
    assert plan.instance is not None
    reachable = s.max_tasks <= (plan.max_tasks_capacity or 0)
    network = "no limit" if f.by_network > 1000 else str(f.by_network)
    return [
        ("tasks per instance by CPU", str(f.by_cpu), f"{f.cpu_units} CPU units / {s.task_cpu}"),
        (
            "tasks per instance by memory",
            str(f.by_memory),
            f"{f.memory_for_tasks_mib} MiB for tasks (of {plan.instance.memory_mib} nominal, "
            f"less the kernel's share{reserved}) / {s.task_memory}",
        ),
        ("tasks per instance by network", network, f.network_reason),
        ("tasks per instance", str(f.per_instance), f"limited by {f.limited_by}"),
        (
            f"instances at min tasks ({s.min_tasks})",
            _count(plan.instances_at_min),
            f"project_instance_min is {s.instance_min}",
        ),
        (
            f"instances at max tasks ({s.max_tasks})",
            _count(plan.instances_at_max),
            f"project_instance_max is {s.instance_max}"
            + (
                f", capacity target {s.capacity_target_percent}%"
                if s.cluster_scaling == "capacity_provider"
                else ""
            ),
        ),
        (
            "max tasks reachable",
            "yes" if reachable else "NO",
            f"{s.instance_max} instances hold {plan.max_tasks_capacity} tasks",
        ),
    ]


def _count(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def timing_rows(plan: Plan) -> list[Row]:
    s = plan.settings
    a = plan.assumptions
    rows: list[Row] = []
    for label, d in (("at min tasks", plan.deploy_at_min), ("at max tasks", plan.deploy_at_max)):
        how = (
            f"{d.waves} wave(s) x (start {timing.task_start(s, a) + a['app_start']:g} s + healthy "
            f"{timing.healthy_seconds(s):g} s + deregistration {s.deregistration_delay_seconds} s"
            f" + stop {timing.stop_seconds(s):g} s)"
        )
        if d.capacity_seconds:
            how += f" + new instances {d.capacity_seconds:g} s"
        if d.bake_seconds:
            how += f" + bake {d.bake_seconds:g} s"
        rows.append(
            (
                f"{s.deploy_strategy.replace('_', '/')} deploy {label}",
                _seconds(d.total_seconds) if d.waves else "never",
                how if d.waves else "no task can be replaced (see findings)",
            )
        )
    detect = timing.detection_seconds(a)
    rows.append(
        (
            "scale-out" if s.compute == "fargate" else "scale-out, room on instances",
            _seconds(plan.scale_out_room_seconds),
            f"alarm {timing.SCALE_OUT_DATAPOINTS} x {timing.SERVICE_METRIC_PERIOD_SECONDS} s + "
            f"metric delay {a['metric_delay']:g} s = {detect:g} s, task start, healthy",
        )
    )
    if plan.scale_out_new_instance_seconds is not None:
        rows.append(
            (
                "scale-out, new instance needed",
                _seconds(plan.scale_out_new_instance_seconds),
                f"plus {timing.new_instance_seconds(s, a):g} s for the group to add an instance"
                + (" (needed at min tasks)" if plan.first_scale_out_needs_instance else ""),
            )
        )
    steps = plan.steps_to_max
    grows = (plan.instances_at_max or 0) > (plan.instances_at_min or 0)
    rows.append(
        (
            f"min to max tasks ({max(1, s.min_tasks)} to {s.max_tasks})",
            _seconds(plan.min_to_max_seconds) if steps is not None else "never",
            (
                "the CPU policy never adds a task"
                if steps is None
                else f"{steps} step(s): CPU cannot pass 100%, so each step multiplies the "
                f"tasks by at most {100 / s.cpu_target:.2f}"
                + (", and the group adds instances" if grows else "")
            ),
        )
    )
    rows.append(
        (
            "scale-in starts after",
            _seconds(plan.scale_in_detection_seconds),
            f"alarm {timing.SCALE_IN_DATAPOINTS} x {timing.SERVICE_METRIC_PERIOD_SECONDS} s of "
            "low CPU",
        )
    )
    return rows


def cost_rows(plan: Plan) -> list[tuple[str, str, str, str]]:
    lo, hi = plan.cost_min, plan.cost_max
    return [
        ("compute", _money(lo.compute), _money(hi.compute), ""),
        (
            "load balancer",
            _money(lo.load_balancer),
            _money(hi.load_balancer),
            f"hour + LCUs ({lo.lcus:.2f} idle, {hi.lcus:.2f} at max"
            + (
                ""
                if plan.load.requests_per_second or plan.load.task_rps
                else ": no request rate, pass --loadtest-rps"
            )
            + ")",
        ),
        (
            "public IPv4",
            _money(lo.public_ipv4),
            _money(hi.public_ipv4),
            f"{lo.addresses} / {hi.addresses} addresses at $0.005",
        ),
        ("total per hour", _money(lo.total), _money(hi.total), ""),
        (
            "total per 30 days",
            _money(None if lo.total is None else lo.total * 720, 2),
            _money(None if hi.total is None else hi.total * 720, 2),
            "",
        ),
    ]


def verdict_line(plan: Plan) -> str:
    errors, warnings = len(plan.errors), len(plan.warnings)
    if errors:
        return f"Verdict: FAIL, {errors} error(s), {warnings} warning(s)"
    if warnings:
        return f"Verdict: OK with {warnings} warning(s)"
    return "Verdict: OK"


def _unconfirmed(plan: Plan) -> list[str]:
    return list(dict.fromkeys(plan.cost_min.unconfirmed + plan.cost_max.unconfirmed))


def text(plan: Plan, source: str) -> str:
    out = [headline(plan), f"(variables from {source})", ""]

    def table(title: str, rows: list[Row]) -> None:
        out.append(title)
        width = max(len(r[0]) for r in rows)
        vwidth = max(len(r[1]) for r in rows)
        for what, value, how in rows:
            out.append(f"  {what:<{width}}  {value:>{vwidth}}  {how}".rstrip())
        out.append("")

    table("Capacity", capacity_rows(plan))
    table("Time bounds (upper estimates)", timing_rows(plan))
    out.append(f"Cost per hour, USD, {plan.settings.region}, prices as of {plan.price_date}")
    rows = [("", "at min", "at max", ""), *cost_rows(plan)]
    width = max(len(r[0]) for r in rows)
    for what, lo, hi, how in rows:
        out.append(f"  {what:<{width}}  {lo:>10}  {hi:>10}  {how}".rstrip())
    unconfirmed = _unconfirmed(plan)
    if unconfirmed:
        out.append(f"  unconfirmed prices used: {', '.join(unconfirmed)} (see prices.json)")
    out.append("")
    out.extend(findings_text(plan))
    out.append(verdict_line(plan))
    return "\n".join(out) + "\n"


def findings_text(plan: Plan) -> list[str]:
    if not plan.findings:
        return ["Findings: none", ""]
    lines = ["Findings"]
    for f in plan.findings:
        lines.append(f"  {f.severity.upper():<7} {f.code}: {f.message}")
    return [*lines, ""]


def quiet(plan: Plan) -> str:
    return "\n".join([*findings_text(plan), verdict_line(plan)]) + "\n"


def markdown(plan: Plan, source: str) -> str:
    out = [f"### {headline(plan)}", "", f"Variables from `{source}`.", ""]

    def table(title: str, rows: list[Row]) -> None:
        out.extend([f"| {title} | value | how |", "| --- | ---: | --- |"])
        out.extend(f"| {w} | {v} | {h} |" for w, v, h in rows)
        out.append("")

    table("capacity", capacity_rows(plan))
    table("time bound", timing_rows(plan))
    out.extend(
        [
            f"| cost per hour (USD, {plan.settings.region}, prices of {plan.price_date}) | "
            "at min | at max | how |",
            "| --- | ---: | ---: | --- |",
        ]
    )
    out.extend(f"| {w} | {lo} | {hi} | {h} |" for w, lo, hi, h in cost_rows(plan))
    out.append("")
    unconfirmed = _unconfirmed(plan)
    if unconfirmed:
        out.extend([f"Unconfirmed prices used: {', '.join(unconfirmed)}.", ""])
    if plan.findings:
        out.extend(f"- **{f.severity}** `{f.code}`: {f.message}" for f in plan.findings)
        out.append("")
    out.append(f"**{verdict_line(plan)}**")
    return "\n".join(out) + "\n"


def as_json(plan: Plan, source: str) -> dict[str, Any]:
    s = plan.settings
    f = plan.fit

    def deploy(d: timing.Deploy) -> dict[str, Any]:
        return {
            "tasks": d.tasks,
            "waves": d.waves,
            "seconds": round(d.total_seconds, 1),
            "new_instance_seconds": d.capacity_seconds,
            "bake_seconds": d.bake_seconds,
        }

    def money(c: Any) -> dict[str, Any]:
        def usd(value: float | None) -> float | None:
            return None if value is None else round(value, 6)

        return {
            "compute": usd(c.compute),
            "load_balancer": usd(c.load_balancer),
            "public_ipv4": usd(c.public_ipv4),
            "total": usd(c.total),
            "lcus": round(c.lcus, 3),
            "public_ipv4_addresses": c.addresses,
        }

    return {
        "env": s.env,
        "vars_file": source,
        "verdict": plan.verdict,
        "errors": len(plan.errors),
        "warnings": len(plan.warnings),
        "summary": headline(plan),
        "capacity": {
            "compute": s.compute,
            "instance_type": s.instance_type or None,
            "network_mode": s.network_mode,
            "tasks_per_instance": None
            if f is None
            else {
                "cpu": f.by_cpu,
                "memory": f.by_memory,
                "network": f.by_network,
                "total": f.per_instance,
                "limited_by": f.limited_by,
            },
            "memory_for_tasks_mib": None if f is None else f.memory_for_tasks_mib,
            "min_tasks": s.min_tasks,
            "max_tasks": s.max_tasks,
            "instance_min": s.instance_min if s.compute == "ec2" else None,
            "instance_max": s.instance_max if s.compute == "ec2" else None,
            "instances_at_min_tasks": plan.instances_at_min,
            "instances_at_max_tasks": plan.instances_at_max,
            "max_tasks_capacity": plan.max_tasks_capacity,
            "max_tasks_reachable": s.compute == "fargate"
            or (plan.max_tasks_capacity is not None and s.max_tasks <= plan.max_tasks_capacity),
        },
        "timing": {
            "deploy_strategy": s.deploy_strategy,
            "deploy_at_min_tasks": deploy(plan.deploy_at_min),
            "deploy_at_max_tasks": deploy(plan.deploy_at_max),
            "scale_out_seconds": round(plan.scale_out_room_seconds, 1),
            "scale_out_with_new_instance_seconds": plan.scale_out_new_instance_seconds,
            "steps_min_to_max": plan.steps_to_max,
            "min_to_max_seconds": plan.min_to_max_seconds,
            "scale_in_after_seconds": plan.scale_in_detection_seconds,
        },
        "cost_per_hour_usd": {
            "region": s.region,
            "prices_as_of": plan.price_date,
            "at_min": money(plan.cost_min),
            "at_max": money(plan.cost_max),
            "unconfirmed_prices": _unconfirmed(plan),
        },
        "assumptions_seconds": dict(plan.assumptions.values),
        "findings": [
            {
                "severity": x.severity,
                "code": x.code,
                "message": x.message,
                "variables": list(x.variables),
            }
            for x in plan.findings
        ],
        "variables_read": list(s.variables_read),
    }
