"""ECS service deployments that move, fail and roll back like real ECS.

Real ECS: UpdateService with a new task definition (or forceNewDeployment) starts a new PRIMARY
deployment whose `rolloutState` goes IN_PROGRESS, then COMPLETED once the new tasks are healthy
and the old ones are drained; the old deployment turns ACTIVE, then disappears. A revision whose
image cannot be pulled gets tasks that stop with `stoppedReason` "CannotPullContainerError: ...";
with the deployment circuit breaker on, ECS marks the deployment FAILED after a threshold of
failed tasks (half the desired count, at least 3, at most 200) and, with rollback on, starts a
new deployment of the last completed revision. Without the breaker it retries for ever. Every
deployment is also a "service deployment" (ListServiceDeployments, DescribeServiceDeployments,
DescribeServiceRevisions) with a status (IN_PROGRESS, SUCCESSFUL, ROLLBACK_SUCCESSFUL...).
With `deploymentConfiguration.strategy` BLUE_GREEN, the new revision scales up beside the old
one, ECS points the test listener rule at the alternate target group, then the production
listener rule, waits the bake time and stops the old tasks; lifecycle hooks run at the stages,
and a PAUSE hook waits for ContinueServiceDeployment (CONTINUE or ROLLBACK).

moto 5.2.5: UpdateService only swaps `taskDefinition` (stored as given, not as an ARN) and makes
no deployment; `rolloutState` never moves (a service created with a desired count is
IN_PROGRESS for ever); nothing looks at images; ListTasks ignores `serviceName`; the service
deployment APIs, ContinueServiceDeployment and StopServiceDeployment do not exist.

This patch: deployments move on a clock, `EMULATOR_DEPLOY_SECONDS` (default 1) per rolling
deployment and per blue/green scale-up and bake time. An image in this account's ECR is pulled
only if a PutImage put it there (tag or digest); an image from any other registry is assumed
pullable, since the emulator cannot know. Stopped tasks appear in ListTasks(serviceName=...,
desiredStatus=STOPPED) and DescribeTasks with the reason on the task and its container. Blue/green
moves the weights of the listener rules' forward actions between the two target groups; PAUSE
hooks wait for ContinueServiceDeployment; StopServiceDeployment (ROLLBACK) during a blue/green
deployment moves the rules back at once (the bake time lasts `EMULATOR_BAKE_SECONDS`, by
default the deploy seconds); Lambda hooks cannot run here, so a deployment that
has one rolls back saying so (never passes silently). Everything advances when it is read.
Proved by tests/emulator/test_deployments.py (run it against `--no-patches` to see moto alone).
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ._patching import wrap

_LOCK = threading.RLock()
_STATE = "_scaleout_rollouts"
_MAX_EVENTS = 100
_NO_BREAKER_MAX_FAILED = 10
_BG_STAGES = (
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)
_ECR_IMAGE = re.compile(
    r"(?P<registry>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)


def deploy_seconds() -> float:
    return float(os.environ.get("EMULATOR_DEPLOY_SECONDS", "1"))


def bake_seconds() -> float:
    return float(os.environ.get("EMULATOR_BAKE_SECONDS", str(deploy_seconds())))


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


@dataclass
class Rollout:
    """One service deployment, as ECS tracks it, plus what the emulator needs to move it."""

    deployment_id: str
    arn: str
    revision_arn: str
    task_definition: str
    source_task_definition: str | None
    source_revision_arn: str | None
    started: float
    seconds: float
    bake: float = 0.0
    strategy: str = "ROLLING"
    image_problem: str | None = None
    status: str = "IN_PROGRESS"
    status_reason: str = ""
    finished: float | None = None
    stage: str | None = None
    stage_started: float = 0.0
    hooks: list[dict[str, Any]] = field(default_factory=list)
    failed_tasks: int = 0
    rollback: dict[str, Any] | None = None
    breaker: dict[str, Any] | None = None
    rollback_of: Rollout | None = None
    blue_tg: str | None = None
    green_tg: str | None = None
    config: dict[str, Any] = field(default_factory=dict)


def _rollouts(service: Any) -> list[Rollout]:
    if not hasattr(service, _STATE):
        setattr(service, _STATE, [])
        service.service_revisions = {}
    return getattr(service, _STATE)


def _event(service: Any, message: str, when: float | None = None) -> None:
    service.events.insert(
        0,
        {
            "id": str(uuid.uuid4()),
            "createdAt": _utc(when or time.time()),
            "message": f"(service {service.name}) {message}",
        },
    )
    del service.events[_MAX_EVENTS:]


def _arn_prefix(service: Any, kind: str) -> str:
    partition = service.arn.split(":")[1]
    return f"arn:{partition}:ecs:{service.region_name}:{service._account_id}:{kind}"


def _revision(service: Any, task_definition: str, when: float) -> str:
    _rollouts(service)
    arn = (
        f"{_arn_prefix(service, 'service-revision')}/{service.cluster_name}/{service.name}/"
        f"{len(service.service_revisions) + 1}{int(when * 1000) % 10**10}"
    )
    service.service_revisions[arn] = {
        "task_definition": task_definition,
        "created": when,
        "load_balancers": list(service.load_balancers or []),
    }
    return arn


def _config(service: Any) -> dict[str, Any]:
    return dict(getattr(service, "deployment_configuration", None) or {})


def image_problem(backend: Any, task_definition_arn: str) -> str | None:
    """Why the task definition's images cannot be pulled from the emulated ECR, or None."""
    from moto.ecr.models import ecr_backends

    task_definition = backend.describe_task_definition(task_definition_arn)
    for container in task_definition.container_definitions:
        image = container.get("image") or ""
        match = _ECR_IMAGE.fullmatch(image)
        if not match:
            continue  # another registry: the emulator cannot tell, so assume it pulls
        registry, region, repo = match["registry"], match["region"], match["repo"]
        tag = match["tag"] or (None if match["digest"] else "latest")
        ecr = ecr_backends[registry][region]
        repository = ecr.repositories.get(repo)
        found = repository is not None and any(
            (tag is None or tag in img.image_tags)
            and (not match["digest"] or img.get_image_digest() == match["digest"])
            for img in repository.images
        )
        if not found:
            ref = image if (match["tag"] or match["digest"]) else f"{image}:latest"
            return (
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                f"failed to resolve ref {ref}: {ref}: not found"
            )
    return None


