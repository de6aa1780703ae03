"""Drive the stages: back-to-back hey runs of about a second each, and a progress line a second.

Why short runs rather than one hey per stage: hey says nothing until it exits, so one run per
stage would leave the operator blind (no live rate, no error count) and would lose a whole stage
to a hard kill. Each run is planned on a fixed grid of `batch_seconds` from the stage's start:
it is given the requests that bring the stage's total to rate x elapsed at the next grid point,
paced to end there, so start-up gaps between runs are made up and the stage's average rate
stays on target. A shortfall is made up only a little (at most 25 % above the stage's pace), so
that a server that cannot keep up sees the rate it was asked for, not a growing backlog.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from . import hey
from .results import Requests
from .stages import Stage, format_duration

CATCH_UP = 1.25


@dataclass
class Stopper:
    """Ctrl-C once: stop after hey hands over what it measured; twice: kill hey at once."""

    presses: int = 0
    event: threading.Event = field(default_factory=threading.Event)

    def press(self) -> None:
        self.presses += 1
        self.event.set()

    @property
    def requested(self) -> bool:
        return self.presses > 0


@dataclass
class Live:
    """What the progress line shows, updated by the load loop."""

    stage: int = 0
    stage_count: int = 0
    rate: float = 0.0
    stage_rate: float = 0.0  # target
    last_rate: float = math.nan
    last_p95: float = math.nan
    errors: int = 0
    stage_errors: int = 0
    requests: int = 0
    running: bool = True


@dataclass
class Outcome:
    started: float
    ended: float = 0.0
    stages: list[dict] = field(default_factory=list)
    batches: list[hey.Batch] = field(default_factory=list)
    interrupted: bool = False
    failure: str = ""  # hey could not run at all

    def requests(self) -> Requests:
        rows: list[tuple[float, float, int, int]] = []
        for batch in self.batches:
            rows += [
                (start - self.started, latency * 1000, status, batch.stage)
                for start, latency, status in batch.rows
            ]
            # hey does not say when the failed requests were sent: put them mid-run.
            middle = (batch.started + batch.ended) / 2 - self.started
            rows += [(middle, math.nan, 0, batch.stage)] * batch.no_response
        return Requests.from_rows(rows)


class LoadRun:
    def __init__(
        self,
        url: str,
        stages: Sequence[Stage],
        hey_path: str,
        timeout: float,
        batch_seconds: float = 1.0,
        headers: Sequence[str] = (),
        method: str = "GET",
        run_id: str = "",
        progress: TextIO | None = sys.stderr,
    ) -> None:
        self.url = url
        self.stages = list(stages)
        self.hey_path = hey_path
        self.timeout = timeout
        self.batch_seconds = batch_seconds
        self.headers = list(headers)
        self.method = method
        self.run_id = run_id
        self.progress = progress
        self.stopper = Stopper()
        self.live = Live(stage_count=len(self.stages))
        self.total_seconds = sum(stage.seconds for stage in self.stages)

    def run(self) -> Outcome:
        outcome = Outcome(started=time.time())
        ticker = threading.Thread(target=self._tick, args=(outcome,), name="progress", daemon=True)
        ticker.start()
        try:
            for index, stage in enumerate(self.stages, start=1):
                if self.stopper.requested or outcome.failure:
                    break
                self._run_stage(index, stage, outcome)
        finally:
            outcome.ended = time.time()
            outcome.interrupted = self.stopper.requested
            self.live.running = False
            ticker.join(timeout=2)
        return outcome

    def _run_stage(self, index: int, stage: Stage, outcome: Outcome) -> None:
        start = time.time()
        end = start + stage.seconds
        record = {
            "index": index,
            "rate": stage.rate,
            "seconds": stage.seconds,
            "workers": stage.workers,
            "worker_rate": round(stage.worker_rate, 6),
            "start": start - outcome.started,
            "end": start - outcome.started,
            "batches": 0,
            "planned": 0,
            "stopped_batches": 0,
        }
        outcome.stages.append(record)
        live = self.live
        live.stage, live.stage_rate, live.stage_errors = index, stage.rate, 0
        live.last_rate, live.last_p95 = math.nan, math.nan
        # Requests carry the run and stage in X-Request-Id, which the service logs: its access
        # log can then be matched to the stage that sent each request.
        tag = f"X-Request-Id: loadtest-{self.run_id}-s{index}" if self.run_id else ""
        headers = [*self.headers, tag] if tag else self.headers
        sent = 0
        while not self.stopper.requested:
            now = time.time()
            if now >= end - 0.01:
                break
            step = self.batch_seconds
            grid = start + (math.floor((now - start) / step) + 1) * step
            if grid - now < step / 2:
                grid += step
            until = min(grid, end)
            if stage.rate == 0:
                self.stopper.event.wait(until - now)
                continue
            span = until - now
            per_worker = round((stage.rate * (until - start) - sent) / stage.workers)
            per_worker = max(0, min(per_worker, math.ceil(stage.worker_rate * span * CATCH_UP)))
            if per_worker == 0:
                self.stopper.event.wait(span)
                continue
            planned = per_worker * stage.workers
            cmd = hey.command(
                self.hey_path,
                self.url,
                planned,
                stage.workers,
                per_worker / span,
                self.timeout,
                headers,
                self.method,
            )
            soft = end + self.timeout
            batch = hey.run(
                cmd,
                index,
                planned,
                soft,
                soft + self.timeout + 5,
                lambda: self.stopper.requested,
                lambda: self.stopper.presses > 1,
            )
            if batch.error:
                outcome.failure = batch.error
                break
            sent += planned
            outcome.batches.append(batch)
            record["batches"] += 1
            record["planned"] += planned
            record["stopped_batches"] += int(batch.stopped)
            self._update_live(batch)
        record["end"] = time.time() - outcome.started

    def _update_live(self, batch: hey.Batch) -> None:
        errors = batch.no_response + sum(1 for row in batch.rows if row[2] >= 400)
        live = self.live
        live.errors += errors
        live.stage_errors += errors
        done = len(batch.rows) + batch.no_response
        live.requests += done
        live.last_rate = done / max(1e-3, batch.ended - batch.started)
        latencies = sorted(row[1] * 1000 for row in batch.rows)
        live.last_p95 = (
            latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)] if latencies else math.nan
        )

    def _tick(self, outcome: Outcome) -> None:
        if self.progress is None:
            return
        while self.live.running and not self.stopper.event.wait(1.0):
            self._print_line(time.time() - outcome.started)
        if self.stopper.requested and self.live.running:
            print(
                "loadtest: stopping: waiting for hey to hand over what it measured "
                "(Ctrl-C again to stop at once)",
                file=self.progress,
                flush=True,
            )

    def _print_line(self, elapsed: float) -> None:
        live = self.live
        left = max(0.0, self.total_seconds - elapsed)
        rate = "-" if math.isnan(live.last_rate) else f"{live.last_rate:.1f}/s"
        p95 = "-" if math.isnan(live.last_p95) else f"{live.last_p95:.1f} ms"
        print(
            f"loadtest: stage {live.stage}/{live.stage_count} ({live.stage_rate:g} rps)  "
            f"{format_duration(elapsed)} elapsed, {format_duration(left)} left  "
            f"rate {rate}  p95 {p95}  requests {live.requests}  "
            f"errors {live.errors} ({live.stage_errors} this stage)",
            file=self.progress,
            flush=True,
        )
