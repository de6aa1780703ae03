"""Build tests/loadtest/fixtures/scaling-run: a recorded run in which the fleet scales.

No real AWS fleet can be run from here, and the emulator does not scale anything, so the fixture
is simulated, deterministically (fixed seed), in the exact formats the load test and the observer
write. The simulation is shaped on how ECS behaves, not on how this project's code computes:

- load: hey's closed-loop workers (each sends, waits for the answer, then waits for its next
  tick), 4 rps, then 20 rps, then 4 rps, then a pause while the fleet scales back in;
- service: 2 tasks at first (scalable target min 2, max 6), each good for about 9 rps; above
  that, latency climbs and a few requests get 503 or no answer; target tracking on CPU asks for 4
  tasks about 75 s into the high stage; one new task fits on the running instance, the other
  waits for a second EC2 instance from the capacity provider;
- scale-in a minute after the load drops, one task at a time, each with a 502 while its target
  drains, then the spare instance is terminated;
- polls every 5 s from 15 s before the load, CloudWatch points per minute.

Run it from the repository root to regenerate: `python tests/loadtest/make_fixture.py`.
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "app"), str(ROOT)]

from scaleout.loadtest.results import Requests  # noqa: E402 - after the path is set

OUT = Path(__file__).resolve().parent / "fixtures" / "scaling-run"
T0 = 1_790_000_000.0  # the load's start, on the wall clock
STAGES = [(4, 60), (20, 150), (4, 60), (0, 240)]  # (rps, seconds)
WORKER_RATE = 5.0
PER_TASK_RPS = 9.0
POLL = 5.0
CLUSTER, SERVICE, ASG = "http-scale-out", "web", "http-scale-out-ecs"

# The fleet's story, in seconds since the load began: (t, desired, running, pending, instances).
FLEET = [
    (-15, 2, 2, 0, 1),
    (135.4, 4, 2, 2, 1),  # target tracking asks for 4 tasks
    (139.5, 4, 2, 2, 2),  # managed scaling launches a second instance
    (152, 4, 3, 1, 2),  # one task fits on the first instance
    (203, 4, 4, 0, 2),  # the second waits for a new instance (in service at 196)
    (329.6, 3, 3, 0, 2),  # scale-in, one task at a time
    (400.5, 2, 2, 0, 2),
    (453, 2, 2, 0, 1),  # the spare instance goes
]
INSTANCE_IN_SERVICE = 196.0


def fleet_at(t: float) -> tuple[int, int, int, int]:
    state = FLEET[0][1:]
    for row in FLEET:
        if row[0] <= t:
            state = row[1:]
    return state


def latency_ms(rng: random.Random, t: float, rate: float) -> float | None:
    """One request's latency, or None when it got no answer."""
    running = fleet_at(t)[1]
    load = rate / (running * PER_TASK_RPS)
    base = rng.lognormvariate(math.log(9.0), 0.35)
    if load <= 0.8:
        return base
    # Past saturation a queue builds for as long as it lasts: latency grows with time spent there.
    overloaded_for = max(0.0, t - 60.0) if load > 1 else 0.0
    queue = 40.0 * (load - 0.8) / 0.2 + min(overloaded_for, 100.0) * 4.0
    if load > 1 and rng.random() < 0.004:
        return None
    return base + rng.expovariate(1.0 / queue)


def status_for(rng: random.Random, t: float, rate: float) -> int:
    running = fleet_at(t)[1]
    if rate / (running * PER_TASK_RPS) > 1 and rng.random() < 0.03:
        return 503
    if any(abs(t - drain) < 2.0 for drain in (331.0, 402.0)) and rng.random() < 0.5:
        return 502
    return 200