def _deployment(service: Any, rollout: Rollout) -> dict[str, Any] | None:
    return next((d for d in service.deployments if d["id"] == rollout.deployment_id), None)


def _new_deployment(
    backend: Any,
    service: Any,
    task_definition: str,
    now: float,
    strategy: str,
    source: dict[str, Any] | None,
) -> Rollout:
    deployment_id = f"ecs-svc/{uuid.uuid4().int % 10**19:019d}"
    for other in service.deployments:
        if other["status"] == "PRIMARY":
            other["status"] = "ACTIVE"
            other["updatedAt"] = _utc(now)
    service.deployments.insert(
        0,
        {
            "id": deployment_id,
            "status": "PRIMARY",
            "taskDefinition": task_definition,
            "desiredCount": service.desired_count,
            "pendingCount": service.desired_count,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": _utc(now),
            "updatedAt": _utc(now),
            "launchType": service.launch_type,
            "platformFamily": "EC2" if service.launch_type == "EC2" else "FARGATE",
            "networkConfiguration": service.network_configuration or None,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
        },
    )
    source_td = source["taskDefinition"] if source else None
    rollout = Rollout(
        deployment_id=deployment_id,
        arn=(
            f"{_arn_prefix(service, 'service-deployment')}/{service.cluster_name}/"
            f"{service.name}/{uuid.uuid4().hex[:22]}"
        ),
        revision_arn=_revision(service, task_definition, now),
        task_definition=task_definition,
        source_task_definition=source_td,
        source_revision_arn=_revision_of(service, source_td),
        started=now,
        stage_started=now,
        seconds=deploy_seconds(),
        bake=bake_seconds(),
        strategy=strategy,
        image_problem=image_problem(backend, task_definition),
        config=_config(service),
    )
    _rollouts(service).append(rollout)
    service.current_service_deployment = rollout.arn
    return rollout


