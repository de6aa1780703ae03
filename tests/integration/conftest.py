"""Fixtures for the provisioning tests: run the real playbooks against the session's emulator
and read the whole stack back with boto3.

`provisioner` runs `ansible-playbook` as a person would (`make provision` runs the same
command), with the emulator's fake credentials and endpoint only, so no test can reach AWS.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
STACK = "http-scale-out-local"
REPOSITORY = "http-scale-out"


@dataclass
class PlaybookRun:
    """What `ansible-playbook` did: exit code, output, and the PLAY RECAP counters."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def recap(self) -> dict[str, int]:
        """The PLAY RECAP counters, summed over its hosts."""
        totals: dict[str, int] = {}
        recap = self.stdout.split("PLAY RECAP", 1)[-1]
        for match in re.finditer(r"^\S+\s+:\s+(ok=.*)$", recap, re.MULTILINE):
            for item in match.group(1).split():
                key, value = item.split("=")
                totals[key] = totals.get(key, 0) + int(value)
        assert totals, f"no PLAY RECAP in the output:\n{self.output}"
        return totals

    @property
    def changed(self) -> int:
        return self.recap["changed"]

    @property
    def report(self) -> dict[str, Any]:
        """The run as the ansible.posix.json callback reports it (`run(..., json_report=True)`)."""
        return json.loads(self.stdout)

    def reported_changes(self) -> dict[str, dict[str, Any]]:
        """From the JSON report: `host | task name` of each task that changed (or, in check
        mode, would change) something, to its result."""
        found = {}
        for play in self.report["plays"]:
            for task in play["tasks"]:
                for host, result in task["hosts"].items():
                    if result.get("changed"):
                        found[f"{host} | {task['task']['name']}"] = result
        return found

    def changed_tasks(self) -> list[str]:
        """Names of the tasks that reported a change (for failure messages)."""
        tasks, current = [], ""
        for line in self.stdout.splitlines():
            if line.startswith("TASK ["):
                current = line.split("[", 1)[1].rsplit("]", 1)[0]
            elif line.startswith("changed: [") and current not in tasks:
                tasks.append(current)
        return tasks


class Provisioner:
    """Runs the project's playbooks against the emulator and reads the stack back."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of ansible-playbook: the emulator's, plus `extra`."""
        return self.emulator.env(
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            PYTHONPATH=f"{ROOT}/app:{ROOT}",
            **extra,
        )

    def run(
        self,
        playbook: str = "site.yml",
        *args: str,
        inventory: str = "local",
        env: dict[str, str] | None = None,
        json_report: bool = False,
        **extra_vars: Any,
    ) -> PlaybookRun:
        environ = self.env() if env is None else env
        if json_report:
            environ = {**environ, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
        command = [
            ANSIBLE_PLAYBOOK,
            "-i",
            str(ROOT / "ansible" / "inventories" / inventory),
            str(ROOT / "ansible" / playbook),
            *args,
        ]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        proc = subprocess.run(
            command,
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        # Shown by pytest when a test fails: what `make provision` would have printed.
        print(proc.stdout, proc.stderr, sep="\n")
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr)

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
