"""Stages of load and how `hey` is asked to produce them.

A stage is a total request rate for the whole test (requests per second, summed over all of
hey's workers) held for a length of time. `hey -q` limits each worker, not the test, so a rate R
becomes `c` workers each paced at `q = R / c`. hey's workers are closed-loop: one request at a
time each, so a worker keeps its pace only while responses take less than 1/q seconds. We pick
`c = ceil(R / worker_rate)` so that each worker is asked for at most `worker_rate` requests per
second (5 by default: the rate holds up to 200 ms of latency), and the achieved rate is reported
next to the target so that a server too slow to keep up shows as a shortfall, not as a lie.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?")


class StageError(ValueError):
    """A stage list or limit the load test cannot run."""


def parse_duration(text: str) -> float:
    """Seconds in `text`: `90`, `90s`, `1.5s`, `2m`, `1m30s`, `1h`."""
    raw = text.strip().lower()
    try:
        seconds = float(raw)
    except ValueError:
        match = _DURATION.fullmatch(raw)
        if not raw or not match or not any(match.groups()):
            raise StageError(f"{text!r} is not a duration (examples: 45s, 2m, 1m30s, 90)") from None
        hours, minutes, secs = match.groups()
        seconds = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs or 0)
    if not math.isfinite(seconds) or seconds <= 0:
        raise StageError(f"{text!r} is not a positive duration")
    return seconds


def format_duration(seconds: float) -> str:
    """`75.0` -> `1m15s`, the inverse of parse_duration for whole seconds."""
    total = round(seconds)
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"


@dataclass(frozen=True)
class Stage:
    rate: float  # requests per second for the whole test; 0 is a pause (the fleet is watched)
    seconds: float
    workers: int = 0  # hey -c
    worker_rate: float = 0.0  # hey -q: rate / workers

    @property
    def requests(self) -> int:
        return math.ceil(self.rate * self.seconds)

    def label(self) -> str:
        return f"{self.rate:g} rps for {format_duration(self.seconds)}"


def parse_stages(spec: str, default_seconds: float) -> list[Stage]:
    """`10:30s,100:2m,10` -> stages. Each item is RATE[:LENGTH]; LENGTH defaults to
    `default_seconds`. RATE is total requests per second and may be 0 (a pause)."""
    stages = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            raise StageError(f"empty stage in {spec!r} (write RATE[:LENGTH],RATE[:LENGTH]...)")
        rate_text, _, length_text = item.partition(":")
        try:
            rate = float(rate_text)
        except ValueError:
            raise StageError(f"stage {item!r}: {rate_text!r} is not a request rate") from None
        if not math.isfinite(rate) or rate < 0:
            raise StageError(f"stage {item!r}: the rate must be 0 or more requests per second")
        seconds = parse_duration(length_text) if length_text else default_seconds
        stages.append(Stage(rate=rate, seconds=seconds))
    return stages


def assign_workers(stages: list[Stage], worker_rate: float, max_workers: int) -> list[Stage]:
    """Choose hey's -c and -q for each stage (see the module docstring)."""
    planned = []
    for stage in stages:
        if stage.rate == 0:
            planned.append(stage)
            continue
        workers = min(max_workers, max(1, math.ceil(stage.rate / worker_rate - 1e-9)))
        planned.append(Stage(stage.rate, stage.seconds, workers, stage.rate / workers))
    return planned


def check_bounds(stages: list[Stage], max_requests: int, max_seconds: float) -> None:
    """Refuse a plan that would send more than `max_requests` or last more than `max_seconds`."""
    requests = sum(stage.requests for stage in stages)
    seconds = sum(stage.seconds for stage in stages)
    if requests > max_requests:
        raise StageError(
            f"the stages add up to {requests:,} requests, more than --max-requests {max_requests:,}"
        )
    if seconds > max_seconds:
        raise StageError(
            f"the stages last {format_duration(seconds)}, longer than --max-duration "
            f"{format_duration(max_seconds)}"
        )