def _revision_of(service: Any, task_definition: str | None) -> str | None:
    if not task_definition:
        return None
    for rollout in reversed(_rollouts(service)):
        if rollout.task_definition == task_definition:
            return rollout.revision_arn
    return _revision(service, task_definition, time.time())


def _adopt(backend: Any, service: Any) -> None:
    """Track the deployment that CreateService made (moto leaves it IN_PROGRESS for ever)."""
    known = {r.deployment_id for r in _rollouts(service)}
    for deployment in service.deployments:
        if deployment["id"] in known or not deployment.get("taskDefinition"):
            continue
        started = deployment["createdAt"].timestamp()
        rollout = Rollout(
            deployment_id=deployment["id"],
            arn=(
                f"{_arn_prefix(service, 'service-deployment')}/{service.cluster_name}/"
                f"{service.name}/{uuid.uuid4().hex[:22]}"
            ),
            revision_arn=_revision(service, deployment["taskDefinition"], started),
            task_definition=deployment["taskDefinition"],
            source_task_definition=None,
            source_revision_arn=None,
            started=started,
            seconds=deploy_seconds(),
            image_problem=image_problem(backend, deployment["taskDefinition"]),
            config=_config(service),
        )
        if deployment.get("rolloutState") == "COMPLETED":
            rollout.status, rollout.finished = "SUCCESSFUL", started
        _rollouts(service).append(rollout)
        service.current_service_deployment = rollout.arn


def _stop_tasks(backend: Any, service: Any, rollout: Rollout, count: int, now: float) -> list[str]:
    """Tasks of the rollout that failed to start, as ECS keeps them (STOPPED, with a reason)."""
    from moto.ecs.models import Task

    cluster = backend._get_cluster(service.cluster_name)
    task_definition = backend.describe_task_definition(rollout.task_definition)
    network = service.network_configuration or None
    if task_definition.network_mode == "awsvpc" and not network:
        return []
    ids = []
    for _ in range(count):
        task = Task(
            cluster,
            task_definition,
            None,
            None,
            backend,
            group=f"service:{service.name}",
            launch_type=service.launch_type or "",
            started_by=rollout.deployment_id,
            networking_configuration=network,
        )
        if task_definition.network_mode == "awsvpc":
            _release_eni(backend, task)
        task.status = "STOPPED"
        task.desired_status = "STOPPED"
        task.stopped_reason = rollout.image_problem
        task.stop_code = "TaskFailedToStart"
        task.stopping_at = task.stopped_at = _utc(now)
        for container in task.containers:
            container.last_status = "STOPPED"
            container.reason = rollout.image_problem
        backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
        ids.append(task.id)
    return ids


def _release_eni(backend: Any, task: Any) -> None:
    from moto.ec2 import ec2_backends

    ec2 = ec2_backends[backend.account_id][backend.region_name]
    for attachment in task.attachments:
        for detail in attachment["details"]:
            if detail["name"] == "networkInterfaceId":
                ec2.delete_network_interface(detail["value"])
        attachment["status"] = "DELETED"


def _threshold(desired: int) -> int:
    return min(200, max(3, math.ceil(desired * 0.5)))


def _complete(service: Any, rollout: Rollout, now: float) -> None:
    deployment = _deployment(service, rollout)
    if deployment is not None:
        deployment.update(
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {rollout.deployment_id} completed.",
            runningCount=service.desired_count,
            pendingCount=0,
            updatedAt=_utc(now),
        )
    service.deployments[:] = [d for d in service.deployments if d["id"] == rollout.deployment_id]
    service.running_count, service.pending_count = service.desired_count, 0
    rollout.finished = now
    parent = rollout.rollback_of
    if parent is not None:
        parent.status, parent.finished = "ROLLBACK_SUCCESSFUL", now
        rollout.status = "SUCCESSFUL"
    else:
        rollout.status = "SUCCESSFUL"
    _event(service, f"(deployment {rollout.deployment_id}) deployment completed.", now)
    _event(service, "has reached a steady state.", now)


