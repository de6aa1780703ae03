"""`python -m scaleout.loadtest.observe`: watch an ECS service scale, into a JSON Lines file.

Every few seconds it records the service's desired/running/pending task counts and its
deployments, new service events, Application Auto Scaling activities, the Auto Scaling group's
instances (EC2 capacity) and, less often, CloudWatch metrics: the service's CPU and the ALB's
RequestCountPerTarget, TargetResponseTime and 5xx counts. Each record has `ts`, the wall clock
(time.time()) of this machine, the same clock the load test stamps requests with; times that AWS
reports (event and metric times) are kept in `at`, on AWS's clock.

A piece that does not exist or cannot be read (no Auto Scaling group under Fargate, an API the
emulator lacks, no metrics in the emulator, a denied call) is recorded once as
{"kind": "missing", "piece": ..., "reason": ...}, and the observation goes on without it.

Record kinds: start, discovered, sample, event, metric, missing, available, stop.
Exit codes: 0 observed, 1 the service could never be read, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

# CloudWatch metrics read, as (name, namespace, metric, statistic, unit, dimension source).
ECS_METRICS = [("cpu", "AWS/ECS", "CPUUtilization", "Average", "Percent")]
ALB_METRICS = [
    ("requests_per_target", "AWS/ApplicationELB", "RequestCountPerTarget", "Sum", "Count"),
    ("target_response_time", "AWS/ApplicationELB", "TargetResponseTime", "Average", "Seconds"),
    ("target_5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", "Count"),
    ("elb_5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", "Count"),
]
METRIC_PERIOD = 60  # ECS service and ALB metrics are published per minute
METRIC_LOOKBACK = 600
_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _epoch(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


class Absent(LookupError):
    """A piece that is not there (no ASG, no datapoints): said in the record, not an error."""


def _reason(exc: Exception) -> str:
    if isinstance(exc, LookupError):
        return str(exc)
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        message = str(error.get("Message", ""))
        title = _HTML_TITLE.search(message)
        if title:  # an HTML error page (the emulator's answer to an API it lacks)
            message = f"{title.group(1).strip()} (an HTML error page)"
        return f"{error.get('Code', 'Error')}: {message[:300]}".strip()
    return f"{type(exc).__name__}: {exc}"


class FleetObserver:
    """Polls one ECS service and what scales it; writes records to a JSON Lines file."""

    def __init__(
        self,
        cluster: str,
        service: str,
        out: Path,
        clients: Callable[[str], Any],
        interval: float = 5.0,
        metrics_interval: float = 30.0,
        asg_names: list[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cluster = cluster
        self.service = service
        self.out = Path(out)
        self.clients = clients
        self.interval = interval
        self.metrics_interval = metrics_interval
        self.asg_names = asg_names
        self.clock = clock
        self.resource_id = f"service/{cluster}/{service}"
        self.discovered = False
        self.min_capacity: int | None = None
        self.target_group = ""
        self.load_balancer = ""
        self.latest: dict[str, Any] | None = None
        self.polls = 0
        self.samples = 0
        self._missing: dict[str, str] = {}
        self._failures: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}
        self._final = False
        self._seen: set[tuple] = set()
        self._metric_values: dict[tuple[str, float], float] = {}
        self._last_metrics = -1e18
        self._started = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handle = None

    # Recording

    def _write(self, kind: str, **fields: Any) -> None:
        record = {"ts": round(self.clock(), 3), "kind": kind, **fields}
        self._handle.write(json.dumps(record, default=str, separators=(",", ":")) + "\n")
        self._handle.flush()

    def _missing_piece(self, piece: str, reason: str) -> None:
        if self._missing.get(piece) != reason:
            self._missing[piece] = reason
            self._write("missing", piece=piece, reason=reason)

    def _available(self, piece: str) -> None:
        if self._missing.pop(piece, None) is not None:
            self._write("available", piece=piece)

    def _guard(self, piece: str, read: Callable[[], Any]) -> Any:
        """Run one read; a failure becomes a `missing` record instead of an exception, because
        one absent piece must not end the observation of the others. A piece that keeps
        failing is asked for less often (up to once a minute): a denied or unimplemented call
        will not start working, and asking costs a poll's time."""
        if self.clock() < self._retry_at.get(piece, 0.0):
            return None
        if self._final and self._failures.get(piece):
            return None  # the last look at stop: do not wait on a piece that has been failing
        try:
            result = read()
        except Exception as exc:  # noqa: BLE001 - recorded, and the poll goes on
            self._missing_piece(piece, _reason(exc))
            if not isinstance(exc, LookupError):
                failures = self._failures[piece] = self._failures.get(piece, 0) + 1
                self._retry_at[piece] = self.clock() + min(60.0, self.interval * 2**failures)
            return None
        self._failures.pop(piece, None)
        self._available(piece)
        return result

    # Polling

    def poll(self) -> None:
        self.polls += 1
        if not self.discovered:
            self._guard("discovery", self._discover)
        service = self._guard("service", self._service)
        asg = self._guard("auto_scaling_group", self._asg) if self.asg_names else None
        cluster = self._guard("cluster", self._cluster)
        self._guard("scaling_activities", self._scaling_activities)
        if self.asg_names:
            self._guard("auto_scaling_group_activities", self._asg_activities)
        if self.clock() - self._last_metrics >= self.metrics_interval:
            self._last_metrics = self.clock()
            self._guard("metrics", self._metrics)
        if service is not None:
            self.samples += 1
            self.latest = {"service": service, "asg": asg, "cluster": cluster}
            self._write(
                "sample", service=service, asg=asg, cluster=cluster, missing=sorted(self._missing)
            )

    def _describe_service(self) -> dict[str, Any]:
        response = self.clients("ecs").describe_services(
            cluster=self.cluster, services=[self.service]
        )
        services = [s for s in response.get("services", []) if s.get("status") != "INACTIVE"]
        if not services:
            failures = response.get("failures") or [{"reason": "not found"}]
            raise LookupError(
                f"service {self.service} in cluster {self.cluster}: "
                f"{failures[0].get('reason', 'not found')}"
            )
        return services[0]

    def _discover(self) -> None:
        """Find what scales the service: its scalable target, the cluster's Auto Scaling
        groups, its target group and load balancer. Each is looked for on its own, so that one
        the account lacks (or the emulator cannot describe) leaves the others found."""
        service = self._describe_service()  # raises until the service exists
        found: dict[str, Any] = {"resource_id": self.resource_id}
        target = self._guard("scalable_target", self._scalable_target)
        found["scalable_target"] = target
        if self.asg_names is None:
            self.asg_names = self._guard("auto_scaling_group", self._cluster_asgs) or []
            if not self.asg_names and "auto_scaling_group" not in self._missing:
                self._missing_piece(
                    "auto_scaling_group",
                    "no EC2 capacity provider with an Auto "
                    "Scaling group on the cluster (Fargate, or none set up)",
                )
        found["auto_scaling_groups"] = self.asg_names
        balancers = [lb for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")]
        if balancers:
            self._guard("load_balancer", lambda: self._balancer(balancers[0]["targetGroupArn"]))
        else:
            self._missing_piece("load_balancer", "the service has no target group")
        found["target_group"] = self.target_group or None
        found["load_balancer"] = self.load_balancer or None
        self.discovered = True
        self._write("discovered", **found)

    def _scalable_target(self) -> dict[str, Any] | None:
        targets = (
            self.clients("application-autoscaling")
            .describe_scalable_targets(
                ServiceNamespace="ecs",
                ResourceIds=[self.resource_id],
                ScalableDimension="ecs:service:DesiredCount",
            )
            .get("ScalableTargets", [])
        )
        if not targets:
            raise Absent("the service has no Application Auto Scaling target")
        self.min_capacity = int(targets[0]["MinCapacity"])
        return {"min": targets[0]["MinCapacity"], "max": targets[0]["MaxCapacity"]}

    def _balancer(self, target_group_arn: str) -> None:
        self.target_group = target_group_arn.split(":")[-1]
        groups = self.clients("elbv2").describe_target_groups(TargetGroupArns=[target_group_arn])[
            "TargetGroups"
        ]
        lb_arns = groups[0].get("LoadBalancerArns", []) if groups else []
        if not lb_arns:
            raise Absent(f"target group {self.target_group} is behind no load balancer")
        self.load_balancer = lb_arns[0].split(":loadbalancer/")[-1]

    def _cluster_asgs(self) -> list[str]:
        ecs = self.clients("ecs")
        clusters = ecs.describe_clusters(clusters=[self.cluster]).get("clusters", [])
        names = clusters[0].get("capacityProviders", []) if clusters else []
        names = [n for n in names if n not in {"FARGATE", "FARGATE_SPOT"}]
        if not names:
            return []
        providers = ecs.describe_capacity_providers(capacityProviders=names).get(
            "capacityProviders", []
        )
        asgs = []
        for provider in providers:
            arn = provider.get("autoScalingGroupProvider", {}).get("autoScalingGroupArn", "")
            if arn:
                asgs.append(arn.split("autoScalingGroupName/")[-1])
        return asgs

    def _service(self) -> dict[str, Any]:
        service = self._describe_service()
        for event in reversed(service.get("events", [])):
            at = _epoch(event.get("createdAt"))
            if at is not None and at < self._started - METRIC_LOOKBACK:
                continue
            self._event("ecs", event.get("id", ""), at, event.get("message", ""))
        return {
            "desired": service.get("desiredCount"),
            "running": service.get("runningCount"),
            "pending": service.get("pendingCount"),
            "deployments": [
                {
                    "id": d.get("id"),
                    "status": d.get("status"),
                    "rollout": d.get("rolloutState"),
                    "task_definition": (d.get("taskDefinition") or "").split("/")[-1],
                    "desired": d.get("desiredCount"),
                    "running": d.get("runningCount"),
                    "pending": d.get("pendingCount"),
                    "failed": d.get("failedTasks"),
                }
                for d in service.get("deployments", [])
            ],
        }

    def _event(
        self, source: str, event_id: str, at: float | None, message: str, **extra: Any
    ) -> None:
        key = (source, event_id, extra.get("status"))
        if key in self._seen:
            return
        self._seen.add(key)
        self._write("event", source=source, id=event_id, at=at, message=message, **extra)

    def _scaling_activities(self) -> None:
        response = self.clients("application-autoscaling").describe_scaling_activities(
            ServiceNamespace="ecs",
            ResourceId=self.resource_id,
            ScalableDimension="ecs:service:DesiredCount",
            MaxResults=50,
        )
        self._activities("application-autoscaling", response.get("ScalingActivities", []))

    def _activities(self, source: str, activities: list[dict[str, Any]]) -> None:
        """Record scaling activities (Application Auto Scaling's and EC2 Auto Scaling's share
        these fields), oldest first, skipping those from well before the run."""
        for activity in reversed(activities):
            at = _epoch(activity.get("StartTime"))
            if at is not None and at < self._started - METRIC_LOOKBACK:
                continue
            self._event(
                source,
                activity.get("ActivityId", ""),
                at,
                activity.get("Description", ""),
                status=activity.get("StatusCode"),
                cause=activity.get("Cause", ""),
                end=_epoch(activity.get("EndTime")),
            )

    def _asg(self) -> dict[str, Any]:
        groups = (
            self.clients("autoscaling")
            .describe_auto_scaling_groups(AutoScalingGroupNames=self.asg_names)
            .get("AutoScalingGroups", [])
        )
        if not groups:
            raise Absent(f"Auto Scaling group {', '.join(self.asg_names)} not found")
        states: dict[str, int] = {}
        for group in groups:
            for instance in group.get("Instances", []):
                state = instance.get("LifecycleState", "")
                states[state] = states.get(state, 0) + 1
        return {
            "names": [g["AutoScalingGroupName"] for g in groups],
            "desired": sum(g.get("DesiredCapacity", 0) for g in groups),
            "min": sum(g.get("MinSize", 0) for g in groups),
            "max": sum(g.get("MaxSize", 0) for g in groups),
            "in_service": states.get("InService", 0),
            "pending": sum(n for s, n in states.items() if s.startswith("Pending")),
            "terminating": sum(n for s, n in states.items() if s.startswith("Terminating")),
            "total": sum(states.values()),
        }

    def _asg_activities(self) -> None:
        autoscaling = self.clients("autoscaling")
        for name in self.asg_names:
            response = autoscaling.describe_scaling_activities(
                AutoScalingGroupName=name, MaxRecords=20
            )
            self._activities("autoscaling", response.get("Activities", []))

    def _cluster(self) -> dict[str, Any]:
        clusters = (
            self.clients("ecs").describe_clusters(clusters=[self.cluster]).get("clusters", [])
        )
        if not clusters:
            raise Absent(f"cluster {self.cluster} not found")
        c = clusters[0]
        return {
            "registered_instances": c.get("registeredContainerInstancesCount"),
            "running_tasks": c.get("runningTasksCount"),
            "pending_tasks": c.get("pendingTasksCount"),
        }

    def _metrics(self) -> None:
        queries = []
        ecs_dims = [
            {"Name": "ClusterName", "Value": self.cluster},
            {"Name": "ServiceName", "Value": self.service},
        ]
        wanted = [(m, ecs_dims) for m in ECS_METRICS]
        if self.target_group and self.load_balancer:
            alb_dims = [
                {"Name": "TargetGroup", "Value": self.target_group},
                {"Name": "LoadBalancer", "Value": self.load_balancer},
            ]
            wanted += [(m, alb_dims) for m in ALB_METRICS]
        units = {}
        for (name, namespace, metric, stat, unit), dims in wanted:
            units[name] = unit
            queries.append(
                {
                    "Id": name,
                    "ReturnData": True,
                    "MetricStat": {
                        "Metric": {
                            "Namespace": namespace,
                            "MetricName": metric,
                            "Dimensions": dims,
                        },
                        "Period": METRIC_PERIOD,
                        "Stat": stat,
                    },
                }
            )
        now = datetime.fromtimestamp(self.clock()).astimezone()
        start = datetime.fromtimestamp(
            min(self._started, self.clock()) - METRIC_LOOKBACK
        ).astimezone()
        results = (
            self.clients("cloudwatch")
            .get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=now)
            .get("MetricDataResults", [])
        )
        points = 0
        for result in results:
            for at, value in zip(
                result.get("Timestamps", []), result.get("Values", []), strict=False
            ):
                points += 1
                key = (result["Id"], _epoch(at))
                if self._metric_values.get(key) == value:
                    continue
                self._metric_values[key] = value
                self._write(
                    "metric",
                    name=result["Id"],
                    at=key[1],
                    value=value,
                    unit=units.get(result["Id"], ""),
                )
        if points == 0:
            # Not an error: new metrics take minutes to appear, and the emulator has none.
            raise Absent(
                "CloudWatch has no datapoints for these metrics yet"
                + ("" if self.load_balancer else " (and no ALB to read)")
            )

    # Running

    def run(self, duration: float | None = None) -> None:
        """Poll until stop() or `duration` seconds; the file is closed at the end."""
        self._started = self.clock()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        with self.out.open("a") as self._handle:
            self._write(
                "start",
                cluster=self.cluster,
                service=self.service,
                interval=self.interval,
                metrics_interval=self.metrics_interval,
            )
            deadline = None if duration is None else self._started + duration
            while True:
                began = time.monotonic()
                self.poll()
                if deadline is not None and self.clock() >= deadline:
                    break
                wait = max(0.0, self.interval - (time.monotonic() - began))
                if deadline is not None:
                    wait = min(wait, max(0.0, deadline - self.clock()))
                if self._stop.wait(wait):
                    self._final = True
                    self.poll()  # one last look, so the record ends at the stop
                    break
            self._write("stop", polls=self.polls, samples=self.samples)
        self._handle = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="fleet-observer", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask run() to take one last look and return (safe from a signal handler)."""
        self._stop.set()

    def stop(self, wait: float = 15.0) -> bool:
        """Stop the thread started by start(), waiting at most `wait` seconds for its last look
        (an API call that hangs must not hold up the report); True when it has finished."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout=wait)
        return not self._thread.is_alive()

    @property
    def missing(self) -> dict[str, str]:
        """Pieces that could not be read at the last try, and why."""
        return dict(self._missing)

    def at_minimum(self) -> bool:
        """True when the service runs its minimum task count and nothing is pending."""
        if not self.latest:
            return False
        service = self.latest["service"]
        floor = self.min_capacity if self.min_capacity is not None else service["desired"]
        return (
            service["running"] == floor and service["desired"] == floor and not service["pending"]
        )


