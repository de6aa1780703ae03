"""What `--env local|aws` means to the load test: the stack's names, region and endpoint, read
from the same group_vars files the playbooks use (ansible/inventories/ENV/group_vars/all/).

The cluster and the service are both named after the stack (`project_stack_name`), as the
roles name them; so is the load balancer, whose DNS name is the URL to load when none is given
for a real AWS environment. Locally the service answers on http://127.0.0.1:8080 and the AWS
control plane is the emulator, found as the playbooks find it: $AWS_ENDPOINT_URL, else
$EMULATOR_URL, else http://127.0.0.1:5000.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOCAL_URL = "http://127.0.0.1:8080/api"
LOCAL_ENDPOINT = "http://127.0.0.1:5000"


class UnknownEnvironment(ValueError):
    """The environment cannot be read: bad usage (exit 2)."""


@dataclass(frozen=True)
class Environment:
    name: str
    stack: str
    region: str
    endpoint_url: str | None  # None: real AWS

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None


def read(name: str, root: Path = ROOT) -> Environment:
    from scaleout.plan.variables import Unresolved, UsageError, load_environment, resolve

    path = root / "ansible" / "inventories" / name / "group_vars"
    try:
        variables = load_environment(name, root / "ansible" / "inventories")
    except UsageError as exc:
        raise UnknownEnvironment(str(exc)) from None
    values = {}
    for key in ("project_stack_name", "project_region"):
        value = resolve(variables.get(key), variables)
        if not isinstance(value, str) or isinstance(value, Unresolved) or not value:
            raise UnknownEnvironment(f"{path}: {key} has no plain value")
        values[key] = value
    local = name == "local"
    endpoint = None
    if local:
        endpoint = (
            os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("EMULATOR_URL") or LOCAL_ENDPOINT
        )
    return Environment(name, values["project_stack_name"], values["project_region"], endpoint)


def load_balancer_url(env: Environment, clients: Callable[[str], Any], path: str = "/api") -> str:
    """http://<the stack's ALB DNS name><path>, for a real AWS environment."""
    try:
        balancers = clients("elbv2").describe_load_balancers(Names=[env.stack[:32]])
    except Exception as exc:  # noqa: BLE001 - any failure means: say so and ask for URL=
        raise UnknownEnvironment(
            f"cannot find the load balancer {env.stack[:32]} of {env.name}: {exc}; give the URL"
        ) from None
    return f"http://{balancers['LoadBalancers'][0]['DNSName']}{path}"
