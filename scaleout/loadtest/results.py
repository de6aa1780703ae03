"""What a run measured, on disk and in figures: shared by the load test and the report.

A run folder holds:
  run.json          the plan, each stage's window and hey's settings, the outcome
  requests.csv.gz   one row per request, merged from hey's CSV output: t (request start, seconds
                    since the run started), latency_ms (empty: no response), status (0: no
                    response, i.e. connection error or timeout), stage (1-based)
  seconds.csv       per second of the run: requests answered, errors, p50/p95/p99 latency
  fleet.jsonl       the fleet observer's records (when a cluster and service were given)
  summary.md, timeline.png   the report

Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at rank
ceil(p/100 * n), so every figure is a latency that some request really had.
An error is a request with no response or with an HTTP status of 400 or more.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RUN_FILE = "run.json"
REQUESTS_FILE = "requests.csv.gz"
SECONDS_FILE = "seconds.csv"
FLEET_FILE = "fleet.jsonl"
SUMMARY_FILE = "summary.md"
TIMELINE_FILE = "timeline.png"
REQUEST_COLUMNS = ["t", "latency_ms", "status", "stage"]


def nearest_rank(sorted_values: np.ndarray, percent: float) -> float:
    """The nearest-rank percentile of already sorted values (nan when there are none)."""
    n = len(sorted_values)
    if n == 0:
        return math.nan
    rank = max(1, math.ceil(percent / 100 * n))
    return float(sorted_values[rank - 1])


@dataclass
class Requests:
    """Every request of a run as parallel arrays (latency nan where there was no response)."""

    t: np.ndarray
    latency_ms: np.ndarray
    status: np.ndarray
    stage: np.ndarray

    @classmethod
    def empty(cls) -> Requests:
        return cls(np.zeros(0), np.zeros(0), np.zeros(0, dtype=int), np.zeros(0, dtype=int))

    @classmethod
    def from_rows(cls, rows: list[tuple[float, float, int, int]]) -> Requests:
        """Rows of (t, latency ms or nan, status, stage)."""
        if not rows:
            return cls.empty()
        t, latency, status, stage = zip(*rows, strict=True)
        return cls(
            np.array(t, dtype=float),
            np.array(latency, dtype=float),
            np.array(status, dtype=int),
            np.array(stage, dtype=int),
        )

    def __len__(self) -> int:
        return len(self.t)

    @property
    def answered(self) -> np.ndarray:
        return self.status > 0

    @property
    def errors(self) -> np.ndarray:
        return (self.status == 0) | (self.status >= 400)

    @property
    def done(self) -> np.ndarray:
        """When each request ended: start plus latency (start alone without a response)."""
        return self.t + np.where(np.isnan(self.latency_ms), 0.0, self.latency_ms) / 1000

    def select(self, mask: np.ndarray) -> Requests:
        return Requests(self.t[mask], self.latency_ms[mask], self.status[mask], self.stage[mask])

    def write(self, path: Path) -> None:
        order = np.argsort(self.t, kind="stable")
        # mtime=0: the same requests make the same bytes (fixtures, artifact diffs).
        with (
            path.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
            io.TextIOWrapper(packed, newline="") as handle,
        ):
            out = csv.writer(handle)
            out.writerow(REQUEST_COLUMNS)
            for i in order:
                latency = "" if math.isnan(self.latency_ms[i]) else f"{self.latency_ms[i]:.1f}"
                out.writerow([f"{self.t[i]:.4f}", latency, int(self.status[i]), int(self.stage[i])])

    @classmethod
    def read(cls, path: Path) -> Requests:
        rows = []
        with gzip.open(path, "rt", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header != REQUEST_COLUMNS:
                raise ValueError(f"{path}: expected columns {','.join(REQUEST_COLUMNS)}")
            for t, latency, status, stage in reader:
                rows.append(
                    (float(t), float(latency) if latency else math.nan, int(status), int(stage))
                )
        return cls.from_rows(rows)


def latency_figures(latency_ms: np.ndarray) -> dict[str, float]:
    values = np.sort(latency_ms[~np.isnan(latency_ms)])
    return {f"p{p}": nearest_rank(values, p) for p in (50, 95, 99)}


def error_kinds(status: np.ndarray) -> dict[str, int]:
    """Errors by kind: `no response`, or the HTTP status code."""
    kinds: dict[str, int] = {}
    for code in status[(status == 0) | (status >= 400)]:
        key = "no response" if code == 0 else str(int(code))
        kinds[key] = kinds.get(key, 0) + 1
    return dict(sorted(kinds.items()))


def stage_figures(requests: Requests, stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per stage of run.json: target and achieved rate, requests, errors, latency percentiles.
    The achieved rate is the requests the stage sent over the time the stage really lasted."""
    figures = []
    for stage in stages:
        mine = requests.select(requests.stage == stage["index"])
        length = max(1e-9, stage["end"] - stage["start"])
        figures.append(
            {
                "index": stage["index"],
                "target_rate": stage["rate"],
                "seconds": stage["end"] - stage["start"],
                "requests": len(mine),
                "achieved_rate": len(mine) / length,
                "errors": int(mine.errors.sum()),
                "error_kinds": error_kinds(mine.status),
                **latency_figures(mine.latency_ms),
            }
        )
    return figures


def per_second(requests: Requests, seconds: float, bucket: float = 1.0) -> dict[str, np.ndarray]:
    """Figures per `bucket` seconds over [0, seconds): requests that ended in each bucket, errors
    among them, and their latency percentiles (nan for a bucket with no response)."""
    count = max(1, math.ceil(seconds / bucket))
    second = np.floor(requests.done / bucket).astype(int)
    keep = (second >= 0) & (second < count)
    second, subset = second[keep], requests.select(keep)
    answered = np.bincount(second, minlength=count)
    errors = np.bincount(second[subset.errors], minlength=count)
    p50, p95, p99 = (np.full(count, math.nan) for _ in range(3))
    order = np.argsort(second, kind="stable")
    bounds = np.searchsorted(second[order], np.arange(count + 1))
    for s in range(count):
        chunk = subset.latency_ms[order[bounds[s] : bounds[s + 1]]]
        figures = latency_figures(chunk)
        p50[s], p95[s], p99[s] = figures["p50"], figures["p95"], figures["p99"]
    return {
        "t": np.arange(count, dtype=float) * bucket,
        "requests": answered,
        "errors": errors,
        "p50": p50,
        "p95": p95,
        "p99": p99,
    }


def write_seconds(path: Path, table: dict[str, np.ndarray]) -> None:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["second", "requests", "errors", "p50_ms", "p95_ms", "p99_ms"])
        for i in range(len(table["t"])):
            out.writerow(
                [
                    int(table["t"][i]),
                    int(table["requests"][i]),
                    int(table["errors"][i]),
                    *(
                        "" if math.isnan(table[k][i]) else f"{table[k][i]:.1f}"
                        for k in ("p50", "p95", "p99")
                    ),
                ]
            )


def read_run(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / RUN_FILE).read_text())


def read_fleet(path: Path) -> list[dict[str, Any]]:
    """The observer's records; a last line cut short by a kill is skipped."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records