def client_factory(
    endpoint_url: str | None = None, region: str | None = None, session: Any = None
) -> Callable[[str], Any]:
    """boto3 clients from the usual credential chain (or `session`), made once each and shared
    by the observer's thread. `endpoint_url` (or AWS_ENDPOINT_URL in the environment, which
    boto3 reads itself) points them at the emulator. Timeouts are short: a poll that hangs on
    one call would stall the whole timeline, and the next poll asks again anyway."""
    import boto3
    from botocore.config import Config

    session = session or boto3.session.Session(region_name=region)
    config = Config(
        retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3, read_timeout=10
    )
    cache: dict[str, Any] = {}
    lock = threading.Lock()

    def get(name: str) -> Any:
        with lock:
            if name not in cache:
                kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
                cache[name] = session.client(name, config=config, **kwargs)
            return cache[name]

    return get


def add_fleet_arguments(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--cluster", required=required, help="ECS cluster name")
    parser.add_argument("--service", required=required, help="ECS service name")
    parser.add_argument(
        "--endpoint-url",
        default=None,
        help="AWS endpoint, e.g. the emulator's http://127.0.0.1:5000 (default: "
        "$AWS_ENDPOINT_URL if set, else real AWS)",
    )
    parser.add_argument(
        "--region", default=None, help="AWS region (default: the usual chain, e.g. $AWS_REGION)"
    )
    parser.add_argument(
        "--asg",
        action="append",
        default=None,
        metavar="NAME",
        help="Auto Scaling group to watch (repeatable; default: found through the "
        "cluster's capacity providers; none under Fargate)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=5.0,
        help="seconds between polls of the service and scaling (default: 5)",
    )
    parser.add_argument(
        "--metrics-interval",
        type=float,
        default=30.0,
        help="seconds between CloudWatch reads (default: 30; metrics are per minute)",
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from .stages import StageError, parse_duration

    parser = argparse.ArgumentParser(
        prog="python -m scaleout.loadtest.observe",
        description="Record an ECS service's scaling (tasks, instances, events, metrics) as "
        "JSON Lines until Ctrl-C or --duration.",
        epilog="Exit codes: 0 observed, 1 the service could never be read, 2 bad usage.",
    )
    add_fleet_arguments(parser, required=True)
    parser.add_argument("--out", required=True, type=Path, help="JSON Lines file to append to")
    parser.add_argument(
        "--duration", default=None, help="stop after this long, e.g. 10m (default: until Ctrl-C)"
    )
    args = parser.parse_args(argv)
    if args.interval <= 0 or args.metrics_interval <= 0:
        parser.error("--interval and --metrics-interval must be positive")
    if args.duration is not None:
        try:
            args.duration = parse_duration(args.duration)
        except StageError as exc:
            parser.error(f"--duration: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    observer = FleetObserver(
        args.cluster,
        args.service,
        args.out,
        client_factory(args.endpoint_url, args.region),
        interval=args.interval,
        metrics_interval=args.metrics_interval,
        asg_names=args.asg,
    )
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: observer.request_stop())
    observer.run(args.duration)
    print(
        json.dumps(
            {
                "event": "observed",
                "out": str(args.out),
                "polls": observer.polls,
                "samples": observer.samples,
                "missing": observer.missing,
            }
        ),
        file=sys.stderr,
    )
    return 0 if observer.samples else 1


if __name__ == "__main__":
    sys.exit(main())
