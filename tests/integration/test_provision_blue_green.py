"""project_deploy_strategy=blue_green: ansible/site.yml provisions what ECS native blue/green
needs (second target group, weighted production rule, test listener with its rule, the test
port in the ALB's security group, the role ECS moves traffic with), ansible/deploy.yml finds
them by name without being told, and ansible/teardown.yml removes them. A rolling stack has
none of it, and a stack switched back to rolling loses it while that is safe.

The tests of the first part share one stack and run in file order, like test_provision.py.
The contract check reaches the service started on this machine (the emulator runs no tasks).
"""

from __future__ import annotations

import json

import pytest

from tests.integration.deploy_stack import broken_api, manifest, run_playbook, serving_api

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

STACK = "http-scale-out-local"
ALTERNATE = f"{STACK}-alt"
ROLE = f"{STACK}-ecs-load-balancers"
REPOSITORY = "http-scale-out"
BLUE_GREEN = {"project_deploy_strategy": "blue_green"}
MANAGED_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


@pytest.fixture(scope="module")
def first_run(emulator, provisioner):
    emulator.reset()
    return provisioner.converge(**BLUE_GREEN)


def service(provisioner) -> dict:
    ecs = provisioner.client("ecs")
    return ecs.describe_services(cluster=STACK, services=[STACK])["services"][0]


def target_groups(provisioner) -> dict[str, dict]:
    groups = provisioner.client("elbv2").describe_target_groups()["TargetGroups"]
    return {g["TargetGroupName"]: g for g in groups}


def listeners(provisioner) -> dict[int, dict]:
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


def weights(provisioner, port: int) -> dict[str, int]:
    """Target group name -> weight in the forward of the blue/green rule on `port`."""
    rule = blue_green_rule(listeners(provisioner)[port])
    (forward,) = [a for a in rule["Actions"] if a["Type"] == "forward"]
    return {
        g["TargetGroupArn"].split(":targetgroup/")[1].split("/")[0]: g["Weight"]
        for g in forward["ForwardConfig"]["TargetGroups"]
    }


def alb_ports(provisioner) -> list[int]:
    groups = provisioner.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"{STACK}-alb"]}]
    )["SecurityGroups"]
    return sorted(p["FromPort"] for g in groups for p in g["IpPermissions"])


def stack_roles(provisioner) -> list[str]:
    roles = provisioner.client("iam").list_roles()["Roles"]
    return sorted(r["RoleName"] for r in roles if r["RoleName"].startswith(STACK))


def push_image(provisioner, tag: str) -> str:
    ecr = provisioner.client("ecr")
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest(tag), imageTag=tag)
    uri = ecr.describe_repositories(repositoryNames=[REPOSITORY])["repositories"][0]
    return f"{uri['repositoryUri']}:{tag}"


def deploy(emulator, image: str, contract_url: str):
    """make deploy as a person runs it on a blue/green stack: the image and the stack's knobs,
    not one ARN of the blue/green resources."""
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
    )


def live_image(provisioner) -> str:
    definition = provisioner.client("ecs").describe_task_definition(
        taskDefinition=service(provisioner)["taskDefinition"]
    )["taskDefinition"]
    return definition["containerDefinitions"][0]["image"]


def test_first_run_creates_a_second_target_group_like_the_first(first_run, provisioner):
    assert first_run.recap["failed"] == 0
    groups = target_groups(provisioner)
    assert sorted(groups) == [STACK, ALTERNATE]
    keys = (
        "Protocol",
        "Port",
        "VpcId",
        "TargetType",
        "HealthCheckPath",
        "HealthCheckIntervalSeconds",
        "HealthCheckTimeoutSeconds",
        "HealthyThresholdCount",
        "UnhealthyThresholdCount",
        "Matcher",
    )
    assert {k: groups[ALTERNATE][k] for k in keys} == {k: groups[STACK][k] for k in keys}
    elbv2 = provisioner.client("elbv2")
    delays = {
        name: {
            a["Key"]: a["Value"]
            for a in elbv2.describe_target_group_attributes(TargetGroupArn=g["TargetGroupArn"])[
                "Attributes"
            ]
        }["deregistration_delay.timeout_seconds"]
        for name, g in groups.items()
    }
    assert delays == {STACK: "15", ALTERNATE: "15"}


