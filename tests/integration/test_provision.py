"""ansible/site.yml and ansible/teardown.yml on the default stack (EC2 capacity, capacity
provider with managed scaling), against the emulator, checked with boto3.

The tests share one converged stack and run in file order: converge, re-run, check mode,
state (none of what project_deploy_strategy=blue_green adds, test_provision_blue_green.py's
subject), what the running system owns, a real change, teardown last.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.blue_green_parts import (
    ALTERNATE,
    ROLE,
    assert_rolling_only,
    deploy_blue_green,
    stack_roles,
)
from tests.integration.deploy_stack import manifest

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]

STACK = "http-scale-out-local"
REPOSITORY = "http-scale-out"
ALB_SG, APP_SG = f"{STACK}-alb", f"{STACK}-app"


@pytest.fixture(scope="module")
def first_run(emulator, provisioner):
    emulator.reset()
    return provisioner.converge()


def service(provisioner) -> dict:
    return provisioner.client("ecs").describe_services(cluster=STACK, services=[STACK])["services"][
        0
    ]


def task_definition(provisioner, arn: str) -> dict:
    return provisioner.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]


def security_group(provisioner, name: str) -> dict:
    groups = provisioner.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [name]}]
    )["SecurityGroups"]
    assert len(groups) == 1, groups
    return groups[0]


def test_first_run_creates_the_stack(first_run):
    assert first_run.changed > 10, first_run.changed_tasks()
    assert first_run.total("failures") == 0


def test_second_run_changes_nothing(first_run, provisioner):
    again = provisioner.converge()
    assert again.changed == 0, again.changed_tasks()


def test_check_mode_on_the_converged_stack_changes_and_writes_nothing(first_run, provisioner):
    before = provisioner.snapshot()
    check = provisioner.run("site.yml", "--check")
    assert check.returncode == 0, check.output[-3000:]
    assert check.changed == 0, check.changed_tasks()
    assert provisioner.snapshot() == before


def test_service_rolls_out_with_the_circuit_breaker_and_rollback(first_run, provisioner):
    live = service(provisioner)
    assert live["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }
    assert live["deploymentConfiguration"]["minimumHealthyPercent"] == 100
    assert live["deploymentConfiguration"]["maximumPercent"] == 200
    assert live["healthCheckGracePeriodSeconds"] == 30
    assert live["desiredCount"] == 1
    assert live["capacityProviderStrategy"] == [
        {"capacityProvider": f"{STACK}-ec2", "weight": 1, "base": 0}
    ]
    network = live["networkConfiguration"]["awsvpcConfiguration"]
    assert network["securityGroups"] == [security_group(provisioner, APP_SG)["GroupId"]]
    assert network["assignPublicIp"] == "DISABLED"
    assert len(network["subnets"]) == 2
    (balancer,) = live["loadBalancers"]
    assert (balancer["containerName"], balancer["containerPort"]) == ("web", 8080)


def test_task_definition_matches_the_vars(first_run, provisioner):
    definition = task_definition(provisioner, service(provisioner)["taskDefinition"])
    assert (definition["cpu"], definition["memory"]) == ("256", "512")
    assert definition["networkMode"] == "awsvpc"
    assert definition["executionRoleArn"].endswith(f"role/{STACK}-execution")
    assert definition["taskRoleArn"].endswith(f"role/{STACK}-task")
    (container,) = definition["containerDefinitions"]
    assert container["portMappings"][0]["containerPort"] == 8080
    assert {e["name"]: e["value"] for e in container["environment"]}["APP_PORT"] == "8080"
    assert container["logConfiguration"]["options"]["awslogs-group"] == f"/ecs/{STACK}"


def test_service_scales_on_cpu_by_target_tracking(first_run, provisioner):
    aas = provisioner.client("application-autoscaling")
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert target["ResourceId"] == f"service/{STACK}/{STACK}"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
    (policy,) = aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert config["TargetValue"] == 80.0
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "ECSServiceAverageCPUUtilization"
    )
    assert (config["ScaleOutCooldown"], config["ScaleInCooldown"]) == (60, 120)


def test_repository_is_immutable_scanned_and_pruned(first_run, provisioner):
    ecr = provisioner.client("ecr")
    (repository,) = ecr.describe_repositories(repositoryNames=["http-scale-out"])["repositories"]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    policy = json.loads(
        ecr.get_lifecycle_policy(repositoryName="http-scale-out")["lifecyclePolicyText"]
    )
    (rule,) = policy["rules"]
    assert rule["selection"]["countType"] == "imageCountMoreThan"
    assert rule["selection"]["countNumber"] == 20
    assert rule["action"] == {"type": "expire"}


def test_only_the_load_balancer_reaches_the_tasks_and_instances(first_run, provisioner):
    alb = security_group(provisioner, ALB_SG)
    app = security_group(provisioner, APP_SG)
    (alb_rule,) = alb["IpPermissions"]
    assert (alb_rule["FromPort"], alb_rule["ToPort"]) == (80, 80)
    assert [r["CidrIp"] for r in alb_rule["IpRanges"]] == ["0.0.0.0/0"]
    (app_rule,) = app["IpPermissions"]
    assert (app_rule["FromPort"], app_rule["ToPort"]) == (8080, 8080)
    assert app_rule["IpRanges"] == [] and app_rule.get("Ipv6Ranges", []) == []
    assert [p["GroupId"] for p in app_rule["UserIdGroupPairs"]] == [alb["GroupId"]]
    # The instances get the same group from the launch template.
    ec2 = provisioner.client("ec2")
    version = ec2.describe_launch_template_versions(LaunchTemplateName=STACK)[
        "LaunchTemplateVersions"
    ][-1]["LaunchTemplateData"]
    assert version["SecurityGroupIds"] == [app["GroupId"]]


def test_roles_trust_only_their_service(first_run, provisioner):
    iam = provisioner.client("iam")
    expected = {
        "execution": ("ecs-tasks.amazonaws.com", ["AmazonECSTaskExecutionRolePolicy"]),
        "task": ("ecs-tasks.amazonaws.com", []),
        "instance": ("ec2.amazonaws.com", ["AmazonEC2ContainerServiceforEC2Role"]),
    }
    for suffix, (principal, policies) in expected.items():
        role = iam.get_role(RoleName=f"{STACK}-{suffix}")["Role"]
        document = role["AssumeRolePolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        (statement,) = document["Statement"]
        assert statement["Principal"] == {"Service": principal}
        assert statement["Action"] == "sts:AssumeRole"
        attached = iam.list_attached_role_policies(RoleName=f"{STACK}-{suffix}")
        assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == policies
    profile = iam.get_instance_profile(InstanceProfileName=f"{STACK}-instance")
    assert [r["RoleName"] for r in profile["InstanceProfile"]["Roles"]] == [f"{STACK}-instance"]


def test_cluster_scales_through_a_capacity_provider(first_run, provisioner):
    ecs = provisioner.client("ecs")
    (cluster,) = ecs.describe_clusters(clusters=[STACK], include=["SETTINGS"])["clusters"]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert cluster["capacityProviders"] == [f"{STACK}-ec2"]
    (provider,) = ecs.describe_capacity_providers(capacityProviders=[f"{STACK}-ec2"])[
        "capacityProviders"
    ]
    group = provider["autoScalingGroupProvider"]
    assert group["autoScalingGroupArn"].endswith(f"autoScalingGroupName/{STACK}")
    assert group["managedScaling"]["status"] == "ENABLED"
    assert group["managedScaling"]["targetCapacity"] == 100
    assert group["managedTerminationProtection"] == "ENABLED"
    autoscaling = provisioner.client("autoscaling")
    (asg,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[STACK])[
        "AutoScalingGroups"
    ]
    assert (asg["MinSize"], asg["MaxSize"], asg["DesiredCapacity"]) == (1, 4, 1)
    assert asg["NewInstancesProtectedFromScaleIn"] is True
    assert {"Key": "AmazonECSManaged", "Value": ""} in [
        {"Key": t["Key"], "Value": t["Value"]} for t in asg["Tags"]
    ]
    assert autoscaling.describe_policies(AutoScalingGroupName=STACK)["ScalingPolicies"] == []


def test_instances_boot_the_ecs_optimized_al2023_ami_from_ssm(first_run, provisioner):
    ami = provisioner.client("ssm").get_parameter(
        Name="/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
    )["Parameter"]["Value"]
    data = provisioner.client("ec2").describe_launch_template_versions(LaunchTemplateName=STACK)[
        "LaunchTemplateVersions"
    ][-1]["LaunchTemplateData"]
    assert data["ImageId"] == ami
    profile = data["IamInstanceProfile"]
    assert profile.get("Name") == f"{STACK}-instance" or profile["Arn"].endswith(
        f":instance-profile/{STACK}-instance"
    )
    assert data["MetadataOptions"]["HttpTokens"] == "required"


def test_a_rolling_stack_has_none_of_blue_green_and_a_blue_green_deploy_says_so(
    first_run, emulator, provisioner
):
    assert_rolling_only(provisioner)
    assert ROLE not in stack_roles(provisioner)

    # deploy.yml told blue_green on a rolling stack says what is missing, and changes nothing.
    before = service(provisioner)["taskDefinition"]
    proc = deploy_blue_green(emulator, push_image(provisioner, "v2"), "http://127.0.0.1:9/api")
    assert proc.returncode != 0
    assert "it was provisioned for rolling" in proc.stdout
    assert f"second target group {ALTERNATE}" in proc.stdout
    assert f"IAM role {ROLE}" in proc.stdout
    assert service(provisioner)["taskDefinition"] == before


def push_image(provisioner, tag: str) -> str:
    """Put an image into the stack's repository (the emulator fails tasks whose image is not
    there, as ECS does); return its URI with the tag."""
    ecr = provisioner.client("ecr")
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest(tag), imageTag=tag)
    uri = ecr.describe_repositories(repositoryNames=[REPOSITORY])["repositories"][0]
    return f"{uri['repositoryUri']}:{tag}"


def wait_for_rollout(provisioner, arn: str) -> None:
    """Wait until the service's primary deployment runs `arn` and is no longer in progress."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        (primary,) = [d for d in service(provisioner)["deployments"] if d["status"] == "PRIMARY"]
        if primary["taskDefinition"] == arn and primary.get("rolloutState") != "IN_PROGRESS":
            assert primary.get("rolloutState", "COMPLETED") == "COMPLETED", primary
            return
        time.sleep(0.5)
    raise AssertionError(f"the deployment of {arn} did not complete")


