#!/usr/bin/python
"""Ansible module: deploy an image (or a revision) to an ECS service and wait for ECS's verdict."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from ansible.module_utils.scaleout_contract import check_contract
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

DOCUMENTATION = r"""
---
module: ecs_deploy
short_description: Deploy an image to an ECS service and wait for a verdict you can trust
description:
  - Registers a task definition revision that differs from the live one only in one
    container's image, points the service at it with UpdateService, and waits until ECS says
    how it went. Done means the new deployment's C(rolloutState) is C(COMPLETED) and the service
    runs the new revision. Failed means ECS marked it C(FAILED) or rolled it back (the deployment
    circuit breaker, or a failed blue/green check), or the timeout passed. On failure the message
    carries the service's recent events and the reasons its stopped tasks give.
  - Deploying the image that is already live registers nothing and starts nothing. If that
    image's rollout is still in progress (an earlier run was interrupted while it waited), it
    waits for that rollout's verdict and reports it, with C(changed=false).
  - C(revision=previous) goes back to the revision of the newest successful service deployment
    that is not the live one (ListServiceDeployments), with the same verdict. While a
    deployment is still in progress (a blue/green bake time, when the old tasks still run), it
    stops that deployment with a rollback (StopServiceDeployment) instead, which is instant.
  - C(strategy=blue_green) uses ECS's native blue/green deployments; the service gets
    C(deploymentConfiguration.strategy=BLUE_GREEN), a bake time, the alternate target group and
    listener rules, and a C(PAUSE) lifecycle hook after the test traffic shift. When ECS pauses
    there, this module checks the contract of C(/api) (52 keys, each one letter) at
    C(blue_green.contract_url), the test listener, and continues the deployment only when it
    holds; otherwise it asks ECS to roll back, and production traffic never moves.
  - "Not part of amazon.aws, so C(module_defaults) for C(group/aws) does not reach it: pass
    C(region) and C(endpoint_url) explicitly."
options:
  cluster:
    description: Name or ARN of the cluster.
    type: str
    required: true
  service:
    description: Name or ARN of the service.
    type: str
    required: true
  image:
    description:
      - The image to deploy. An ECR image given by tag is looked up and deployed by digest
        when I(resolve_digest) is true; a tag that is not in the repository fails before any
        change.
      - Exactly one of I(image) and I(revision).
    type: str
  revision:
    description:
      - A task definition (ARN or C(family:revision)) to deploy as it is, or C(previous) for the
        revision of the last successful deployment before the live one.
    type: str
  container:
    description: The container whose image changes. Needed when the task has several.
    type: str
  resolve_digest:
    description: Deploy an ECR image given by tag by its digest (what the tag points at now).
    type: bool
    default: true
  strategy:
    description: C(rolling) keeps the service's rolling deployments; C(blue_green) switches it
      to ECS's native blue/green deployments for this and later deploys.
    type: str
    choices: [rolling, blue_green]
    default: rolling
  blue_green:
    description: Settings for C(strategy=blue_green).
    type: dict
    suboptions:
      alternate_target_group_arn:
        description: The second target group, which the new (green) tasks register with.
        type: str
        required: true
      production_listener_rule_arn:
        description: The listener rule that carries production traffic.
        type: str
        required: true
      test_listener_rule_arn:
        description: The listener rule of the test listener.
        type: str
        required: true
      role_arn:
        description: The role that lets ECS change the listener rules.
        type: str
        required: true
      contract_url:
        description: Where the check reaches C(/api) on the new tasks (the test listener).
        type: str
        required: true
      contract_requests:
        description: How many requests the check makes; every answer must hold the contract.
        type: int
        default: 5
      bake_time_minutes:
        description: How long the old tasks stay after production moves (instant rollback).
        type: int
        default: 5
      hook_timeout_minutes:
        description: ECS rolls back by itself if the check has not answered by then.
        type: int
        default: 30
  timeout:
    description: Seconds to wait for the verdict before calling the deploy timed out.
    type: int
    default: 900
  poll_interval:
    description: Seconds between two looks at the service.
    type: float
    default: 5
  events:
    description: How many of the service's recent events a failure message shows.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deploy a new image and wait for the verdict
  ecs_deploy:
    cluster: web
    service: web
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:3f2a9c1
    timeout: 600