def _fail_and_roll_back(
    backend: Any, service: Any, rollout: Rollout, reason: str, now: float
) -> None:
    """The breaker tripped (or a blue/green check said no): FAILED, then back to the source."""
    deployment = _deployment(service, rollout)
    if deployment is not None:
        deployment.update(
            status="ACTIVE", rolloutState="FAILED", rolloutStateReason=reason, updatedAt=_utc(now)
        )
    _event(
        service, f"(deployment {rollout.deployment_id}) deployment failed: {_short(reason)}", now
    )
    if not rollout.source_task_definition:
        rollout.status, rollout.status_reason, rollout.finished = "ROLLBACK_FAILED", reason, now
        return
    rollout.status, rollout.status_reason = "ROLLBACK_IN_PROGRESS", reason
    rollout.rollback = {
        "reason": reason,
        "startedAt": _utc(now),
        "serviceRevisionArn": rollout.source_revision_arn,
    }
    service.task_definition = rollout.source_task_definition
    back = _new_deployment(backend, service, rollout.source_task_definition, now, "ROLLING", None)
    back.rollback_of = rollout
    back.source_task_definition = rollout.task_definition
    service.current_service_deployment = rollout.arn
    _event(service, f"rolling back to deployment {back.deployment_id}.", now)


def _short(reason: str) -> str:
    return reason.removeprefix("ECS deployment circuit breaker: ")


