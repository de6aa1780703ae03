"""Run our own Ansible modules through real `ansible-playbook` against the emulator.

Each module has a playbook in playbooks/ that applies it once per entry of `steps`; `play()`
runs it with the JSON callback and returns one result per step. The endpoint is passed to the
module explicitly (DESIGN.md: group/aws defaults do not reach our modules), and AWS_ENDPOINT_URL
is removed from the environment so that nothing else can point the module anywhere.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scaleout import playbook
from tests.conftest import Emulator, assert_loopback

PLAYBOOKS = Path(__file__).parent / "playbooks"

Play = Callable[..., list[dict[str, Any]]]


def run_playbook(
    emulator: Emulator, module: str, steps: list[dict[str, Any]], endpoint_url: str | None = None
) -> list[dict[str, Any]]:
    """Apply `module` once per step; return each step's result (changed, failed, msg, ...)."""
    endpoint = endpoint_url or emulator.endpoint_url
    assert_loopback(endpoint)
    env = emulator.env()
    env.pop("AWS_ENDPOINT_URL")
    extra = {"steps": steps, "aws_region": emulator.region, "aws_endpoint_url": endpoint}
    run = playbook.run(
        PLAYBOOKS / f"{module}.yml", inventory="localhost,", extra_vars=extra, env=env, timeout=300
    )
    assert run.returncode == 0, f"ansible-playbook failed:\n{run.stdout}\n{run.stderr}"
    (task,) = [r for r in run.results if r["action"] == module]
    results = task["result"]["results"]
    assert len(results) == len(steps)
    return results


@pytest.fixture
def play(emulator: Emulator) -> Play:
    """play(module, *steps, endpoint_url=None) -> [result of each step]."""

    def run(module: str, *steps: dict[str, Any], endpoint_url: str | None = None):
        return run_playbook(emulator, module, list(steps), endpoint_url)

    return run


@pytest.fixture
def unique() -> str:
    """A short suffix that keeps each test's resources apart on the shared emulator."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def dead_endpoint() -> str:
    """A loopback URL where nothing listens: a module that calls AWS there cannot succeed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def asg(emulator: Emulator, unique: str) -> dict[str, str]:
    """An Auto Scaling group (no instances) to build capacity providers on."""
    ec2 = emulator.client("ec2")
    autoscaling = emulator.client("autoscaling")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    name = f"asg-{unique}"
    ec2.create_launch_template(
        LaunchTemplateName=f"lt-{unique}",
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": f"lt-{unique}"},
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=0,
        AvailabilityZones=[f"{emulator.region}a"],
    )
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    return {"name": name, "arn": group["AutoScalingGroups"][0]["AutoScalingGroupARN"]}