- name: Go back to the previous successful revision
  ecs_deploy:
    cluster: web
    service: web
    revision: previous
"""

RETURN = r"""
verdict:
  description: C(completed), C(unchanged) (the image was live already), or in check mode
    C(would_deploy). Failures (C(failed), C(rolled_back), C(timed_out)) come with a failed task.
  returned: always
  type: str
task_definition:
  description: The revision the service runs after the task (the new one on success).
  returned: always
  type: str
previous_task_definition:
  description: The revision that was live before.
  returned: always
  type: str
image:
  description: The image reference deployed (by digest when resolved).
  returned: when image was given
  type: str
deployment_id:
  description: The ECS deployment this task started.
  returned: when a deployment started
  type: str
service_deployment_arn:
  description: The service deployment (DescribeServiceDeployments) this task started.
  returned: when a deployment started
  type: str
events:
  description: The service's events since the deploy started, newest first (on failure they
    are in the message).
  returned: on success, when a deployment started
  type: list
stopped_tasks:
  description: Stopped tasks of the new deployment with their reasons (on failure they are in
    the message).
  returned: on success, when a deployment started
  type: list
contract:
  description: The blue/green contract check (passed, problems, url).
  returned: with strategy blue_green, when the check ran
  type: dict
"""

REGISTER_KEYS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
)
ECR_IMAGE = re.compile(
    r"(?P<registry>\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?(?P<digest>@sha256:[0-9a-f]{64})?"
)


class Failed(Exception):
    """The deploy failed: `verdict` says how, the message says why, `result` holds the facts."""

    def __init__(self, verdict, message, **result):
        super().__init__(message)
        self.verdict = verdict
        self.result = result


def short(task_definition_arn):
    """`family:revision` out of a task definition ARN."""
    return (task_definition_arn or "").rsplit("/", 1)[-1]


class Deploy:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.ecs = module.client("ecs")
        self.cluster = self.params["cluster"]
        self.name = self.params["service"]
        self.started = time.time()

    # ---- reading ---------------------------------------------------------------------------

    def call(self, what, fn, **kwargs):
        try:
            return fn(**kwargs)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Could not {what}")

    def service(self):
        found = self.call(
            f"describe service {self.name}",
            self.ecs.describe_services,
            cluster=self.cluster,
            services=[self.name],
        )["services"]
        service = next((s for s in found if s.get("status") == "ACTIVE"), None)
        if service is None:
            self.module.fail_json(
                msg=f"ECS service {self.name} (cluster {self.cluster}) does not exist: "
                "provision it first (make provision)"
            )
        return service

    def task_definition(self, name):
        return self.call(
            f"describe task definition {name}",
            self.ecs.describe_task_definition,
            taskDefinition=name,
            include=["TAGS"],
        )

    def resolve(self, image):
        match = ECR_IMAGE.fullmatch(image)
        if not (self.params["resolve_digest"] and match and not match["digest"]):
            return image
        ecr = self.module.client("ecr")
        tag = match["tag"] or "latest"
        try:
            found = ecr.describe_images(
                registryId=match["registry"],
                repositoryName=match["repo"],
                imageIds=[{"imageTag": tag}],
            )["imageDetails"]
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code")
            if code in ("ImageNotFoundException", "RepositoryNotFoundException"):
                self.module.fail_json(
                    msg=f"{image} is not in ECR ({code}): push it before deploying it",
                    verdict="failed",
                )
            self.module.fail_json_aws(e, msg=f"Could not look up {image} in ECR")
        except BotoCoreError as e:
            self.module.fail_json_aws(e, msg=f"Could not look up {image} in ECR")
        repository = image.split("@")[0].rsplit(":", 1)[0] if match["tag"] else image
        return f"{repository}@{found[0]['imageDigest']}"

    def previous_revision(self, live):
        deployments, token = [], None
        while True:
            page = self.call(
                "list the service's deployments",
                self.ecs.list_service_deployments,
                cluster=self.cluster,
                service=self.name,
                status=["SUCCESSFUL"],
                **({"nextToken": token} if token else {}),
            )
            deployments += page["serviceDeployments"]
            token = page.get("nextToken")
            if not token:
                break
        deployments.sort(key=lambda d: d.get("createdAt") or d.get("startedAt"), reverse=True)
        arns = [d["targetServiceRevisionArn"] for d in deployments]
        revisions = []
        for start in range(0, len(arns), 20):
            revisions += self.call(
                "describe service revisions",
                self.ecs.describe_service_revisions,
                serviceRevisionArns=arns[start : start + 20],
            )["serviceRevisions"]
        by_arn = {r["serviceRevisionArn"]: r["taskDefinition"] for r in revisions}
        for arn in arns:  # newest first
            if by_arn.get(arn) and by_arn[arn] != live:
                return by_arn[arn]
        self.module.fail_json(
            msg=f"Service {self.name} has no successful deployment before the live revision "
            f"{short(live)}: nothing to roll back to",
            verdict="failed",
        )

    # ---- changing --------------------------------------------------------------------------

    def new_revision(self, live_td, image):
        definition = live_td["taskDefinition"]
        containers = definition["containerDefinitions"]
        name = self.params["container"]
        if name is None and len(containers) > 1:
            self.module.fail_json(
                msg="the task has several containers "
                f"({', '.join(c['name'] for c in containers)}): say which one with container"
            )
        target = next((c for c in containers if name in (None, c["name"])), None)
        if target is None:
            self.module.fail_json(msg=f"the live task definition has no container {name}")
        if target["image"] == image:
            return None
        kwargs = {k: definition[k] for k in REGISTER_KEYS if definition.get(k) is not None}
        kwargs["containerDefinitions"] = [
            {**c, "image": image} if c is target else c for c in containers
        ]
        if live_td.get("tags"):
            kwargs["tags"] = live_td["tags"]
        return kwargs

    def update_kwargs(self, service, task_definition):
        kwargs = {"cluster": self.cluster, "service": self.name, "taskDefinition": task_definition}
        if self.params["strategy"] != "blue_green":
            current = service.get("deploymentConfiguration") or {}
            if current.get("strategy") == "BLUE_GREEN":
                kwargs["deploymentConfiguration"] = {
                    **{k: v for k, v in current.items() if k not in ("lifecycleHooks",)},
                    "strategy": "ROLLING",
                }
            return kwargs
        bg = self.params["blue_green"]
        config = dict(service.get("deploymentConfiguration") or {})
        config.update(
            strategy="BLUE_GREEN",
            bakeTimeInMinutes=bg["bake_time_minutes"],
            lifecycleHooks=[
                {
                    "targetType": "PAUSE",
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                    "timeoutConfiguration": {
                        "timeoutInMinutes": bg["hook_timeout_minutes"],
                        "action": "ROLLBACK",
                    },
                }
            ],
        )
        balancers = service.get("loadBalancers") or []
        if not balancers:
            self.module.fail_json(msg=f"blue/green needs a load balancer on service {self.name}")
        advanced = {
            "alternateTargetGroupArn": bg["alternate_target_group_arn"],
            "productionListenerRule": bg["production_listener_rule_arn"],
            "testListenerRule": bg["test_listener_rule_arn"],
            "roleArn": bg["role_arn"],
        }
        kwargs["deploymentConfiguration"] = config
        kwargs["loadBalancers"] = [{**balancers[0], "advancedConfiguration": advanced}] + [
            lb for lb in balancers[1:]
        ]
        return kwargs

    # ---- the verdict -----------------------------------------------------------------------

    def diagnostics(self, service, deployment_id, new_td):
        since = datetime.fromtimestamp(self.started - 2, tz=UTC)
        events = [e for e in service.get("events") or [] if e["createdAt"] >= since][
            : self.params["events"]
        ]
        stopped = []
        arns = self.call(
            "list stopped tasks",
            self.ecs.list_tasks,
            cluster=self.cluster,
            serviceName=service["serviceName"],
            desiredStatus="STOPPED",
        )["taskArns"]
        if arns:
            tasks = self.call(
                "describe stopped tasks",
                self.ecs.describe_tasks,
                cluster=self.cluster,
                tasks=arns[:100],
            )["tasks"]
            for task in tasks:
                if task.get("startedBy") != deployment_id and task["taskDefinitionArn"] != new_td:
                    continue
                reasons = [task.get("stoppedReason") or "no reason given"] + [
                    f"{c['name']}: {c['reason']}"
                    for c in task.get("containers") or []
                    if c.get("reason") and c["reason"] != task.get("stoppedReason")
                ]
                stopped.append({"task": task["taskArn"].rsplit("/", 1)[-1], "reasons": reasons})
        return events, stopped

    def report(self, verdict, headline, service, deployment_id, new_td, facts):
        events, stopped = self.diagnostics(service, deployment_id, new_td)
        lines = [headline]
        if stopped:
            counts = {}
            for task in stopped:
                for reason in task["reasons"]:
                    counts[reason] = counts.get(reason, 0) + 1
            lines.append(f"Stopped tasks of this deployment: {len(stopped)}")
            lines += [f"  {n} x {reason}" for reason, n in counts.items()]
        if events:
            lines.append("Recent service events (newest first):")
            lines += [f"  {e['createdAt'].astimezone(UTC):%H:%M:%S} {e['message']}" for e in events]
        # The events and reasons are in the message already: the result keeps the facts only,
        # so that the failure reads once, not three times.
        raise Failed(verdict, "\n".join(lines), **facts)

    def service_deployment(self, arn):
        if not arn:
            return {}
        found = self.call(
            "describe the service deployment",
            self.ecs.describe_service_deployments,
            serviceDeploymentArns=[arn],
        )["serviceDeployments"]
        return found[0] if found else {}

    def read(self, deployment_id, sd_arn):
        """The service, its deployment `deployment_id` (None once gone), the service deployment
        (blue/green only: {} otherwise)."""
        service = self.service()
        deployment = next((d for d in service["deployments"] if d["id"] == deployment_id), None)
        sd = self.service_deployment(sd_arn) if self.params["strategy"] == "blue_green" else {}
        return service, deployment, sd

    def wait(self, deployment_id, sd_arn, new_td, old_td, facts):
        deadline = self.started + self.params["timeout"]
        contract = None
        failure = None
        while True:
            service, deployment, sd = self.read(deployment_id, sd_arn)
            if contract is None and sd:
                contract = self.maybe_check_contract(sd)
                if contract is not None:
                    facts["contract"] = contract
                    if not contract["passed"]:
                        failure = "the contract check of /api on the new tasks failed"
            state = (deployment or {}).get("rolloutState")
            if (
                deployment is not None
                and state == "COMPLETED"
                and deployment["status"] == "PRIMARY"
                and service["taskDefinition"] == new_td
            ):
                return service
            rolled_back = (
                deployment is None
                or state == "FAILED"
                or sd.get("status", "").startswith("ROLLBACK")
            )
            if rolled_back or sd.get("status") in ("STOPPED", "STOP_REQUESTED"):
                # Read both again: a rollback that landed between the two reads above shows in
                # one and not yet in the other, and the report must tell one story.
                service, deployment, sd = self.read(deployment_id, sd_arn)
                reason = (
                    failure
                    or (deployment or {}).get("rolloutStateReason")
                    or sd.get("statusReason")
                    or "the deployment is gone from the service (replaced or rolled back)"
                )
                live = service["taskDefinition"]
                back = (
                    f"ECS rolled the service back: it runs {short(live)}"
                    if live != new_td
                    else f"the service still points at {short(new_td)}"
                )
                self.report(
                    "rolled_back" if live != new_td else "failed",
                    f"Deploy FAILED: {reason}\n{back}"
                    + (
                        "\nContract problems: " + "; ".join(contract["problems"][:5])
                        if contract and not contract["passed"]
                        else ""
                    ),
                    service,
                    deployment_id,
                    new_td,
                    {**facts, "task_definition": live},
                )
            if time.time() >= deadline:
                running = (deployment or {}).get("runningCount", 0)
                self.report(
                    "timed_out",
                    f"Deploy TIMED OUT after {self.params['timeout']} s: deployment "
                    f"{deployment_id} is still {state} ({running}/{service['desiredCount']} "
                    f"new tasks running, {(deployment or {}).get('failedTasks', 0)} failed). "
                    f"ECS goes on trying; the service points at {short(service['taskDefinition'])}"
                    f" (was {short(old_td)}). `make rollback` goes back.",
                    service,
                    deployment_id,
                    new_td,
                    {**facts, "task_definition": service["taskDefinition"]},
                )
            time.sleep(self.params["poll_interval"])

    def maybe_check_contract(self, sd):
        """At the PAUSE hook after the test traffic shift: check, then continue or roll back."""
        hook = next(
            (
                h
                for h in sd.get("lifecycleHookDetails") or []
                if h.get("targetType") == "PAUSE" and h.get("status") == "AWAITING_ACTION"
            ),
            None,
        )
        if hook is None or sd.get("lifecycleStage") != "POST_TEST_TRAFFIC_SHIFT":
            return None
        bg = self.params["blue_green"]
        contract = check_contract(bg["contract_url"], bg["contract_requests"])
        self.call(
            "continue the service deployment",
            self.ecs.continue_service_deployment,
            serviceDeploymentArn=sd["serviceDeploymentArn"],
            hookId=hook["hookId"],
            action="CONTINUE" if contract["passed"] else "ROLLBACK",
        )
        return contract

    def stop_in_progress(self, service, current, result):
        """Rollback while a deployment runs (a blue/green bake time: blue is still there): ask
        ECS to stop it and roll back, and wait for ROLLBACK_SUCCESSFUL."""
        arn = current["serviceDeploymentArn"]
        stage = current.get("lifecycleStage") or "IN_PROGRESS"
        if self.module.check_mode:
            return dict(result, changed=True, verdict="would_deploy")
        self.call(
            "stop the deployment in progress",
            self.ecs.stop_service_deployment,
            serviceDeploymentArn=arn,
            stopType="ROLLBACK",
        )
        deadline = self.started + self.params["timeout"]
        while True:
            sd = self.service_deployment(arn)
            service = self.service()
            if sd.get("status") == "ROLLBACK_SUCCESSFUL":
                seconds = round(time.time() - self.started)
                return dict(
                    result,
                    changed=True,
                    verdict="completed",
                    task_definition=service["taskDefinition"],
                    service_deployment_arn=arn,
                    msg=f"Rolled back on service {self.name}: stopped the deployment in progress "
                    f"(at {stage}); ECS put {short(service['taskDefinition'])} back "
                    f"(ROLLBACK_SUCCESSFUL in {seconds} s).",
                )
            if sd.get("status") == "ROLLBACK_FAILED" or time.time() >= deadline:
                raise Failed(
                    "failed" if sd.get("status") == "ROLLBACK_FAILED" else "timed_out",
                    f"Rollback of the deployment in progress {sd.get('status')}: "
                    f"{sd.get('statusReason', 'no reason given')}; the service points at "
                    f"{short(service['taskDefinition'])}",
                    **dict(result, task_definition=service["taskDefinition"]),
                )
            time.sleep(self.params["poll_interval"])

    def await_live(self, service, result):
        """The wanted image is live already. If its rollout is still IN_PROGRESS (a deploy that
        was interrupted while it waited: ^C, a cancelled CI job), wait for that rollout's
        verdict instead of reporting "unchanged" over a deployment that may yet fail. Nothing
        is registered or started: `changed` stays false."""
        live = service["taskDefinition"]
        primary = next((d for d in service["deployments"] if d["status"] == "PRIMARY"), {})
        if (
            self.module.check_mode
            or primary.get("rolloutState") != "IN_PROGRESS"
            or primary.get("taskDefinition") != live
        ):
            return dict(result, changed=False, verdict="unchanged")
        others = [d for d in service["deployments"] if d["id"] != primary["id"]]
        old_td = others[0]["taskDefinition"] if others else live
        facts = dict(
            result,
            deployment_id=primary["id"],
            service_deployment_arn=service.get("currentServiceDeployment"),
        )
        self.wait(primary["id"], facts["service_deployment_arn"], live, old_td, facts)
        seconds = round(time.time() - self.started)
        return dict(
            facts,
            changed=False,
            verdict="completed",
            task_definition=live,
            msg=f"{short(live)} was already being deployed on service {self.name} (an earlier "
            f"run stopped waiting): deployment {primary['id']} COMPLETED after another "
            f"{seconds} s and the service runs {short(live)}. Nothing new was registered.",
        )

    # ---- the whole thing -------------------------------------------------------------------

    def run(self):
        service = self.service()
        old_td = service["taskDefinition"]
        result = {"previous_task_definition": old_td, "task_definition": old_td}
        if self.params["revision"]:
            wanted = self.params["revision"]
            current = self.service_deployment(service.get("currentServiceDeployment"))
            if wanted == "previous" and current.get("status") == "IN_PROGRESS":
                return self.stop_in_progress(service, current, result)
            if wanted == "previous":
                wanted = self.previous_revision(old_td)
            new_td = self.task_definition(wanted)["taskDefinition"]["taskDefinitionArn"]
            if new_td == old_td:
                return dict(result, changed=False, verdict="unchanged")
            register = None
        else:
            image = self.resolve(self.params["image"])
            result["image"] = image
            live = self.task_definition(old_td)
            register = self.new_revision(live, image)
            if register is None:
                return self.await_live(service, result)
            new_td = None
            if self.module._diff:
                before = {
                    c["name"]: c["image"] for c in live["taskDefinition"]["containerDefinitions"]
                }
                after = {c["name"]: c["image"] for c in register["containerDefinitions"]}
                result["diff"] = {"before": {"images": before}, "after": {"images": after}}
        if self.module.check_mode:
            return dict(result, changed=True, verdict="would_deploy")
        if register is not None:
            new_td = self.call(
                "register the new task definition revision",
                self.ecs.register_task_definition,
                **register,
            )["taskDefinition"]["taskDefinitionArn"]
        updated = self.call(
            f"update service {self.name}",
            self.ecs.update_service,
            **self.update_kwargs(service, new_td),
        )["service"]
        primary = next(d for d in updated["deployments"] if d["status"] == "PRIMARY")
        facts = dict(
            result,
            deployment_id=primary["id"],
            service_deployment_arn=updated.get("currentServiceDeployment"),
        )
        final = self.wait(primary["id"], facts["service_deployment_arn"], new_td, old_td, facts)
        seconds = round(time.time() - self.started)
        events, stopped = self.diagnostics(final, primary["id"], new_td)
        return dict(
            facts,
            changed=True,
            verdict="completed",
            task_definition=new_td,
            events=[{"at": e["createdAt"].isoformat(), "message": e["message"]} for e in events],
            stopped_tasks=stopped,
            msg=f"{'Rolled back to' if self.params['revision'] == 'previous' else 'Deployed'} "
            f"{short(new_td)} on service {self.name}: deployment {primary['id']} "
            f"COMPLETED in {seconds} s and the service runs {short(new_td)} "
            f"(was {short(old_td)})."
            + (
                f" Blue/green: the contract check of {facts['contract']['url']} passed "
                f"({facts['contract']['requests']} requests) before production traffic moved."
                if facts.get("contract")
                else ""
            ),
        )


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        service=dict(type="str", required=True),
        image=dict(type="str"),
        revision=dict(type="str"),
        container=dict(type="str"),
        resolve_digest=dict(type="bool", default=True),
        strategy=dict(type="str", choices=["rolling", "blue_green"], default="rolling"),
        blue_green=dict(
            type="dict",
            options=dict(
                alternate_target_group_arn=dict(type="str", required=True),
                production_listener_rule_arn=dict(type="str", required=True),
                test_listener_rule_arn=dict(type="str", required=True),
                role_arn=dict(type="str", required=True),
                contract_url=dict(type="str", required=True),
                contract_requests=dict(type="int", default=5),
                bake_time_minutes=dict(type="int", default=5),
                hook_timeout_minutes=dict(type="int", default=30),
            ),
        ),
        timeout=dict(type="int", default=900),
        poll_interval=dict(type="float", default=5),
        events=dict(type="int", default=10),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("image", "revision")],
        required_one_of=[("image", "revision")],
        required_if=[("strategy", "blue_green", ["blue_green"])],
    )
    try:
        result = Deploy(module).run()
    except Failed as failed:
        module.fail_json(msg=str(failed), verdict=failed.verdict, **failed.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
