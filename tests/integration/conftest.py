"""Fixtures for the provisioning tests: run the real playbooks against the session's emulator
and read the whole stack back with boto3.

`provisioner` runs `ansible-playbook` as a person would (`make provision` runs the same
command), with the emulator's fake credentials and endpoint only, so no test can reach AWS.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from scaleout import playbook
from scaleout.playbook import PlaybookRun

ROOT = Path(__file__).resolve().parents[2]
STACK = "http-scale-out-local"
REPOSITORY = "http-scale-out"


class Provisioner:
    """Runs the project's playbooks against the emulator and reads the stack back."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of ansible-playbook: the emulator's, plus `extra`."""
        return playbook.environment(self.emulator.env(**extra))

    def run(
        self,
        name: str = "site.yml",
        *args: str,
        inventory: str = "local",
        env: dict[str, str] | None = None,
        **extra_vars: Any,
    ) -> PlaybookRun:
        """`ansible-playbook` as `make provision` runs it (scaleout.playbook, the one runner)."""
        run = playbook.run(
            name,
            *args,
            inventory=inventory,
            extra_vars=extra_vars or None,
            env=self.env() if env is None else env,
        )
        # Shown by pytest when a test fails: what `make provision` would have printed.
        print(run.stdout, run.stderr, sep="\n")
        return run

    def converge(self, **extra_vars: Any) -> PlaybookRun:
        """Provision and insist that it worked."""
        run = self.run("site.yml", **extra_vars)
        assert run.returncode == 0, run.output[-3000:]
        return run

    def client(self, service: str):
        return self.emulator.client(service)

    def snapshot(self) -> dict[str, Any]:
        """Everything of the stack that a playbook could write, as plain comparable data."""
        ec2, iam, ecr = self.client("ec2"), self.client("iam"), self.client("ecr")
        ecs, elbv2 = self.client("ecs"), self.client("elbv2")
        asg, aas = self.client("autoscaling"), self.client("application-autoscaling")
        logs = self.client("logs")
        roles = {
            r["RoleName"]: sorted(
                p["PolicyArn"]
                for p in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]
            )
            for r in iam.list_roles()["Roles"]
            if r["RoleName"].startswith(STACK)
        }
        repositories = ecr.describe_repositories()["repositories"]
        clusters = ecs.list_clusters()["clusterArns"]
        services = []
        for cluster in clusters:
            arns = ecs.list_services(cluster=cluster)["serviceArns"]
            if arns:
                services += ecs.describe_services(cluster=cluster, services=arns)["services"]
        load_balancers = elbv2.describe_load_balancers()["LoadBalancers"]
        listeners = [
            listener
            for lb in load_balancers
            for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])[
                "Listeners"
            ]
        ]
        state = {
            "vpcs": ec2.describe_vpcs()["Vpcs"],
            "subnets": ec2.describe_subnets()["Subnets"],
            "security_groups": ec2.describe_security_groups()["SecurityGroups"],
            "route_tables": ec2.describe_route_tables()["RouteTables"],
            "igws": ec2.describe_internet_gateways()["InternetGateways"],
            "launch_templates": ec2.describe_launch_template_versions(LaunchTemplateName=STACK)[
                "LaunchTemplateVersions"
            ]
            if any(
                t["LaunchTemplateName"] == STACK
                for t in ec2.describe_launch_templates()["LaunchTemplates"]
            )
            else [],
            "roles": roles,
            "repositories": repositories,
            "lifecycle": [
                ecr.get_lifecycle_policy(repositoryName=r["repositoryName"])["lifecyclePolicyText"]
                for r in repositories
            ],
            "clusters": ecs.describe_clusters(clusters=clusters, include=["SETTINGS"])["clusters"]
            if clusters
            else [],
            "services": [
                {k: v for k, v in s.items() if k not in {"events", "deployments"}} for s in services
            ],
            "task_definitions": ecs.list_task_definitions()["taskDefinitionArns"],
            "capacity_providers": [
                p
                for p in ecs.describe_capacity_providers(capacityProviders=[f"{STACK}-ec2"])[
                    "capacityProviders"
                ]
            ],
            "load_balancers": load_balancers,
            "listeners": listeners,
            # The blue/green rules' weights are ECS's: a playbook must not write them either.
            "rules": [
                rule
                for listener in listeners
                for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
            ],
            "target_groups": elbv2.describe_target_groups()["TargetGroups"],
            "groups": asg.describe_auto_scaling_groups()["AutoScalingGroups"],
            "group_policies": asg.describe_policies()["ScalingPolicies"],
            "scalable_targets": aas.describe_scalable_targets(ServiceNamespace="ecs")[
                "ScalableTargets"
            ],
            "scaling_policies": aas.describe_scaling_policies(ServiceNamespace="ecs")[
                "ScalingPolicies"
            ],
            "log_groups": logs.describe_log_groups()["logGroups"],
        }
        return json.loads(json.dumps(state, default=_plain))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"cannot compare {type(value).__name__}")


@pytest.fixture(scope="session")
def provisioner(emulator) -> Provisioner:
    return Provisioner(emulator)
