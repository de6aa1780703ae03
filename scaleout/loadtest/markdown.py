"""summary.md of a load test: GitHub-flavoured and self-contained (tables, one <details> block,
no images or links that would break in $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from . import results
from .figures import Run

MAX_EVENTS_LISTED = 40
NONE, TIMES = "\u2013", "\u00d7"  # an en dash for "no figure", and a multiplication sign


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
