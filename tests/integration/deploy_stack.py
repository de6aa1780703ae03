"""The least a deploy needs, made with boto3 in the emulator, and a way to run the playbooks.

Each call makes its own uniquely named repository, cluster, task family and service, so deploy
tests share the session's emulator without seeing each other's resources, and do not wait for
a whole provision.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaleout import playbook as runner
from scaleout.playbook import PlaybookRun
from tests.support import start_service, wait_for

ROOT = Path(__file__).resolve().parents[2]
CONTAINER = "web"
MISSING_DIGEST = "sha256:" + "0" * 64


def manifest(tag: str) -> str:
    """An image manifest whose layer digest (and so the image digest) depends on `tag`."""
    layer = hashlib.sha256(tag.encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1,
                "digest": "sha256:" + hashlib.sha256(f"config-{tag}".encode()).hexdigest(),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1,
                    "digest": f"sha256:{layer}",
                }
            ],
        }
    )


@contextmanager
def serving_api() -> Iterator[str]:
    """The service itself on a free loopback port: what a blue/green contract check reaches
    locally, since the emulator runs no tasks. Yields its /api URL."""
    proc, port = start_service(APP_ACCESS_LOG="off")
    try:
        yield f"http://127.0.0.1:{port}/api"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class _BrokenApi(http.server.BaseHTTPRequestHandler):
    """Answers /api with 52 keys, one of them two letters long: the contract is broken."""

    def do_GET(self):  # the name http.server calls
        body = json.dumps({str(i): "ab" if i == 7 else "x" for i in range(52)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def broken_api() -> Iterator[str]:
    """A stand-in for the new tasks that breaks the contract (key 7 holds two letters)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BrokenApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Stack:
    emulator: Any
    name: str
    repository_uri: str
    cluster: str
    service: str
    family: str
    first_revision: str
    digests: dict[str, str] = field(default_factory=dict)
    blue_green: dict[str, str] = field(default_factory=dict)

    @property
    def ecs(self):
        return self.emulator.client("ecs")

    def image(self, tag: str) -> str:
        return f"{self.repository_uri}:{tag}"

    def by_digest(self, tag: str) -> str:
        return f"{self.repository_uri}@{self.digests[tag]}"

    def describe(self) -> dict[str, Any]:
        return self.ecs.describe_services(cluster=self.cluster, services=[self.service])[
            "services"
        ][0]

    def live_image(self) -> str:
        definition = self.ecs.describe_task_definition(
            taskDefinition=self.describe()["taskDefinition"]
        )["taskDefinition"]
        return definition["containerDefinitions"][0]["image"]

    def revisions(self) -> list[str]:
        return self.ecs.list_task_definitions(familyPrefix=self.family)["taskDefinitionArns"]

    def deploy_vars(self, **extra: Any) -> dict[str, Any]:
        return {
            "ecs_deploy_cluster": self.cluster,
            "ecs_deploy_service": self.service,
            "ecs_deploy_container": CONTAINER,
            "ecs_deploy_poll_interval": 0.5,
            "ecs_deploy_timeout": 60,
            **self.blue_green_vars(),
            **extra,
        }

    def blue_green_vars(self) -> dict[str, Any]:
        if not self.blue_green:
            return {}
        return {
            "ecs_deploy_alternate_target_group_arn": self.blue_green["green_tg"],
            "ecs_deploy_production_listener_rule_arn": self.blue_green["production_rule"],
            "ecs_deploy_test_listener_rule_arn": self.blue_green["test_rule"],
            "ecs_deploy_blue_green_role_arn": self.blue_green["role"],
            "ecs_deploy_bake_time_minutes": 1,
        }

    def weights(self, rule_key: str) -> dict[str, int]:
        """Target group -> weight of the forward action of one of the blue/green rules."""
        elbv2 = self.emulator.client("elbv2")
        rule = elbv2.describe_rules(RuleArns=[self.blue_green[rule_key]])["Rules"][0]
        forward = next(a for a in rule["Actions"] if a["Type"] == "forward")
        groups = forward["ForwardConfig"]["TargetGroups"]
        names = {self.blue_green["blue_tg"]: "blue", self.blue_green["green_tg"]: "green"}
        return {names[g["TargetGroupArn"]]: g["Weight"] for g in groups}


