"""The other compute and cluster-scaling choices: Fargate, and EC2 scaled by the group's own
CPU target tracking (the original design's 30%), here with the ALB request-count policy too.
Each converges on a clean emulator, re-runs to changed=0 and tears down to nothing.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]

STACK = "http-scale-out-local"


def service(provisioner) -> dict:
    return provisioner.client("ecs").describe_services(cluster=STACK, services=[STACK])["services"][
        0
    ]


def converge_twice_then_teardown(emulator, provisioner, check, **overrides) -> None:
    emulator.reset()
    provisioner.converge(**overrides)
    check()
    again = provisioner.converge(**overrides)
    assert again.changed == 0, again.changed_tasks()
    down = provisioner.run("teardown.yml", **overrides)
    assert down.returncode == 0, down.output[-3000:]
    state = provisioner.snapshot()
    assert [c for c in state["clusters"] if c["status"] == "ACTIVE"] == []
    assert state["groups"] == [] and state["load_balancers"] == []
    assert state["roles"] == {} and state["scalable_targets"] == []


def test_fargate(emulator, provisioner):
    def check() -> None:
        live = service(provisioner)
        assert live["launchType"] == "FARGATE"
        assert "capacityProviderStrategy" not in live or live["capacityProviderStrategy"] == []
        network = live["networkConfiguration"]["awsvpcConfiguration"]
        # Public subnets without NAT: a Fargate task needs a public IP to pull its image.
        assert network["assignPublicIp"] == "ENABLED"
        definition = provisioner.client("ecs").describe_task_definition(
            taskDefinition=live["taskDefinition"]
        )["taskDefinition"]
        assert definition["requiresCompatibilities"] == ["FARGATE"]
        assert (definition["cpu"], definition["memory"]) == ("512", "1024")
        state = provisioner.snapshot()
        assert state["groups"] == [] and state["launch_templates"] == []
        assert sorted(state["roles"]) == [f"{STACK}-execution", f"{STACK}-task"]
        (cluster,) = state["clusters"]
        assert cluster["capacityProviders"] == []

    converge_twice_then_teardown(
        emulator,
        provisioner,
        check,
        project_compute="fargate",
        project_task_cpu=512,
        project_task_memory=1024,
    )


def test_ec2_scaled_by_group_cpu_with_request_count_policy(emulator, provisioner):
    def check() -> None:
        live = service(provisioner)
        assert live["launchType"] == "EC2"
        autoscaling = provisioner.client("autoscaling")
        (policy,) = autoscaling.describe_policies(AutoScalingGroupName=STACK)["ScalingPolicies"]
        assert policy["PolicyType"] == "TargetTrackingScaling"
        config = policy["TargetTrackingConfiguration"]
        assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
            "ASGAverageCPUUtilization"
        )
        assert config["TargetValue"] == 30.0
        state = provisioner.snapshot()
        assert [p for p in state["capacity_providers"] if p["status"] == "ACTIVE"] == []
        policies = {
            p["PolicyName"]: p["TargetTrackingScalingPolicyConfiguration"]
            for p in state["scaling_policies"]
        }
        assert sorted(policies) == [f"{STACK}-cpu", f"{STACK}-requests"]
        requests = policies[f"{STACK}-requests"]
        assert requests["TargetValue"] == 500.0
        metric = requests["PredefinedMetricSpecification"]
        assert metric["PredefinedMetricType"] == "ALBRequestCountPerTarget"
        (balancer,) = state["load_balancers"]
        (group,) = state["target_groups"]
        assert metric["ResourceLabel"] == (
            balancer["LoadBalancerArn"].split(":loadbalancer/")[1]
            + "/"
            + group["TargetGroupArn"].split(":")[-1]
        )

    converge_twice_then_teardown(
        emulator,
        provisioner,
        check,
        project_cluster_scaling="asg_cpu",
        project_requests_per_target=500,
    )
