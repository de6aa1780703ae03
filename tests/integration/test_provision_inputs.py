"""Bad input stops ansible/site.yml before any AWS call, with a message naming the variable;
the `aws` environment refuses to run without credentials or with an endpoint override.

The runs here point boto3 at a loopback port where nothing listens: had any task reached for
AWS, the run would fail with a connection error instead of the message asserted on.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.emulator, pytest.mark.playbook]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dead_endpoint() -> Iterator[str]:
    """A loopback URL on which nothing listens. The port stays bound without listening while
    the tests use it: a connection is refused, and no other process can take the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        yield f"http://127.0.0.1:{port}"


def assert_stopped_before_aws(run, variable: str) -> None:
    assert run.returncode != 0, run.output[-2000:]
    assert variable in run.output
    assert "Could not connect" not in run.output
    assert "EndpointConnectionError" not in run.output
    # Nothing after the checks ran: the first role that talks to AWS is network.
    assert "TASK [network" not in run.stdout


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        pytest.param(
            {"project_min_tasks": 5, "project_max_tasks": 2}, "project_min_tasks", id="min>max"
        ),
        pytest.param({"project_cpu_target": 0}, "project_cpu_target", id="cpu-target-0"),
        pytest.param({"project_cpu_target": 101}, "project_cpu_target", id="cpu-target-101"),
        pytest.param({"project_compute": "gpu"}, "project_compute", id="unknown-compute"),
        pytest.param(
            {"project_compute": "fargate", "project_task_cpu": 256, "project_task_memory": 4096},
            "project_task_memory",
            id="fargate-size",
        ),
        pytest.param(
            {"project_compute": "fargate", "project_task_cpu": 300},
            "project_task_cpu",
            id="fargate-cpu",
        ),
        pytest.param(
            {"project_cluster_scaling": "magic"}, "project_cluster_scaling", id="unknown-scaling"
        ),
        pytest.param(
            {"project_deploy_strategy": "canary"}, "project_deploy_strategy", id="unknown-strategy"
        ),
        pytest.param(
            {"project_test_listener_port": 0}, "project_test_listener_port", id="test-port-0"
        ),
        pytest.param(
            {"project_test_listener_port": 65536},
            "project_test_listener_port",
            id="test-port-65536",
        ),
        pytest.param(
            {"project_deploy_strategy": "blue_green", "project_test_listener_port": 80},
            "project_test_listener_port",
            id="test-port-is-production",
        ),
        pytest.param(
            {"project_bake_time_minutes": 1441}, "project_bake_time_minutes", id="bake-time"
        ),
        pytest.param(
            {"project_contract_url": "127.0.0.1:8080/api"},
            "project_contract_url",
            id="contract-url",
        ),
        pytest.param(
            {"project_deploy_strategy": "blue_green", "project_requests_per_target": 500},
            "project_requests_per_target",
            id="request-count-policy-with-blue-green",
        ),
        pytest.param(
            {"project_deploy_timeout_seconds": 0},
            "project_deploy_timeout_seconds",
            id="deploy-timeout",
        ),
        pytest.param(
            {
                "project_deploy_strategy": "blue_green",
                "project_stack_name": "a-stack-name-of-29-characters",
            },
            "project_stack_name",
            id="stack-name-too-long-for-the-second-group",
        ),
    ],
)
def test_bad_input_stops_before_any_aws_call(provisioner, dead_endpoint, overrides, variable):
    env = provisioner.env(AWS_ENDPOINT_URL=dead_endpoint)
    run = provisioner.run("site.yml", env=env, **overrides)
    assert_stopped_before_aws(run, variable)


def test_a_capacity_plan_error_stops_before_any_aws_call(provisioner, dead_endpoint):
    """The capacity plan (scaleout.plan, run by stack_checks in the controller) has its own
    errors, beyond the variable checks: an instance type it knows nothing about is one."""
    env = provisioner.env(AWS_ENDPOINT_URL=dead_endpoint)
    run = provisioner.run("site.yml", env=env, project_instance_type="z9.huge")
    assert_stopped_before_aws(run, "unknown-instance-type")
    assert "'z9.huge' is not in scaleout/plan/instance_types.json" in run.output
    assert "The capacity plan found errors" in run.output


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"project_deploy_strategy": "blue_green"}, id="blue-green"),
    ],
)
def test_a_sound_configuration_passes_the_checks(provisioner, dead_endpoint, overrides):
    """The counterpart of the cases above: with the default variables the checks pass and the
    run goes on to its first AWS call (which fails on the dead endpoint)."""
    env = provisioner.env(AWS_ENDPOINT_URL=dead_endpoint)
    run = provisioner.run("site.yml", env=env, **overrides)
    assert run.returncode != 0
    assert "TASK [network : present | Create the VPC]" in run.stdout


def aws_env(**extra: str) -> dict[str, str]:
    """The environment of a person with no AWS credentials at all: nothing in the environment,
    no config files, no instance metadata. A proxy on a dead port catches any request that
    would still leave this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        PYTHONPATH=f"{ROOT}/app:{ROOT}",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        NO_PROXY="",
    )
    env.update(extra)
    return env


def test_aws_environment_without_credentials_says_so(provisioner):
    run = provisioner.run("site.yml", inventory="aws", env=aws_env())
    assert run.returncode != 0
    assert "No usable AWS credentials for the aws environment" in run.output
    assert "aws sso login" in run.output
    assert "TASK [network" not in run.stdout


def test_aws_environment_refuses_an_endpoint_override(provisioner, dead_endpoint):
    run = provisioner.run("site.yml", inventory="aws", env=aws_env(AWS_ENDPOINT_URL=dead_endpoint))
    assert run.returncode != 0
    assert "AWS_ENDPOINT_URL is set in the environment" in run.output
    assert "TASK [network" not in run.stdout