def make_stack(emulator: Any, *, breaker: bool = True, blue_green: bool = False) -> Stack:
    """Repository with images v1 and v2, cluster, task family on v1, a service of 2 tasks whose
    first deployment has COMPLETED; with `blue_green`, a load balancer with two target groups,
    a production and a test listener rule (weights blue 100 / green 0)."""
    name = f"dep-{uuid.uuid4().hex[:8]}"
    ecr, ecs = emulator.client("ecr"), emulator.client("ecs")
    uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
    digests = {}
    for tag in ("v1", "v2"):
        image = ecr.put_image(repositoryName=name, imageManifest=manifest(tag), imageTag=tag)
        digests[tag] = image["image"]["imageId"]["imageDigest"]
    ecs.create_cluster(clusterName=name)
    first = ecs.register_task_definition(
        family=name,
        containerDefinitions=[
            {
                "name": CONTAINER,
                "image": f"{uri}@{digests['v1']}",
                "memory": 512,
                "portMappings": [{"containerPort": 8080}],
                "environment": [{"name": "APP_DRAIN_SECONDS", "value": "1"}],
                "stopTimeout": 30,
            }
        ],
        cpu="256",
        memory="512",
    )["taskDefinition"]["taskDefinitionArn"]
    stack = Stack(emulator, name, uri, name, name, name, first, digests)
    service: dict[str, Any] = {
        "cluster": name,
        "serviceName": name,
        "taskDefinition": first,
        "desiredCount": 2,
    }
    if blue_green:
        stack.blue_green = _load_balancer(emulator, name)
        service["loadBalancers"] = [
            {
                "targetGroupArn": stack.blue_green["blue_tg"],
                "containerName": CONTAINER,
                "containerPort": 8080,
            }
        ]
    ecs.create_service(**service)
    # moto's CreateService drops the deployment configuration; UpdateService keeps it, and
    # without a new task definition it starts no deployment.
    ecs.update_service(
        cluster=name,
        service=name,
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker},
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
        },
    )
    wait_for(
        "the service's first deployment to complete",
        lambda: stack.describe()["deployments"][0]["rolloutState"] == "COMPLETED",
    )
    return stack


def _load_balancer(emulator: Any, name: str) -> dict[str, str]:
    ec2, elbv2 = emulator.client("ec2"), emulator.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"eu-west-1{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    lb = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]
    groups = {}
    for colour in ("blue", "green"):
        groups[colour] = elbv2.create_target_group(
            Name=f"{name}-{colour}", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
    forward = [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": groups["blue"], "Weight": 100},
                    {"TargetGroupArn": groups["green"], "Weight": 0},
                ]
            },
        }
    ]
    rules = {}
    for key, port in (("production_rule", 80), ("test_rule", 9000)):
        listener = elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=port,
            DefaultActions=[
                {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}
            ],
        )["Listeners"][0]["ListenerArn"]
        rules[key] = elbv2.create_rule(
            ListenerArn=listener,
            Priority=1,
            Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
            Actions=forward,
        )["Rules"][0]["RuleArn"]
    return {
        "blue_tg": groups["blue"],
        "green_tg": groups["green"],
        "role": "arn:aws:iam::123456789012:role/ecs-infrastructure-for-load-balancers",
        **rules,
    }


def playbook_command(
    emulator: Any, playbook: str, extra_vars: dict[str, Any], *args: str, **env: str
) -> tuple[list[str], dict[str, str]]:
    """The ansible-playbook command line (local inventory) and environment for the emulator,
    for a test that must hold the process (scaleout.playbook builds both)."""
    environ = runner.environment(emulator.env(**env))
    return runner.command(playbook, *args, extra_vars=extra_vars), environ


def run_playbook(
    emulator: Any, playbook: str, extra_vars: dict[str, Any], *args: str, **env: str
) -> PlaybookRun:
    """ansible-playbook on the local inventory against the emulator; output kept for asserts."""
    run = runner.run(playbook, *args, extra_vars=extra_vars, env=emulator.env(**env), timeout=300)
    # Shown by pytest when a test fails: what a person running `make deploy` would have seen.
    print(run.stdout, run.stderr, sep="\n")
    return run


def recap(run: PlaybookRun) -> dict[str, int]:
    """localhost's counters (ok, changed, failures...), from the run's results."""
    return run.stats["localhost"]
