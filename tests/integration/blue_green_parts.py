"""Read back, with boto3, the parts of the stack that project_deploy_strategy=blue_green adds
(second target group, listener rules, test listener and port, ECS's role), and run deploy.yml
as `make deploy STRATEGY=blue_green` does. Shared by test_provision_blue_green.py and the
rolling stack of test_provision.py, which must have none of these parts.
"""

from __future__ import annotations

from typing import Any

from tests.integration.deploy_stack import run_playbook

STACK = "http-scale-out-local"
ALTERNATE = f"{STACK}-alt"
ROLE = f"{STACK}-ecs-load-balancers"
BLUE_GREEN = {"project_deploy_strategy": "blue_green"}


def service(provisioner: Any) -> dict:
    ecs = provisioner.client("ecs")
    return ecs.describe_services(cluster=STACK, services=[STACK])["services"][0]


def target_groups(provisioner: Any) -> dict[str, dict]:
    groups = provisioner.client("elbv2").describe_target_groups()["TargetGroups"]
    return {g["TargetGroupName"]: g for g in groups}


def listeners(provisioner: Any) -> dict[int, dict]:
    """Port -> listener of the stack's load balancer, each with its `Rules`."""
    elbv2 = provisioner.client("elbv2")
    balancers = elbv2.describe_load_balancers()["LoadBalancers"]
    found = {}
    for balancer in balancers:
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])[
            "Listeners"
        ]:
            listener["Rules"] = elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
            found[listener["Port"]] = listener
    return found


def blue_green_rule(listener: dict) -> dict:
    (rule,) = [r for r in listener["Rules"] if not r["IsDefault"]]
    return rule


def weights(provisioner: Any, port: int) -> dict[str, int]:
    """Target group name -> weight in the forward of the blue/green rule on `port`."""
    rule = blue_green_rule(listeners(provisioner)[port])
    (forward,) = [a for a in rule["Actions"] if a["Type"] == "forward"]
    return {
        g["TargetGroupArn"].split(":targetgroup/")[1].split("/")[0]: g["Weight"]
        for g in forward["ForwardConfig"]["TargetGroups"]
    }


def alb_ports(provisioner: Any) -> list[int]:
    groups = provisioner.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"{STACK}-alb"]}]
    )["SecurityGroups"]
    return sorted(p["FromPort"] for g in groups for p in g["IpPermissions"])


def stack_roles(provisioner: Any) -> list[str]:
    roles = provisioner.client("iam").list_roles()["Roles"]
    return sorted(r["RoleName"] for r in roles if r["RoleName"].startswith(STACK))


def assert_rolling_only(provisioner: Any) -> None:
    """The stack has no second target group, test listener, listener rule or test port, and
    its service deploys rolling, with no blue/green configuration."""
    assert sorted(target_groups(provisioner)) == [STACK]
    found = listeners(provisioner)
    assert sorted(found) == [80]
    assert [r for r in found[80]["Rules"] if not r["IsDefault"]] == []
    assert alb_ports(provisioner) == [80]
    live = service(provisioner)
    assert live["deploymentConfiguration"].get("strategy", "ROLLING") == "ROLLING"
    assert "advancedConfiguration" not in live["loadBalancers"][0]


def deploy_blue_green(emulator: Any, image: str, contract_url: str, **env: str):
    """make deploy as a person runs it on a blue/green stack: the image and the stack's knobs,
    not one ARN of the blue/green resources. `env` is added to its environment."""
    return run_playbook(
        emulator,
        "deploy.yml",
        {
            "ecs_deploy_image": image,
            **BLUE_GREEN,
            "project_contract_url": contract_url,
            "ecs_deploy_poll_interval": 0.5,
            "ecs_deploy_timeout": 60,
        },
        **env,
    )
