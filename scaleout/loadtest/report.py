"""`python -m scaleout.loadtest.report RUN_DIR`: summary.md and timeline.png from a run folder.

The Markdown is GitHub-flavoured and self-contained (tables, one <details> block, no images or
links that would break in $GITHUB_STEP_SUMMARY). The PNG stacks, on one time axis (seconds since
the load began): request rate and errors, latency percentiles, the fleet's task and instance
counts as steps and, when CloudWatch had datapoints, the service's CPU; load stages are shaded
and scaling events marked.

Fleet figures, all on the load test's clock:
  first scale-out     the first poll that saw the desired task count above its value when the
                      load began (or an Application Auto Scaling activity raising it, if earlier)
  peak tasks          the most running tasks seen; peak instances likewise for the Auto Scaling
                      group's InService instances
  back to minimum     after the load ended, the first poll with desired and running tasks at the
                      scalable target's minimum (or the starting count, without a target)
  during scaling      requests sent from a change of the desired count until a poll saw running
                      equal to desired with nothing pending

Exit codes: 0 written, 1 the folder holds no readable run, 2 bad usage.
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import results

_DESIRED_TO = re.compile(r"desired count to (\d+)", re.IGNORECASE)
MAX_EVENTS_LISTED = 40
NONE, TIMES = "\u2013", "\u00d7"  # an en dash for "no figure", and a multiplication sign


@dataclass
class Fleet:
    """The observer's records, on the run's clock (seconds since the load began)."""

    cluster: str = ""
    service: str = ""
    samples: list[dict[str, Any]] = field(default_factory=list)  # t, desired, running, ...
    events: list[dict[str, Any]] = field(default_factory=list)  # t, source, message, status
    metrics: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # piece -> reason (last seen)
    min_capacity: int | None = None
    max_capacity: int | None = None

    @classmethod
    def from_records(cls, records: list[dict[str, Any]], t0: float) -> Fleet:
        fleet = cls()
        metric_points: dict[str, dict[float, float]] = {}
        for record in records:
            kind, t = record.get("kind"), record.get("ts", t0) - t0
            if kind == "start":
                fleet.cluster, fleet.service = record.get("cluster", ""), record.get("service", "")
            elif kind == "discovered" and record.get("scalable_target"):
                fleet.min_capacity = record["scalable_target"].get("min")
                fleet.max_capacity = record["scalable_target"].get("max")
            elif kind == "sample":
                service, asg, cluster = record["service"], record.get("asg"), record.get("cluster")
                fleet.samples.append(
                    {
                        "t": t,
                        "desired": service.get("desired") or 0,
                        "running": service.get("running") or 0,
                        "pending": service.get("pending") or 0,
                        "deployments": len(service.get("deployments") or []),
                        "instances": asg.get("in_service") if asg else None,
                        "asg_desired": asg.get("desired") if asg else None,
                        "registered": (cluster or {}).get("registered_instances"),
                    }
                )
            elif kind == "event":
                at = record.get("at")
                fleet.events.append(
                    {
                        "t": (at - t0) if at is not None else t,
                        "source": record.get("source", ""),
                        "message": record.get("message", ""),
                        "status": record.get("status"),
                    }
                )
            elif kind == "metric" and record.get("at") is not None:
                metric_points.setdefault(record["name"], {})[record["at"] - t0] = record["value"]
            elif kind == "missing":
                fleet.missing[record["piece"]] = record.get("reason", "")
            elif kind == "available":
                fleet.missing.pop(record["piece"], None)
        fleet.metrics = {name: sorted(points.items()) for name, points in metric_points.items()}
        fleet.events.sort(key=lambda e: e["t"])
        return fleet

    @property
    def has_instances(self) -> bool:
        return any(s["instances"] is not None for s in self.samples)


@dataclass
class Run:
    folder: Path
    meta: dict[str, Any]
    requests: results.Requests
    fleet: Fleet | None

    @property
    def t0(self) -> float:
        return self.meta["started"]

    @property
    def length(self) -> float:
        return self.meta["ended"] - self.meta["started"]

    @property
    def load_end(self) -> float:
        busy = [s["end"] for s in self.meta["stages"] if s["rate"] > 0]
        return max(busy) if busy else self.length


def load(folder: Path) -> Run:
    meta = results.read_run(folder)
    requests = results.Requests.read(folder / results.REQUESTS_FILE)
    fleet = None
    if meta.get("fleet"):
        records = results.read_fleet(folder / meta["fleet"].get("file", results.FLEET_FILE))
        fleet = Fleet.from_records(records, meta["started"])
    return Run(folder, meta, requests, fleet)


# Fleet figures


def scaling_changes(fleet: Fleet) -> list[dict[str, Any]]:
    """Each change of the desired count between polls: t (the poll that saw it), from, to."""
    changes = []
    for before, after in itertools.pairwise(fleet.samples):
        if after["desired"] != before["desired"]:
            changes.append({"t": after["t"], "from": before["desired"], "to": after["desired"]})
    return changes


def scaling_windows(fleet: Fleet) -> list[tuple[float, float]]:
    """Merged spans from a desired-count change until running == desired, nothing pending."""
    windows: list[tuple[float, float]] = []
    opened = None
    for before, after in itertools.pairwise(fleet.samples):
        if opened is None and after["desired"] != before["desired"]:
            opened = before["t"]  # the change happened after the earlier poll
        settled = after["running"] == after["desired"] and not after["pending"]
        if opened is not None and settled and after["desired"] == before["desired"]:
            windows.append((opened, after["t"]))
            opened = None
        elif opened is not None and settled:
            pass  # changed and settled within one poll: keep it open to the next poll
    if opened is not None and fleet.samples:
        windows.append((opened, fleet.samples[-1]["t"]))
    return windows


def fleet_figures(run: Run) -> dict[str, Any]:
    fleet = run.fleet
    if fleet is None or not fleet.samples:
        return {}
    samples = fleet.samples
    first_busy = next((s["start"] for s in run.meta["stages"] if s["rate"] > 0), 0.0)
    at_start = [s for s in samples if s["t"] <= first_busy] or samples[:1]
    baseline = at_start[-1]
    minimum = fleet.min_capacity if fleet.min_capacity is not None else baseline["desired"]
    figures: dict[str, Any] = {
        "baseline": baseline,
        "minimum": minimum,
        "min_from_target": fleet.min_capacity is not None,
    }

    rise = next(
        (s for s in samples if s["t"] > baseline["t"] and s["desired"] > baseline["desired"]), None
    )
    scale_out = None
    if rise:
        previous = samples[samples.index(rise) - 1]
        scale_out = {
            "t": rise["t"],
            "from": previous["desired"],
            "to": rise["desired"],
            "by": "poll",
        }
    for event in fleet.events:
        match = _DESIRED_TO.search(event["message"])
        if (
            event["source"] == "application-autoscaling"
            and match
            and event["t"] >= first_busy
            and int(match.group(1)) > baseline["desired"]
            and (scale_out is None or event["t"] < scale_out["t"])
        ):
            scale_out = {
                "t": event["t"],
                "from": baseline["desired"],
                "to": int(match.group(1)),
                "by": "activity",
            }
            break
    if scale_out:
        scale_out["after_load_start"] = scale_out["t"] - first_busy
        stage = _stage_at(run, scale_out["t"])
        if stage:
            scale_out["stage"] = stage["index"]
            scale_out["into_stage"] = scale_out["t"] - stage["start"]
    figures["scale_out"] = scale_out
    more_running = next(
        (s for s in samples if s["t"] > baseline["t"] and s["running"] > baseline["running"]), None
    )
    figures["first_added_task"] = more_running["t"] - first_busy if more_running else None

    peak = max(samples, key=lambda s: (s["running"], -s["t"]))
    figures["peak_tasks"] = {
        "running": peak["running"],
        "t": peak["t"],
        "desired": max(s["desired"] for s in samples),
    }
    with_instances = [s for s in samples if s["instances"] is not None]
    if with_instances:
        top = max(with_instances, key=lambda s: (s["instances"], -s["t"]))
        figures["peak_instances"] = {
            "count": top["instances"],
            "t": top["t"],
            "at_start": (with_instances[0]["instances"]),
        }
    else:
        figures["peak_instances"] = None

    load_end = run.load_end
    figures["load_end"] = load_end
    scaled = scale_out is not None or peak["running"] > baseline["running"]
    back = None
    if scaled:
        after = [s for s in samples if s["t"] >= load_end and s["t"] > (scale_out or peak)["t"]]
        back = next(
            (
                s
                for s in after
                if s["desired"] <= minimum and s["running"] <= minimum and not s["pending"]
            ),
            None,
        )
    figures["scaled"] = scaled
    figures["back_to_minimum"] = (back["t"] - load_end) if back else None
    figures["end_tasks"] = samples[-1]["running"]
    figures["observed_until"] = samples[-1]["t"]

    windows = scaling_windows(fleet)
    in_window = np.zeros(len(run.requests), dtype=bool)
    for start, end in windows:
        in_window |= (run.requests.t >= start) & (run.requests.t <= end)
    errors = run.requests.errors
    figures["scaling"] = {
        "windows": len(windows),
        "seconds": sum(end - start for start, end in windows),
        "requests": int(in_window.sum()),
        "errors": int(errors[in_window].sum()),
        "requests_outside": int((~in_window).sum()),
        "errors_outside": int(errors[~in_window].sum()),
    }
    figures["windows"] = windows
    figures["changes"] = scaling_changes(fleet)
    return figures


def _stage_at(run: Run, t: float) -> dict[str, Any] | None:
    for stage in run.meta["stages"]:
        if stage["start"] <= t < stage["end"]:
            return stage
    return None


# Markdown


def _ms(value: float) -> str:
    if value is None or math.isnan(value):
        return NONE
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f} %" if whole else NONE


def _when(seconds: float | None) -> str:
    """Seconds as `1m 05s` (or `42s`)."""
    if seconds is None:
        return NONE
    sign = "-" if seconds < 0 else ""
    total = round(abs(seconds))
    minutes, secs = divmod(total, 60)
    return f"{sign}{minutes}m {secs:02d}s" if minutes else f"{sign}{secs}s"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


PIECES = {
    "auto_scaling_group": "Auto Scaling group instances",
    "auto_scaling_group_activities": "Auto Scaling group activities",
    "scaling_activities": "Application Auto Scaling activities",
    "scalable_target": "Application Auto Scaling target (minimum and maximum)",
    "metrics": "CloudWatch metrics",
    "load_balancer": "load balancer (for ALB metrics)",
    "cluster": "cluster counts",
    "service": "service",
    "discovery": "discovery",
}


def markdown(run: Run, stages: list[dict[str, Any]], fleet: dict[str, Any]) -> str:
    meta = run.meta
    started = datetime.fromtimestamp(meta["started"], UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [f"## Load test of {meta['url']}: {meta['outcome']}", ""]
    lines.append(
        f"Started {started}, lasted {_when(run.length)}. Load by `hey` in "
        f"{meta['hey']['batch_seconds']:g} s batches; each stage's rate is the total for "
        "the whole test, shared by its workers (`-c` workers at `-q` each)."
    )
    if meta.get("failure"):
        lines += ["", f"**hey failed:** {_md(meta['failure'])}"]
    lines += [
        "",
        f"| Stage | Target | Workers {TIMES} rate | Length | Requests | Achieved | p50 | p95 | p99 "
        "| Errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for stage, figure in zip(meta["stages"], stages, strict=True):
        workers = (
            f"{stage['workers']} {TIMES} {stage['worker_rate']:.3g}/s" if stage["rate"] else "pause"
        )
        lines.append(
            f"| {stage['index']} | {stage['rate']:g} rps | {workers} | {_when(figure['seconds'])} "
            f"| {figure['requests']:,} | {figure['achieved_rate']:.1f} rps | {_ms(figure['p50'])} "
            f"| {_ms(figure['p95'])} | {_ms(figure['p99'])} "
            f"| {figure['errors']:,} ({_pct(figure['errors'], figure['requests'])}) |"
        )
    everything = results.latency_figures(run.requests.latency_ms)
    total, errors = len(run.requests), int(run.requests.errors.sum())
    busy = sum(f["seconds"] for f in stages)
    lines.append(
        f"| **all** | | | {_when(busy)} | {total:,} | {total / busy if busy else 0:.1f} rps "
        f"| {_ms(everything['p50'])} | {_ms(everything['p95'])} | {_ms(everything['p99'])} "
        f"| {errors:,} ({_pct(errors, total)}) |"
    )
    kinds = [
        f"stage {f['index']}: "
        + ", ".join(f"{k} {TIMES} {n:,}" for k, n in f["error_kinds"].items())
        for f in stages
        if f["error_kinds"]
    ]
    if kinds:
        lines += ["", "Errors by kind: " + "; ".join(kinds) + "."]
    limit = meta.get("checks", {}).get("max_error_percent")
    if limit is not None:
        over = [
            f["index"]
            for f in stages
            if f["requests"] and 100 * f["errors"] / f["requests"] > limit
        ]
        verdict = "every stage within"
        if over:
            verdict = f"stage{'s' if len(over) > 1 else ''} {', '.join(map(str, over))} over"
        lines += ["", f"Error check: {verdict} the {limit:g} % limit."]

    if run.fleet is not None:
        lines += [
            "",
            f"### Fleet: service `{run.fleet.service}` in cluster `{run.fleet.cluster}`",
            "",
        ]
        lines += _fleet_lines(run, fleet)
    lines += [
        "",
        f"Files: `{results.REQUESTS_FILE}` (every request), `{results.SECONDS_FILE}`, "
        + (f"`{results.FLEET_FILE}`, " if run.fleet is not None else "")
        + f"`{results.TIMELINE_FILE}` (the timeline), `{results.RUN_FILE}`.",
    ]
    return "\n".join(lines) + "\n"


def _fleet_lines(run: Run, fleet: dict[str, Any]) -> list[str]:
    if not fleet:
        reason = (run.fleet.missing.get("service") if run.fleet else "") or "no sample was recorded"
        return [f"The service could not be read: {_md(reason)}."]
    base = fleet["baseline"]
    minimum = f"minimum {fleet['minimum']}" + (
        "" if fleet["min_from_target"] else " assumed: no scaling target"
    )
    rows = [
        (
            "Tasks when the load began",
            f"{base['desired']} desired, {base['running']} running ({minimum})",
        )
    ]
    out = fleet["scale_out"]
    if out:
        where = f", {_when(out['into_stage'])} into stage {out['stage']}" if "stage" in out else ""
        rows.append(
            (
                "First scale-out",
                f"{_when(out['after_load_start'])} after the load began{where}: "
                f"desired {out['from']} → {out['to']}",
            )
        )
    else:
        rows.append(("First scale-out", "none seen"))
    if fleet["first_added_task"] is not None:
        rows.append(
            ("First added task running", f"{_when(fleet['first_added_task'])} after the load began")
        )
    peak = fleet["peak_tasks"]
    rows.append(
        (
            "Peak tasks",
            f"{peak['running']} running at {_when(peak['t'])} (desired up to {peak['desired']})",
        )
    )
    instances = fleet["peak_instances"]
    if instances:
        rows.append(
            (
                "Peak instances",
                f"{instances['count']} in service at {_when(instances['t'])} "
                f"({instances['at_start']} at first)",
            )
        )
    else:
        rows.append(
            ("Peak instances", "not recorded (no Auto Scaling group: Fargate, or none found)")
        )
    if not fleet["scaled"]:
        back = "n/a: the service never scaled out"
    elif fleet["back_to_minimum"] is not None:
        back = f"{_when(fleet['back_to_minimum'])} after the load ended"
    else:
        back = (
            f"not within the observation ({fleet['end_tasks']} tasks running "
            f"{_when(fleet['observed_until'] - fleet['load_end'])} after the load ended)"
        )
    rows.append(("Back to minimum", back))
    sc = fleet["scaling"]
    rows.append(
        (
            "Errors while scaling",
            f"{sc['errors']:,} of {sc['requests']:,} requests "
            f"({_pct(sc['errors'], sc['requests'])}) in {sc['windows']} "
            f"window{'s' if sc['windows'] != 1 else ''} lasting {_when(sc['seconds'])}; "
            f"{sc['errors_outside']:,} of {sc['requests_outside']:,} "
            f"({_pct(sc['errors_outside'], sc['requests_outside'])}) outside",
        )
    )
    lines = ["| Fleet | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    missing = run.fleet.missing
    if missing:
        lines += [
            "",
            "Not recorded: "
            + "; ".join(
                f"{PIECES.get(piece, piece)} ({_md(reason)})"
                for piece, reason in sorted(missing.items())
            )
            + ".",
        ]
    events = [e for e in run.fleet.events if e["t"] >= -60]
    if events:
        lines += [
            "",
            f"<details><summary>Scaling and service events ({len(events)})</summary>",
            "",
            "| Time | Source | Event |",
            "|---:|---|---|",
        ]
        for event in events[:MAX_EVENTS_LISTED]:
            status = f" ({event['status']})" if event.get("status") else ""
            lines.append(
                f"| {_when(event['t'])} | {event['source']} | {_md(event['message'])}{status} |"
            )
        if len(events) > MAX_EVENTS_LISTED:
            lines.append(
                f"| | | … {len(events) - MAX_EVENTS_LISTED} more in `{results.FLEET_FILE}` |"
            )
        lines += ["", "</details>"]
    return lines


# The timeline

COLORS = {
    "rate": "#1f77b4",
    "target": "#555555",
    "errors": "#d62728",
    "p50": "#2ca02c",
    "p95": "#ff7f0e",
    "p99": "#9467bd",
    "desired": "#7f7f7f",
    "running": "#1f77b4",
    "pending": "#c5b0d5",
    "instances": "#8c564b",
    "cpu": "#e377c2",
    "out": "#2ca02c",
    "in": "#ff7f0e",
}


def timeline(run: Run, fleet: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

    stages = run.meta["stages"]
    samples = run.fleet.samples if run.fleet else []
    metrics = run.fleet.metrics if run.fleet else {}
    has_cpu = bool(metrics.get("cpu"))
    seconds = results.per_second(run.requests, run.length)
    left = min([0.0] + [s["t"] for s in samples])
    right = max([run.length] + [s["t"] for s in samples])

    panels = 3 + int(has_cpu) if samples else 2
    ratios = [3, 3, 2.4, 1.6][:panels]
    fig, axes = plt.subplots(
        panels,
        1,
        figsize=(12, 2.2 * sum(ratios) / 2.6 + 1.4),
        sharex=True,
        height_ratios=ratios,
        layout="constrained",
    )
    fig.patch.set_facecolor("white")
    top = max([s["rate"] for s in stages] + [1])
    for ax in axes:
        for stage in stages:
            shade = 0.06 + 0.22 * stage["rate"] / top
            ax.axvspan(stage["start"], stage["end"], color="#4c72b0", alpha=shade, lw=0, zorder=0)
        for change in fleet.get("changes", []):
            color = COLORS["out"] if change["to"] > change["from"] else COLORS["in"]
            ax.axvline(change["t"], color=color, lw=1, ls=":", alpha=0.9, zorder=1)
        ax.grid(True, axis="y", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    # Requests per second: achieved, target, errors.
    ax = axes[0]
    target_t = [stages[0]["start"]] if stages else []
    target_v = [stages[0]["rate"]] if stages else []
    for stage in stages:
        target_t += [stage["start"], stage["end"]]
        target_v += [stage["rate"], stage["rate"]]
    ax.plot(target_t, target_v, color=COLORS["target"], ls="--", lw=1.2, label="target rate")
    ax.plot(
        seconds["t"] + 0.5,
        seconds["requests"],
        color=COLORS["rate"],
        lw=1.3,
        drawstyle="steps-mid",
        label="answered / s",
    )
    if seconds["errors"].any():
        ax.bar(
            seconds["t"] + 0.5,
            seconds["errors"],
            width=1.0,
            color=COLORS["errors"],
            alpha=0.85,
            label="errors / s",
            zorder=3,
        )
    ax.set_ylabel("requests / s")
    ax.set_ylim(bottom=0, top=max(top, float(seconds["requests"].max(initial=0))) * 1.25)
    for stage in stages:
        ax.annotate(
            f"{stage['rate']:g} rps" if stage["rate"] else "pause",
            ((stage["start"] + stage["end"]) / 2, 1.0),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="top",
            fontsize=8.5,
            color="#333333",
            xytext=(0, -3),
            textcoords="offset points",
        )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False)

    # Latency percentiles (log scale: a tail of seconds next to milliseconds), over buckets
    # long enough to hold some 50 requests at the usual rate, so that p99 means something.
    ax = axes[1]
    bucket = _latency_bucket(seconds["requests"])
    latency = results.per_second(run.requests, run.length, bucket)
    for key in ("p50", "p95", "p99"):
        ax.plot(
            latency["t"] + bucket / 2,
            latency[key],
            color=COLORS[key],
            lw=1.1,
            label=key,
            marker="." if bucket > 1 else None,
            ms=3,
        )
    response_time = metrics.get("target_response_time")
    if response_time:
        t, v = zip(*response_time, strict=True)
        ax.plot(
            np.array(t) + 30,
            np.array(v) * 1000,
            "s",
            color="#333333",
            ms=4,
            label="ALB target\nresponse time",
        )
    finite = latency["p99"][~np.isnan(latency["p99"])]
    if finite.size:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            "no responses",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#777777",
        )
    ax.set_ylabel(f"latency (ms)\nper {bucket:g} s" if bucket > 1 else "latency (ms)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False)

    if samples:
        ax = axes[2]
        t = [s["t"] for s in samples] + [right]

        def steps(key):
            values = [s[key] for s in samples]
            return values + values[-1:]

        ax.fill_between(
            t,
            0,
            steps("pending"),
            step="post",
            color=COLORS["pending"],
            alpha=0.7,
            label="pending tasks",
            lw=0,
        )
        ax.step(
            t,
            steps("desired"),
            where="post",
            color=COLORS["desired"],
            ls="--",
            lw=1.3,
            label="desired tasks",
        )
        ax.step(
            t, steps("running"), where="post", color=COLORS["running"], lw=2, label="running tasks"
        )
        highest = max(max(s["desired"], s["running"]) for s in samples)
        if run.fleet.has_instances:
            values = [s["instances"] if s["instances"] is not None else np.nan for s in samples]
            ax.step(
                t,
                values + values[-1:],
                where="post",
                color=COLORS["instances"],
                lw=1.6,
                label="instances in service",
            )
            highest = max(highest, max(v for v in values if not np.isnan(v)))
        for change in fleet.get("changes", []):
            up = change["to"] > change["from"]
            ax.plot(
                change["t"],
                change["to"],
                "^" if up else "v",
                ms=8,
                zorder=5,
                color=COLORS["out"] if up else COLORS["in"],
            )
        marked = False
        for event in run.fleet.events:
            if (
                event["source"] in {"application-autoscaling", "autoscaling"}
                and left <= event["t"] <= right
            ):
                ax.plot(
                    event["t"],
                    highest * 1.18 + 0.5,
                    "D",
                    ms=5,
                    color="#333333",
                    zorder=5,
                    label=None if marked else "scaling activity",
                )
                marked = True
        ax.plot([], [], "^", color=COLORS["out"], label="scale-out")
        ax.plot([], [], "v", color=COLORS["in"], label="scale-in")
        ax.plot([], [], color="#ff7f0e", lw=4, label="scaling window")
        for start, end in fleet.get("windows", []):
            ax.axvspan(start, end, ymin=0, ymax=0.03, color="#ff7f0e", alpha=0.85, lw=0, zorder=4)
        ax.set_ylim(0, highest * 1.3 + 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("tasks / instances")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False)
        if not run.fleet.has_instances:
            ax.text(
                0.005,
                0.96,
                "no instance counts (Fargate, or no Auto Scaling group)",
                transform=ax.transAxes,
                fontsize=8,
                color="#777777",
                va="top",
            )
    if has_cpu:
        ax = axes[3]
        t, v = zip(*metrics["cpu"], strict=True)
        ax.step(
            np.array(t),
            v,
            where="post",
            color=COLORS["cpu"],
            lw=1.6,
            label="service CPU\n(1-min avg)",
        )
        ax.set_ylim(0, 100)
        ax.set_ylabel("CPU %")
        per_target = metrics.get("requests_per_target")
        if per_target:
            twin = ax.twinx()
            t, v = zip(*per_target, strict=True)
            twin.step(np.array(t), v, where="post", color="#17becf", lw=1.2, ls="-.")
            twin.tick_params(axis="y", colors="#17becf", labelsize=8)
            twin.set_ylim(bottom=0)
            twin.spines["top"].set_visible(False)
            ax.plot(
                [],
                [],
                color="#17becf",
                ls="-.",
                label="ALB requests per\ntarget per minute\n(right scale)",
            )
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(1.05 if per_target else 1.01, 1.0),
            fontsize=8.5,
            frameon=False,
        )
    elif samples and "metrics" in run.fleet.missing:
        axes[2].text(
            0.995,
            0.96,
            "CloudWatch: no datapoints",
            transform=axes[2].transAxes,
            fontsize=8,
            color="#777777",
            va="top",
            ha="right",
        )

    axes[-1].set_xlim(left, right)
    axes[-1].xaxis.set_major_locator(MultipleLocator(_tick_step(right - left)))
    axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda v, _: _clock(v)))
    axes[-1].set_xlabel("time since the load began (m:ss)")
    title = f"Load test of {run.meta['url']}"
    if run.fleet:
        title += f"  ·  service {run.fleet.service} on {run.fleet.cluster}"
    started = datetime.fromtimestamp(run.meta["started"], UTC).strftime("%Y-%m-%d %H:%M UTC")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12.5, fontweight="bold")
    axes[0].set_title(
        f"{started}  ·  {run.meta['outcome']}  ·  shading: load stages, darker = more load",
        loc="left",
        fontsize=9,
        color="#555555",
    )
    fig.savefig(path, dpi=110, facecolor="white")
    plt.close(fig)


def _latency_bucket(per_second: np.ndarray) -> float:
    busy = per_second[per_second > 0]
    if not busy.size:
        return 1.0
    typical = float(np.median(busy))
    for bucket in (1, 2, 5, 10, 15, 30):
        if typical * bucket >= 50:
            return float(bucket)
    return 30.0


def _tick_step(span: float) -> float:
    """A clock-friendly tick step giving about ten ticks over `span` seconds."""
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if span / step <= 12:
            return float(step)
    return 7200.0


def _clock(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    minutes, secs = divmod(round(abs(seconds)), 60)
    return f"{sign}{minutes}:{secs:02d}"


def write(folder: Path) -> str:
    """Write summary.md and timeline.png into the run folder; return the Markdown."""
    run = load(folder)
    stages = results.stage_figures(run.requests, run.meta["stages"])
    fleet = fleet_figures(run)
    text = markdown(run, stages, fleet)
    (folder / results.SUMMARY_FILE).write_text(text)
    timeline(run, fleet, folder / results.TIMELINE_FILE)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scaleout.loadtest.report",
        description="Write summary.md and timeline.png into a load test's results folder, from "
        "what it recorded (run.json, requests.csv.gz, fleet.jsonl).",
        epilog="Exit codes: 0 written, 1 the folder holds no readable run, 2 bad usage.",
    )
    parser.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="the load test's --out folder"
    )
    parser.add_argument("--print", action="store_true", help="also print the Markdown to stdout")
    args = parser.parse_args(argv)
    if not args.run_dir.is_dir():
        parser.error(f"{args.run_dir} is not a folder")
    try:
        text = write(args.run_dir)
    except (OSError, ValueError, KeyError) as exc:
        print(f"report: {args.run_dir} holds no readable run: {exc}", file=sys.stderr)
        return 1
    if args.print:
        print(text, end="")
    print(
        f"report: wrote {args.run_dir / results.SUMMARY_FILE} and "
        f"{args.run_dir / results.TIMELINE_FILE}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
