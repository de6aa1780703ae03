"""timeline.png of a load test: on one time axis (seconds since the load began), request rate
and errors, latency percentiles, the fleet's task and instance counts as steps and, when
CloudWatch had datapoints, the service's CPU; load stages are shaded and scaling events marked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import results
from .figures import Run

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
