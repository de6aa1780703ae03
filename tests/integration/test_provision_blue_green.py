"""project_deploy_strategy=blue_green: ansible/site.yml provisions what ECS native blue/green
needs (second target group, weighted production rule, test listener with its rule, the test
port in the ALB's security group, the role ECS moves traffic with), ansible/deploy.yml finds
them by name without being told, and ansible/teardown.yml removes them. A stack switched back
to rolling loses it while that is safe; a stack provisioned for rolling has none of it
(test_provision.py checks that on its own rolling stack).

The tests share one stack and run in file order, like test_provision.py: a first blue/green
provision, its re-run and check mode; a switch back to rolling while production is on the
first group, and to blue/green again; deploys; a switch to rolling refused while production is
on the second group; teardown last. The contract check reaches the service started on this
machine (the emulator runs no tasks).
"""

from __future__ import annotations

import json

import pytest

from tests.integration.blue_green_parts import (
    ALTERNATE,
    BLUE_GREEN,
    ROLE,
    STACK,
    alb_ports,
    assert_rolling_only,
    blue_green_rule,
    listeners,
    service,
    target_groups,
    weights,
)
from tests.integration.blue_green_parts import deploy_blue_green as deploy
from tests.integration.deploy_stack import broken_api, manifest, serving_api

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]

REPOSITORY = "http-scale-out"
MANAGED_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


@pytest.fixture(scope="module")
def first_run(emulator, provisioner):
    emulator.reset()
    return provisioner.converge(**BLUE_GREEN)


def push_image(provisioner, tag: str) -> str:
    ecr = provisioner.client("ecr")
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest(tag), imageTag=tag)
    uri = ecr.describe_repositories(repositoryNames=[REPOSITORY])["repositories"][0]
    return f"{uri['repositoryUri']}:{tag}"


def live_image(provisioner) -> str:
    definition = provisioner.client("ecs").describe_task_definition(
        taskDefinition=service(provisioner)["taskDefinition"]
    )["taskDefinition"]
    return definition["containerDefinitions"][0]["image"]


def test_first_run_creates_a_second_target_group_like_the_first(first_run, provisioner):
    assert first_run.total("failures") == 0
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


def test_switching_back_to_rolling_removes_it_while_production_is_on_the_first_group(
    first_run, provisioner
):
    assert weights(provisioner, 80) == {STACK: 100, ALTERNATE: 0}
    back = provisioner.converge()
    assert back.changed > 0
    assert_rolling_only(provisioner)
    # The role ECS used to move blue/green traffic goes with the rest, once the service no
    # longer names it.
    assert "Remove the blue/green load balancers role" in back.stdout
    assert ROLE not in role_names(provisioner)
    again = provisioner.converge()
    assert again.changed == 0, again.changed_tasks()


def test_switching_to_blue_green_again_keeps_production_on_the_first_group(first_run, provisioner):
    provisioner.converge(**BLUE_GREEN)
    assert weights(provisioner, 80) == {STACK: 100, ALTERNATE: 0}
    assert ROLE in role_names(provisioner)


def role_names(provisioner) -> set[str]:
    pages = provisioner.client("iam").get_paginator("list_roles").paginate()
    return {role["RoleName"] for page in pages for role in page["Roles"]}


def test_a_deploy_finds_the_blue_green_resources_by_name(
    first_run, emulator, provisioner, tmp_path
):
    image = push_image(provisioner, "v2")
    before = service(provisioner)["taskDefinition"]

    outcome = tmp_path / "outcome.json"
    with serving_api() as url:
        proc = deploy(emulator, image, url, SCALEOUT_OUTCOME_FILE=str(outcome))

    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f"the contract check of {url} passed" in proc.stdout
    # The service's URL is handed on as data, for the workflow's job summary.
    (balancer,) = provisioner.client("elbv2").describe_load_balancers(Names=[STACK])[
        "LoadBalancers"
    ]
    assert json.loads(outcome.read_text()) == {"url": f"http://{balancer['DNSName']}/api"}
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