def test_production_and_test_listeners_forward_by_weight_to_both_groups(first_run, provisioner):
    found = listeners(provisioner)
    assert sorted(found) == [80, 9000]
    for port in (80, 9000):
        rule = blue_green_rule(found[port])
        assert [
            c.get("Values") or c["PathPatternConfig"]["Values"] for c in rule["Conditions"]
        ] == [["/*"]]
        assert weights(provisioner, port) == {STACK: 100, ALTERNATE: 0}
    # Nothing falls through the test listener's rule to production.
    (default,) = found[9000]["DefaultActions"]
    assert default["Type"] == "fixed-response"
    assert default["FixedResponseConfig"]["StatusCode"] == "404"


def test_only_the_allowed_sources_reach_the_test_listener(first_run, provisioner):
    assert alb_ports(provisioner) == [80, 9000]
    (group,) = provisioner.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"{STACK}-alb"]}]
    )["SecurityGroups"]
    (test,) = [p for p in group["IpPermissions"] if p["FromPort"] == 9000]
    assert (test["IpProtocol"], test["ToPort"]) == ("tcp", 9000)
    assert [r["CidrIp"] for r in test["IpRanges"]] == ["0.0.0.0/0"]


def test_ecs_gets_a_role_of_its_own_to_move_traffic(first_run, provisioner):
    iam = provisioner.client("iam")
    role = iam.get_role(RoleName=ROLE)["Role"]
    document = role["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": "ecs.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [MANAGED_POLICY]


def test_the_service_deploys_blue_green_with_these_resources(first_run, provisioner):
    live = service(provisioner)
    configuration = live["deploymentConfiguration"]
    assert configuration["strategy"] == "BLUE_GREEN"
    assert configuration["bakeTimeInMinutes"] == 5
    assert configuration["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert configuration.get("lifecycleHooks", []) == []
    (balancer,) = live["loadBalancers"]
    groups = target_groups(provisioner)
    found = listeners(provisioner)
    assert balancer["targetGroupArn"] == groups[STACK]["TargetGroupArn"]
    assert balancer["advancedConfiguration"] == {
        "alternateTargetGroupArn": groups[ALTERNATE]["TargetGroupArn"],
        "productionListenerRule": blue_green_rule(found[80])["RuleArn"],
        "testListenerRule": blue_green_rule(found[9000])["RuleArn"],
        "roleArn": provisioner.client("iam").get_role(RoleName=ROLE)["Role"]["Arn"],
    }


def test_second_run_changes_nothing(first_run, provisioner):
    again = provisioner.converge(**BLUE_GREEN)
    assert again.changed == 0, again.changed_tasks()


def test_check_mode_changes_and_writes_nothing(first_run, provisioner):
    before = provisioner.snapshot()
    check = provisioner.run("site.yml", "--check", **BLUE_GREEN)
    assert check.returncode == 0, check.output[-3000:]
    assert check.changed == 0, check.changed_tasks()
    assert provisioner.snapshot() == before


def test_a_deploy_finds_the_blue_green_resources_by_name(first_run, emulator, provisioner):
    image = push_image(provisioner, "v2")
    before = service(provisioner)["taskDefinition"]

    with serving_api() as url:
        proc = deploy(emulator, image, url)

    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f"the contract check of {url} passed" in proc.stdout
    after = service(provisioner)
    assert after["taskDefinition"] != before
    assert live_image(provisioner).split("@")[0] == image.rsplit(":", 1)[0]
    # Production and test traffic now go to the second group, where ECS put the new tasks.
    assert weights(provisioner, 80) == {STACK: 0, ALTERNATE: 100}
    assert weights(provisioner, 9000) == {STACK: 0, ALTERNATE: 100}


def test_reprovisioning_leaves_production_where_ecs_put_it(first_run, provisioner):
    again = provisioner.converge(**BLUE_GREEN)
    assert again.changed == 0, again.changed_tasks()
    assert weights(provisioner, 80) == {STACK: 0, ALTERNATE: 100}


def test_a_failed_contract_check_leaves_production_on_the_old_tasks(
    first_run, emulator, provisioner
):
    live = service(provisioner)["taskDefinition"]
    image = push_image(provisioner, "v3")

    with broken_api() as url:
        proc = deploy(emulator, image, url)

    assert proc.returncode != 0
    assert "Deploy FAILED: the contract check of /api on the new tasks failed" in proc.stdout
    assert service(provisioner)["taskDefinition"] == live
    assert weights(provisioner, 80) == {STACK: 0, ALTERNATE: 100}
    assert weights(provisioner, 9000) == {STACK: 0, ALTERNATE: 100}


def test_switching_to_rolling_refuses_while_production_is_on_the_second_group(
    first_run, provisioner
):
    run = provisioner.run("site.yml")
    assert run.returncode != 0
    assert f"sends traffic to {ALTERNATE}, not to {STACK}" in run.output
    assert weights(provisioner, 80) == {STACK: 0, ALTERNATE: 100}
    assert ALTERNATE in target_groups(provisioner)


def test_teardown_removes_everything_blue_green_made(first_run, provisioner):
    down = provisioner.run("teardown.yml")
    assert down.returncode == 0, down.output[-3000:]

    state = provisioner.snapshot()
    assert state["load_balancers"] == [] and state["listeners"] == [] and state["rules"] == []
    assert state["target_groups"] == []
    assert state["roles"] == {}
    assert [g for g in state["security_groups"] if g["GroupName"].startswith(STACK)] == []
    again = provisioner.run("teardown.yml")
    assert again.returncode == 0, again.output[-3000:]
    assert again.changed == 0, again.changed_tasks()


def test_rolling_has_none_of_it_and_a_switch_back_removes_it(emulator, provisioner):
    emulator.reset()
    provisioner.converge()

    def rolling_only() -> None:
        assert sorted(target_groups(provisioner)) == [STACK]
        found = listeners(provisioner)
        assert sorted(found) == [80]
        assert [r for r in found[80]["Rules"] if not r["IsDefault"]] == []
        assert alb_ports(provisioner) == [80]
        live = service(provisioner)
        assert live["deploymentConfiguration"].get("strategy", "ROLLING") == "ROLLING"
        assert "advancedConfiguration" not in live["loadBalancers"][0]

    rolling_only()
    assert ROLE not in stack_roles(provisioner)

    # deploy.yml told blue_green on a rolling stack says what is missing, and changes nothing.
    before = service(provisioner)["taskDefinition"]
    proc = deploy(emulator, push_image(provisioner, "v2"), "http://127.0.0.1:9/api")
    assert proc.returncode != 0
    assert "it was provisioned for rolling" in proc.stdout
    assert f"second target group {ALTERNATE}" in proc.stdout
    assert f"IAM role {ROLE}" in proc.stdout
    assert service(provisioner)["taskDefinition"] == before

    # To blue_green and back, with production on the first group all along.
    provisioner.converge(**BLUE_GREEN)
    assert weights(provisioner, 80) == {STACK: 100, ALTERNATE: 0}
    back = provisioner.converge()
    assert back.changed > 0
    rolling_only()
    again = provisioner.converge()
    assert again.changed == 0, again.changed_tasks()

    down = provisioner.run("teardown.yml")
    assert down.returncode == 0, down.output[-3000:]
    state = provisioner.snapshot()
    assert state["target_groups"] == [] and state["roles"] == {}