def test_reprovision_keeps_what_the_running_system_owns(first_run, provisioner):
    """Auto scaling moved the desired count and a deploy put another image live: a re-run
    leaves both alone."""
    ecs = provisioner.client("ecs")
    live = task_definition(provisioner, service(provisioner)["taskDefinition"])
    deployed_image = push_image(provisioner, "deployed")
    registered = {
        k: live[k]
        for k in (
            "family",
            "taskRoleArn",
            "executionRoleArn",
            "networkMode",
            "requiresCompatibilities",
            "cpu",
            "memory",
        )
    }
    container = dict(live["containerDefinitions"][0], image=deployed_image)
    deployed = ecs.register_task_definition(**registered, containerDefinitions=[container])
    deployed_arn = deployed["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=STACK, service=STACK, taskDefinition=deployed_arn, desiredCount=3)
    wait_for_rollout(provisioner, deployed_arn)

    again = provisioner.converge()

    assert again.changed == 0, again.changed_tasks()
    after = service(provisioner)
    assert after["desiredCount"] == 3
    assert after["taskDefinition"] == deployed_arn


def test_a_cpu_change_registers_a_new_revision_with_the_live_image(first_run, provisioner):
    before = service(provisioner)
    image = task_definition(provisioner, before["taskDefinition"])["containerDefinitions"][0][
        "image"
    ]

    changed = provisioner.converge(project_task_cpu=512)

    assert changed.changed > 0
    after = service(provisioner)
    assert after["taskDefinition"] != before["taskDefinition"]
    definition = task_definition(provisioner, after["taskDefinition"])
    assert (definition["cpu"], definition["memory"]) == ("512", "512")
    assert definition["containerDefinitions"][0]["image"] == image
    assert after["desiredCount"] == before["desiredCount"]
    # The module alone would have matched the older revision: the same again is a no-op.
    again = provisioner.converge(project_task_cpu=512)
    assert again.changed == 0, again.changed_tasks()


def test_an_environment_change_registers_a_new_revision(first_run, provisioner):
    before = service(provisioner)["taskDefinition"]
    changed = provisioner.converge(
        project_task_cpu=512,
        project_container_environment={"APP_PORT": "8080", "APP_THREADS": "8"},
    )
    assert changed.changed > 0
    after = task_definition(provisioner, service(provisioner)["taskDefinition"])
    assert after["taskDefinitionArn"] != before
    environment = {e["name"]: e["value"] for e in after["containerDefinitions"][0]["environment"]}
    assert environment == {"APP_PORT": "8080", "APP_THREADS": "8"}


# Every setting a re-provision changes in place, all at once (the earlier tests left task CPU
# at 512 and APP_THREADS set: these differ from that too).
EVERY_SETTING = {
    "project_cpu_target": 50,
    "project_max_tasks": 3,
    "project_scale_out_cooldown_seconds": 30,
    "project_scale_in_cooldown_seconds": 90,
    "project_requests_per_target": 500,
    "project_task_cpu": 1024,
    "project_task_memory": 1024,
    "project_container_environment": {"APP_PORT": "8080", "APP_THREADS": "4"},
    "project_log_retention_days": 7,
    "project_ecr_keep_images": 10,
    "project_health_check_path": "/api",
    "project_health_check_interval_seconds": 15,
    "project_deregistration_delay_seconds": 5,
    "project_instance_max": 5,
    "project_capacity_target_percent": 90,
    "project_container_insights": False,
    "project_deployment_min_healthy_percent": 50,
    "project_health_check_grace_seconds": 60,
    "project_ingress_cidrs": ["198.51.100.0/24"],
}


def task_files(changes: dict) -> list[str]:
    """`host | role : file` of each changed task, one entry a task."""
    return sorted(name.rsplit(" | ", 1)[0] for name in changes)


def test_check_mode_reports_every_change_writes_nothing_and_the_real_run_makes_them(
    first_run, provisioner
):
    before = provisioner.snapshot()
    check = provisioner.run("site.yml", "--check", "--diff", **EVERY_SETTING)
    assert check.returncode == 0, check.output[-3000:]
    would = check.changed_results()
    assert provisioner.snapshot() == before, "--check wrote to the account"

    real = provisioner.run("site.yml", **EVERY_SETTING)
    assert real.returncode == 0, real.output[-3000:]
    did = real.changed_results()
    # Where a module cannot check, its role runs a stand-in under --check (an _info module
    # and a comparison) in the same task file: compare the runs file by file.
    assert task_files(would) == task_files(did), (sorted(would), sorted(did))
    # The scaling policies: the dry run shows the change it would make, and the real run
    # makes it (community.aws's policy module could not be run under --check at all).
    (scaling,) = [r for name, r in would.items() if "scalable target" in name]
    assert scaling["actions"] == [
        "register the scalable target",
        "put policy http-scale-out-local-cpu",
        "put policy http-scale-out-local-requests",
    ]
    assert scaling["diff"]["after"]["scalable_target"]["MaxCapacity"] == 3
    after = provisioner.snapshot()
    for key in (
        "scalable_targets",
        "scaling_policies",
        "services",
        "target_groups",
        "lifecycle",
        "log_groups",
        "clusters",
        "capacity_providers",
        "groups",
        "security_groups",
        "task_definitions",
    ):
        assert after[key] != before[key], f"the real run did not change {key}"
    aas = provisioner.client("application-autoscaling")
    policies = {
        p["PolicyName"]: p["TargetTrackingScalingPolicyConfiguration"]
        for p in aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    }
    assert policies[f"{STACK}-cpu"]["TargetValue"] == 50.0
    assert policies[f"{STACK}-requests"]["TargetValue"] == 500.0

    again = provisioner.run("site.yml", "--check", **EVERY_SETTING)
    assert again.returncode == 0, again.output[-3000:]
    assert sorted(again.changed_results()) == []


def test_teardown_leaves_nothing_of_the_stack(first_run, provisioner):
    down = provisioner.run("teardown.yml")
    assert down.returncode == 0, down.output[-3000:]
    assert down.changed > 0

    state = provisioner.snapshot()
    assert [v for v in state["vpcs"] if not v.get("IsDefault")] == []
    assert [g for g in state["security_groups"] if g["GroupName"].startswith(STACK)] == []
    assert [g for g in state["igws"] if g["Attachments"]] == []
    assert state["roles"] == {}
    assert state["repositories"] == []
    assert [c for c in state["clusters"] if c["status"] == "ACTIVE"] == []
    assert [s for s in state["services"] if s["status"] == "ACTIVE"] == []
    ecs = provisioner.client("ecs")
    assert ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"] == []
    assert [p for p in state["capacity_providers"] if p["status"] == "ACTIVE"] == []
    assert state["load_balancers"] == []
    assert state["target_groups"] == []
    assert state["groups"] == []
    assert state["launch_templates"] == []
    assert state["scaling_policies"] == []
    assert state["scalable_targets"] == []
    assert [g for g in state["log_groups"] if g["logGroupName"] == f"/ecs/{STACK}"] == []

    again = provisioner.run("teardown.yml")
    assert again.returncode == 0, again.output[-3000:]
    assert again.changed == 0, again.changed_tasks()