def requests() -> tuple[list[tuple[float, float, int, int]], list[dict]]:
    rng = random.Random(6)
    rows, stages, start = [], [], 0.0
    for index, (rate, seconds) in enumerate(STAGES, start=1):
        end = start + seconds
        workers = max(1, math.ceil(rate / WORKER_RATE)) if rate else 0
        q = rate / workers if workers else 0.0
        for worker in range(workers):
            tick = start + (worker + 1) * 0.013  # workers start a few ms apart
            while True:
                tick += 1.0 / q
                if tick >= end:
                    break
                latency = latency_ms(rng, tick, rate)
                status = 0 if latency is None else status_for(rng, tick, rate)
                if status == 0:
                    latency = math.nan
                    busy = 10.0  # hey's timeout
                else:
                    busy = latency / 1000
                rows.append((round(tick, 4), round(latency, 1), status, index))
                # A closed-loop worker: the next tick after the answer came back.
                if busy > 1.0 / q:
                    tick += math.floor(busy * q) / q
        planned = sum(1 for row in rows if row[3] == index)
        stages.append(
            {
                "index": index,
                "rate": float(rate),
                "seconds": float(seconds),
                "workers": workers,
                "worker_rate": round(q, 6),
                "start": start,
                "end": end,
                "batches": math.ceil(seconds) if rate else 0,
                "planned": planned,
                "stopped_batches": 0,
            }
        )
        start = end
    return rows, stages


def fleet_records(length: float) -> list[dict]:
    records = []

    def add(t: float, kind: str, **fields) -> None:
        records.append({"ts": round(T0 + t, 3), "kind": kind, **fields})

    add(-15.2, "start", cluster=CLUSTER, service=SERVICE, interval=POLL, metrics_interval=30.0)
    add(
        -15.0,
        "discovered",
        resource_id=f"service/{CLUSTER}/{SERVICE}",
        scalable_target={"min": 2, "max": 6},
        auto_scaling_groups=[ASG],
        target_group="targetgroup/http-scale-out/0123456789abcdef",  # pragma: allowlist secret
        load_balancer="app/http-scale-out/fedcba9876543210",
    )
    events = [
        (
            135.4,
            "application-autoscaling",
            "Setting desired count to 4.",
            "Successful",
            "monitor alarm TargetTracking-service/http-scale-out/web-AlarmHigh in state ALARM "
            "triggered policy cpu80",
        ),
        (137.0, "ecs", "(service web) has started 1 tasks: (task 5b1c0e).", None, None),
        (
            139.0,
            "autoscaling",
            "Launching a new EC2 instance: i-0a1b2c3d4e5f60718",
            "Successful",
            "capacity provider managed scaling raised the desired capacity from 1 to 2",
        ),
        (198.0, "ecs", "(service web) has started 1 tasks: (task 9e2f47).", None, None),
        (214.0, "ecs", "(service web) has reached a steady state.", None, None),
        (
            329.6,
            "application-autoscaling",
            "Setting desired count to 3.",
            "Successful",
            "monitor alarm TargetTracking-service/http-scale-out/web-AlarmLow in state ALARM "
            "triggered policy cpu80",
        ),
        (331.0, "ecs", "(service web) has stopped 1 running tasks: (task 9e2f47).", None, None),
        (
            400.5,
            "application-autoscaling",
            "Setting desired count to 2.",
            "Successful",
            "monitor alarm TargetTracking-service/http-scale-out/web-AlarmLow in state ALARM "
            "triggered policy cpu80",
        ),
        (402.0, "ecs", "(service web) has stopped 1 running tasks: (task 5b1c0e).", None, None),
        (
            451.0,
            "autoscaling",
            "Terminating EC2 instance: i-0a1b2c3d4e5f60718",
            "Successful",
            "capacity provider managed scaling lowered the desired capacity from 2 to 1",
        ),
    ]
    pending_events = sorted(events)
    t = -15.0
    while t <= length + 1e-9:
        while pending_events and pending_events[0][0] <= t:
            at, source, message, status, cause = pending_events.pop(0)
            extra = (
                {"status": status, "cause": cause, "end": round(T0 + at + 20, 3)} if status else {}
            )
            add(
                t,
                "event",
                source=source,
                id=f"{source}-{int(at)}",
                at=round(T0 + at, 3),
                message=message,
                **extra,
            )
        desired, running, pending, instances = fleet_at(t)
        if instances == 2 and t < INSTANCE_IN_SERVICE:
            asg = {"in_service": 1, "pending": 1, "desired": 2}
        else:
            asg = {"in_service": instances, "pending": 0, "desired": instances}
        add(
            t + 0.2,
            "sample",
            service={
                "desired": desired,
                "running": running,
                "pending": pending,
                "deployments": [
                    {
                        "id": "ecs-svc/4471829461",
                        "status": "PRIMARY",
                        "rollout": "COMPLETED",
                        "task_definition": "web:7",
                        "desired": desired,
                        "running": running,
                        "pending": pending,
                        "failed": 0,
                    }
                ],
            },
            asg={
                "names": [ASG],
                "min": 1,
                "max": 4,
                "terminating": 0,
                "total": asg["in_service"] + asg["pending"],
                **asg,
            },
            cluster={
                "registered_instances": asg["in_service"],
                "running_tasks": running,
                "pending_tasks": pending,
            },
            missing=[],
        )
        t += POLL
    # CloudWatch: one point per minute (stamped at the minute's start), as read 30 s apart.
    for minute in range(-1, math.ceil(length / 60)):
        start = minute * 60.0
        rate = next((r for r, s, e in _stage_windows() if s <= start + 30 < e), 0.0)
        running = fleet_at(start + 30)[1]
        cpu = min(98.0, 6.0 + 88.0 * rate / (running * PER_TASK_RPS))
        point_time = T0 + start
        seen = T0 + start + 90  # published a little after the minute ends
        add(seen, "metric", name="cpu", at=point_time, value=round(cpu, 2), unit="Percent")
        add(
            seen,
            "metric",
            name="requests_per_target",
            at=point_time,
            value=round(rate * 60 / running, 1),
            unit="Count",
        )
        if rate:
            response = 0.009 + (0.25 if rate / (running * PER_TASK_RPS) > 1 else 0.0)
            add(
                seen,
                "metric",
                name="target_response_time",
                at=point_time,
                value=response,
                unit="Seconds",
            )
    add(length + 0.4, "stop", polls=0, samples=0)
    records.sort(key=lambda r: r["ts"])
    polls = sum(1 for r in records if r["kind"] == "sample")
    records[-1].update(polls=polls, samples=polls)
    return records