def _advance_rolling(backend: Any, service: Any, rollout: Rollout, now: float) -> None:
    if now - rollout.started < rollout.seconds:
        return
    if rollout.image_problem is None:
        _complete(service, rollout, now)
        return
    breaker = rollout.config.get("deploymentCircuitBreaker") or {}
    deployment = _deployment(service, rollout)
    if breaker.get("enable"):
        threshold = _threshold(service.desired_count)
        ids = _stop_tasks(backend, service, rollout, threshold, now)
        rollout.failed_tasks = threshold
        if deployment is not None:
            deployment["failedTasks"] = threshold
        _event(service, f"has started {threshold} tasks: {_tasks(ids)}.", rollout.started)
        rollout.breaker = {"status": "TRIGGERED", "failureCount": threshold, "threshold": threshold}
        reason = "ECS deployment circuit breaker: tasks failed to start."
        if breaker.get("rollback"):
            _fail_and_roll_back(backend, service, rollout, reason, now)
        else:
            if deployment is not None:
                deployment.update(rolloutState="FAILED", rolloutStateReason=reason)
            _event(
                service,
                f"(deployment {rollout.deployment_id}) deployment failed: tasks failed to start.",
                now,
            )
            rollout.status, rollout.status_reason, rollout.finished = "STOPPED", reason, now
        return
    # No breaker: ECS keeps launching tasks that fail, and the deployment never ends.
    due = min(_NO_BREAKER_MAX_FAILED, int((now - rollout.started) // max(rollout.seconds, 0.1)))
    if due > rollout.failed_tasks:
        ids = _stop_tasks(backend, service, rollout, due - rollout.failed_tasks, now)
        rollout.failed_tasks = due
        if deployment is not None:
            deployment["failedTasks"] = due
        _event(service, f"has started {len(ids) or 1} tasks: {_tasks(ids)}.", now)


def _tasks(ids: list[str]) -> str:
    return " ".join(f"(task {i})" for i in ids) or "(task unknown)"


# ---- blue/green -------------------------------------------------------------------------


def _load_balancer(service: Any) -> dict[str, Any] | None:
    for lb in service.load_balancers or []:
        if (lb.get("advancedConfiguration") or {}).get("alternateTargetGroupArn"):
            return lb
    return None


def _elbv2(service: Any) -> Any:
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[service._account_id][service.region_name]


def _weights(service: Any, rule_arn: str) -> dict[str, int]:
    rules = _elbv2(service).describe_rules(listener_arn=None, rule_arns=[rule_arn])
    weights: dict[str, int] = {}
    for action in rules[0].actions:
        data = action.data
        if data.get("Type") != "forward":
            continue
        groups = (data.get("ForwardConfig") or {}).get("TargetGroups")
        if groups:
            for group in groups:
                weights[group["TargetGroupArn"]] = int(group.get("Weight", 1))
        elif data.get("TargetGroupArn"):
            weights[data["TargetGroupArn"]] = 1
    return weights


def _point(service: Any, rule_arn: str, target_group: str, other: str) -> None:
    """Send all of a rule's forward traffic to `target_group` (weights 100/0), as ECS does."""
    rules = _elbv2(service).describe_rules(listener_arn=None, rule_arns=[rule_arn])
    actions = []
    for action in rules[0].actions:
        data = {k: v for k, v in action.data.items() if k != "TargetGroupArn"}
        if data.get("Type") == "forward":
            data["ForwardConfig"] = {
                "TargetGroups": [
                    {"TargetGroupArn": target_group, "Weight": 100},
                    {"TargetGroupArn": other, "Weight": 0},
                ],
                "TargetGroupStickinessConfig": (data.get("ForwardConfig") or {}).get(
                    "TargetGroupStickinessConfig", {"Enabled": False}
                ),
            }
        actions.append(data)
    _elbv2(service).modify_rule(rule_arn, [], actions)


def _start_blue_green(service: Any, rollout: Rollout) -> str | None:
    lb = _load_balancer(service)
    if lb is None:
        return "BLUE_GREEN needs a load balancer with advancedConfiguration."
    advanced = lb["advancedConfiguration"]
    primary, alternate = lb["targetGroupArn"], advanced["alternateTargetGroupArn"]
    try:
        weights = _weights(service, advanced["productionListenerRule"])
        _weights(service, advanced["testListenerRule"])
    except Exception as exc:  # noqa: BLE001 - becomes the deployment's failure reason
        return f"cannot read the listener rules: {exc}"
    if weights.get(alternate, 0) > weights.get(primary, 0):
        rollout.blue_tg, rollout.green_tg = alternate, primary
    else:
        rollout.blue_tg, rollout.green_tg = primary, alternate
    return None


def _bg_stage_seconds(rollout: Rollout, stage: str) -> float:
    if stage == "SCALE_UP":
        return rollout.seconds
    if stage == "BAKE_TIME":
        return rollout.bake if (rollout.config.get("bakeTimeInMinutes") or 0) > 0 else 0.0
    return 0.0


def _enter_stage(service: Any, rollout: Rollout, stage: str, now: float) -> None:
    rollout.stage, rollout.stage_started = stage, now
    advanced = (_load_balancer(service) or {}).get("advancedConfiguration") or {}
    if stage == "TEST_TRAFFIC_SHIFT":
        _point(service, advanced["testListenerRule"], rollout.green_tg, rollout.blue_tg)
    elif stage == "PRODUCTION_TRAFFIC_SHIFT":
        _point(service, advanced["productionListenerRule"], rollout.green_tg, rollout.blue_tg)
        service.task_definition = rollout.task_definition
    for hook in rollout.config.get("lifecycleHooks") or []:
        if stage not in (hook.get("lifecycleStages") or []):
            continue
        timeout = hook.get("timeoutConfiguration") or {}
        rollout.hooks.append(
            {
                "hookId": f"ecs-pause-{uuid.uuid4().hex}",
                "targetType": hook.get("targetType", "AWS_LAMBDA"),
                "targetArn": hook.get("hookTargetArn"),
                "status": "AWAITING_ACTION",
                "expiresAt": _utc(now + 60 * int(timeout.get("timeoutInMinutes", 1440))),
                "timeoutAction": timeout.get("action", "ROLLBACK"),
                "stage": stage,
            }
        )


def _pending_hooks(rollout: Rollout) -> list[dict[str, Any]]:
    return [
        h for h in rollout.hooks if h["stage"] == rollout.stage and h["status"] == "AWAITING_ACTION"
    ]


def _roll_back_blue_green(
    backend: Any, service: Any, rollout: Rollout, reason: str, now: float
) -> None:
    advanced = (_load_balancer(service) or {}).get("advancedConfiguration") or {}
    for key in ("testListenerRule", "productionListenerRule"):
        if advanced.get(key) and rollout.blue_tg and rollout.green_tg:
            _point(service, advanced[key], rollout.blue_tg, rollout.green_tg)
    if rollout.source_task_definition:
        service.task_definition = rollout.source_task_definition
    deployment = _deployment(service, rollout)
    if deployment is not None:
        deployment.update(rolloutState="FAILED", rolloutStateReason=reason, updatedAt=_utc(now))
    service.deployments[:] = [d for d in service.deployments if d["id"] != rollout.deployment_id]
    for other in service.deployments:
        other["status"] = "PRIMARY"
    rollout.rollback = {
        "reason": reason,
        "startedAt": _utc(now),
        "serviceRevisionArn": rollout.source_revision_arn,
    }
    rollout.status, rollout.status_reason, rollout.finished = "ROLLBACK_SUCCESSFUL", reason, now
    _event(service, f"(service-deployment {rollout.arn}) rolled back: {reason}", now)


def _advance_blue_green(backend: Any, service: Any, rollout: Rollout, now: float) -> None:
    if rollout.stage is None:
        problem = _start_blue_green(service, rollout)
        if problem:
            _roll_back_blue_green(backend, service, rollout, problem, now)
            return
        _enter_stage(service, rollout, _BG_STAGES[0], now)
    while rollout.finished is None:
        for hook in _pending_hooks(rollout):
            if hook["targetType"] == "AWS_LAMBDA":
                hook["status"] = "FAILED"
                _roll_back_blue_green(
                    backend,
                    service,
                    rollout,
                    f"the emulator cannot invoke the Lambda hook at {rollout.stage}",
                    now,
                )
                return
            if now >= hook["expiresAt"].timestamp():
                hook["status"] = "TIMED_OUT"
                if hook["timeoutAction"] == "ROLLBACK":
                    _roll_back_blue_green(
                        backend,
                        service,
                        rollout,
                        f"lifecycle hook at {rollout.stage} timed out",
                        now,
                    )
                    return
        if _pending_hooks(rollout):
            return
        if now - rollout.stage_started < _bg_stage_seconds(rollout, rollout.stage):
            return
        if rollout.stage == "SCALE_UP" and rollout.image_problem:
            threshold = _threshold(service.desired_count)
            ids = _stop_tasks(backend, service, rollout, threshold, now)
            rollout.failed_tasks = threshold
            _event(service, f"has started {threshold} tasks: {_tasks(ids)}.", rollout.started)
            _roll_back_blue_green(
                backend,
                service,
                rollout,
                "ECS deployment circuit breaker: tasks failed to start.",
                now,
            )
            return
        if rollout.stage == "SCALE_UP":
            deployment = _deployment(service, rollout)
            if deployment is not None:
                deployment.update(runningCount=service.desired_count, pendingCount=0)
        index = _BG_STAGES.index(rollout.stage)
        if index + 1 == len(_BG_STAGES):
            _complete(service, rollout, now)
            return
        _enter_stage(service, rollout, _BG_STAGES[index + 1], now)


def advance(backend: Any, service: Any, now: float | None = None) -> None:
    """Move every unfinished deployment of `service` to where the clock says it is."""
    with _LOCK:
        now = time.time() if now is None else now
        _adopt(backend, service)
        for rollout in list(_rollouts(service)):
            if rollout.finished is not None or rollout.status == "ROLLBACK_IN_PROGRESS":
                continue
            deployment = _deployment(service, rollout)
            if deployment is None or deployment["status"] != "PRIMARY":  # superseded
                rollout.status, rollout.finished = "STOPPED", now
                rollout.status_reason = "Superseded by a newer service deployment."
                continue
            if rollout.strategy == "BLUE_GREEN":
                _advance_blue_green(backend, service, rollout, now)
            else:
                _advance_rolling(backend, service, rollout, now)


def _advance_all(backend: Any) -> None:
    for service in list(backend.services.values()):
        if service.status == "ACTIVE":
            advance(backend, service)


# ---- the API ------------------------------------------------------------------------------


def _wrap_backend(cls: Any) -> None:
    @wrap(cls, "update_service")
    def update_service(original: Any, self: Any, props: dict[str, Any]) -> Any:
        with _LOCK:
            cluster = props.get("cluster", "default")
            service = self._get_service(cluster, props["service"].split("/")[-1])
            advance(self, service)
            before = service.task_definition
            force = bool(props.pop("force_new_deployment", False))
            result = original(self, props)
            # moto keeps the string it was given ("family:3"); ECS answers with the ARN.
            td = self.describe_task_definition(result.task_definition).arn
            result.task_definition = td
            if td != before or force:
                now = time.time()
                strategy = (_config(result).get("strategy") or "ROLLING").upper()
                source = next((d for d in result.deployments if d["status"] == "PRIMARY"), None)
                if strategy == "BLUE_GREEN":
                    result.task_definition = before or td  # moves at the production shift
                _new_deployment(self, result, td, now, strategy, source)
                advance(self, result, now)
            return result

    @wrap(cls, "describe_services")
    def describe_services(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        services, failures = original(self, *args, **kwargs)
        for service in services:
            if service.status == "ACTIVE":
                advance(self, service)
        return services, failures

    @wrap(cls, "list_tasks")
    def list_tasks(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        _advance_all(self)
        tasks = original(self, *args, **kwargs)
        service_name = kwargs.get("service_name") or (args[4] if len(args) > 4 else None)
        if service_name:  # moto ignores it; ECS tags a service's tasks with this group
            group = f"service:{service_name.split('/')[-1]}"
            tasks = [t for t in tasks if t.group == group]
        return tasks

    @wrap(cls, "describe_tasks")
    def describe_tasks(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        _advance_all(self)
        return original(self, *args, **kwargs)


def _find(backend: Any, arn: str) -> tuple[Any, Rollout] | None:
    for service in backend.services.values():
        for rollout in _rollouts(service):
            if rollout.arn == arn and rollout.rollback_of is None:
                return service, rollout
    return None


def _describe(service: Any, rollout: Rollout) -> dict[str, Any]:
    deployment = _deployment(service, rollout) or {}
    source = []
    if rollout.source_revision_arn:
        source.append(
            {
                "arn": rollout.source_revision_arn,
                "requestedTaskCount": service.desired_count,
                "runningTaskCount": service.desired_count,
                "pendingTaskCount": 0,
            }
        )
    result: dict[str, Any] = {
        "serviceDeploymentArn": rollout.arn,
        "serviceArn": service.arn,
        "clusterArn": service.cluster_arn,
        "createdAt": _utc(rollout.started),
        "startedAt": _utc(rollout.started),
        "updatedAt": _utc(rollout.finished or time.time()),
        "sourceServiceRevisions": source,
        "targetServiceRevision": {
            "arn": rollout.revision_arn,
            "requestedTaskCount": service.desired_count,
            "runningTaskCount": deployment.get("runningCount", 0),
            "pendingTaskCount": deployment.get("pendingCount", 0),
        },
        "status": rollout.status,
        "deploymentConfiguration": rollout.config,
    }
    if rollout.status_reason:
        result["statusReason"] = rollout.status_reason
    if rollout.finished is not None:
        result["finishedAt"] = _utc(rollout.finished)
    if rollout.stage:
        result["lifecycleStage"] = rollout.stage
    if rollout.hooks:
        result["lifecycleHookDetails"] = [
            {k: v for k, v in hook.items() if k != "stage" and v is not None}
            for hook in rollout.hooks
        ]
    if rollout.rollback:
        result["rollback"] = rollout.rollback
    breaker = rollout.config.get("deploymentCircuitBreaker") or {}
    result["deploymentCircuitBreaker"] = rollout.breaker or {
        "status": "MONITORING" if breaker.get("enable") else "DISABLED",
        "failureCount": rollout.failed_tasks,
        "threshold": _threshold(service.desired_count),
    }
    return result


def _add_responses(cls: Any) -> None:
    from moto.core.responses import ActionResult
    from moto.ecs.exceptions import InvalidParameterException

    def list_service_deployments(self: Any) -> Any:
        backend = self.ecs_backend
        service = backend._get_service(
            self._get_param("cluster", "default"), self._get_param("service").split("/")[-1]
        )
        advance(backend, service)
        wanted = set(self._get_param("status") or [])
        brief = []
        for rollout in sorted(_rollouts(service), key=lambda r: r.started, reverse=True):
            if rollout.rollback_of is not None or (wanted and rollout.status not in wanted):
                continue
            item = {
                "serviceDeploymentArn": rollout.arn,
                "serviceArn": service.arn,
                "clusterArn": service.cluster_arn,
                "startedAt": _utc(rollout.started),
                "createdAt": _utc(rollout.started),
                "targetServiceRevisionArn": rollout.revision_arn,
                "status": rollout.status,
            }
            if rollout.finished is not None:
                item["finishedAt"] = _utc(rollout.finished)
            if rollout.status_reason:
                item["statusReason"] = rollout.status_reason
            brief.append(item)
        limit = self._get_param("maxResults") or 20
        return ActionResult({"serviceDeployments": brief[:limit]})

    def describe_service_deployments(self: Any) -> Any:
        backend = self.ecs_backend
        found, failures = [], []
        for arn in self._get_param("serviceDeploymentArns") or []:
            hit = _find(backend, arn)
            if hit is None:
                failures.append({"arn": arn, "reason": "MISSING"})
                continue
            advance(backend, hit[0])
            found.append(_describe(*hit))
        return ActionResult({"serviceDeployments": found, "failures": failures})

    def describe_service_revisions(self: Any) -> Any:
        backend = self.ecs_backend
        found, failures = [], []
        for arn in self._get_param("serviceRevisionArns") or []:
            for service in backend.services.values():
                _rollouts(service)
                revision = service.service_revisions.get(arn)
                if revision:
                    found.append(
                        {
                            "serviceRevisionArn": arn,
                            "serviceArn": service.arn,
                            "clusterArn": service.cluster_arn,
                            "taskDefinition": revision["task_definition"],
                            "loadBalancers": revision["load_balancers"],
                            "createdAt": _utc(revision["created"]),
                        }
                    )
                    break
            else:
                failures.append({"arn": arn, "reason": "MISSING"})
        return ActionResult({"serviceRevisions": found, "failures": failures})

    def continue_service_deployment(self: Any) -> Any:
        backend = self.ecs_backend
        arn = self._get_param("serviceDeploymentArn")
        hit = _find(backend, arn)
        if hit is None:
            raise InvalidParameterException(f"Service deployment {arn} not found.")
        service, rollout = hit
        with _LOCK:
            advance(backend, service)
            hook = next(
                (h for h in _pending_hooks(rollout) if h["hookId"] == self._get_param("hookId")),
                None,
            )
            if hook is None or rollout.finished is not None:
                raise InvalidParameterException("No paused lifecycle hook with that hookId.")
            hook["status"] = "SUCCEEDED"
            now = time.time()
            if self._get_param("action") == "ROLLBACK":
                _roll_back_blue_green(
                    backend,
                    service,
                    rollout,
                    f"ContinueServiceDeployment asked to roll back at {rollout.stage}",
                    now,
                )
            else:
                rollout.stage_started = now
                advance(backend, service, now)
        return ActionResult({"serviceDeploymentArn": arn})

    def stop_service_deployment(self: Any) -> Any:
        backend = self.ecs_backend
        arn = self._get_param("serviceDeploymentArn")
        hit = _find(backend, arn)
        if hit is None:
            raise InvalidParameterException(f"Service deployment {arn} not found.")
        service, rollout = hit
        with _LOCK:
            advance(backend, service)
            if rollout.finished is not None or rollout.status != "IN_PROGRESS":
                raise InvalidParameterException(
                    f"Service deployment {arn} is {rollout.status}, not in progress."
                )
            now = time.time()
            reason = "StopServiceDeployment asked to roll back"
            if self._get_param("stopType", "ROLLBACK") == "ABORT":
                rollout.status, rollout.status_reason, rollout.finished = "STOPPED", reason, now
            elif rollout.strategy == "BLUE_GREEN":
                # Blue is still there (scale-up to bake time): moving the rules back is all.
                _roll_back_blue_green(backend, service, rollout, reason, now)
            else:
                _fail_and_roll_back(backend, service, rollout, reason, now)
        return ActionResult({"serviceDeploymentArn": arn})

    for fn in (
        list_service_deployments,
        describe_service_deployments,
        describe_service_revisions,
        continue_service_deployment,
        stop_service_deployment,
    ):
        wrap(cls, fn.__name__)(lambda _original, self, fn=fn: fn(self))


def apply() -> None:
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.responses import EC2ContainerServiceResponse

    _wrap_backend(EC2ContainerServiceBackend)
    _add_responses(EC2ContainerServiceResponse)
