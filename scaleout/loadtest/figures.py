"""The load test's fleet figures, from a run folder: what the fleet did while the load ran
(scaleout/loadtest/report.py turns them into summary.md and timeline.png).

  first scale-out     the first poll that saw the desired task count above its value when the
                      load began (or an Application Auto Scaling activity raising it, if earlier)
  peak tasks          the most running tasks seen; peak instances likewise for the Auto Scaling
                      group's InService instances
  back to minimum     after the load ended, the first poll with desired and running tasks at the
                      scalable target's minimum (or the starting count, without a target)
  during scaling      requests sent from a change of the desired count until a poll saw running
                      equal to desired with nothing pending
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import results

_DESIRED_TO = re.compile(r"desired count to (\d+)", re.IGNORECASE)


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