def _stage_windows() -> list[tuple[float, float, float]]:
    windows, start = [], 0.0
    for rate, seconds in STAGES:
        windows.append((float(rate), start, start + seconds))
        start += seconds
    return windows


def main() -> None:
    rows, stages = requests()
    length = sum(seconds for _, seconds in STAGES)
    OUT.mkdir(parents=True, exist_ok=True)
    Requests.from_rows(rows).write(OUT / "requests.csv.gz")
    run = {
        "tool": "scaleout.loadtest",
        "format": 1,
        "run_id": "fixture",
        "url": "http://web-alb-1234567890.eu-west-1.elb.amazonaws.com/api",
        "method": "GET",
        "started": T0,
        "ended": T0 + length,
        "outcome": "completed",
        "failure": "",
        "planned_stages": [
            {
                "rate": s["rate"],
                "seconds": s["seconds"],
                "workers": s["workers"],
                "worker_rate": s["worker_rate"],
            }
            for s in stages
        ],
        "stages": stages,
        "hey": {
            "path": "/usr/bin/hey",
            "timeout": 10.0,
            "batch_seconds": 1.0,
            "worker_rate": WORKER_RATE,
            "max_workers": 500,
        },
        "checks": {"max_error_percent": 1.0},
        "fleet": {"cluster": CLUSTER, "service": SERVICE, "file": "fleet.jsonl", "missing": {}},
    }
    (OUT / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    with (OUT / "fleet.jsonl").open("w") as handle:
        for record in fleet_records(length):
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}: {len(rows)} requests")


if __name__ == "__main__":
    main()
