"""The emulator's patches to moto: each behaves like AWS, and plain moto still needs it.

Tests named test_plain_moto_* run against `--no-patches`. When one fails, moto now does the
thing itself: drop the patch (scaleout/emulator/patches/) and that test.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

MOTO_CAUGHT_UP = "moto now does this itself: drop the patch ({})"


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def make_group(emulator, unique: str, protect: bool = False) -> str:
    """An Auto Scaling group; returns its ARN."""
    ec2, autoscaling = emulator.client("ec2"), emulator.client("autoscaling")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName=f"lt-{unique}",
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"asg-{unique}",
        LaunchTemplate={"LaunchTemplateName": f"lt-{unique}"},
        MinSize=0,
        MaxSize=2,
        AvailabilityZones=[f"{emulator.region}a"],
        NewInstancesProtectedFromScaleIn=protect,
    )
    (group,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[f"asg-{unique}"])[
        "AutoScalingGroups"
    ]
    return group["AutoScalingGroupARN"]


def make_service_prerequisites(emulator, unique: str) -> tuple[str, str]:
    ecs = emulator.client("ecs")
    ecs.create_cluster(clusterName=f"cl-{unique}")
    ecs.register_task_definition(
        family=f"td-{unique}",
        containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}],
    )
    return f"cl-{unique}", f"td-{unique}:1"


# ---- ecs_services: CreateService keeps its settings ---------------------------------------

SERVICE_SETTINGS = {
    "deploymentConfiguration": {
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    },
    "placementConstraints": [{"type": "distinctInstance"}],
    "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    "healthCheckGracePeriodSeconds": 60,
}


def test_create_service_keeps_deployment_configuration_placement_and_grace(emulator, unique):
    cluster, task_definition = make_service_prerequisites(emulator, unique)
    ecs = emulator.client("ecs")
    ecs.create_service(
        cluster=cluster,
        serviceName="web",
        taskDefinition=task_definition,
        desiredCount=1,
        launchType="EC2",
        enableExecuteCommand=True,
        **SERVICE_SETTINGS,
    )
    (service,) = ecs.describe_services(cluster=cluster, services=["web"])["services"]
    for key, value in SERVICE_SETTINGS.items():
        assert service[key] == value, key
    assert service["enableExecuteCommand"] is True
    assert service["launchType"] == "EC2"


def test_create_service_fills_aws_default_deployment_configuration(emulator, unique):
    cluster, task_definition = make_service_prerequisites(emulator, unique)
    ecs = emulator.client("ecs")
    ecs.create_service(
        cluster=cluster,
        serviceName="web",
        taskDefinition=task_definition,
        desiredCount=1,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    (service,) = ecs.describe_services(cluster=cluster, services=["web"])["services"]
    assert service["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }
    assert service["placementConstraints"] == [] and service["placementStrategy"] == []


def test_create_service_keeps_capacity_provider_strategy_or_takes_the_cluster_default(
    emulator, unique
):
    cluster, task_definition = make_service_prerequisites(emulator, unique)
    ecs = emulator.client("ecs")
    ecs.create_capacity_provider(
        name=f"cp-{unique}",
        autoScalingGroupProvider={"autoScalingGroupArn": make_group(emulator, unique)},
    )
    ecs.put_cluster_capacity_providers(
        cluster=cluster,
        capacityProviders=[f"cp-{unique}", "FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": f"cp-{unique}", "weight": 1}],
    )
    explicit = [{"capacityProvider": "FARGATE", "weight": 2, "base": 1}]
    ecs.create_service(
        cluster=cluster,
        serviceName="explicit",
        taskDefinition=task_definition,
        desiredCount=1,
        capacityProviderStrategy=explicit,
    )
    ecs.create_service(
        cluster=cluster, serviceName="default", taskDefinition=task_definition, desiredCount=1
    )
    services = {
        s["serviceName"]: s
        for s in ecs.describe_services(cluster=cluster, services=["explicit", "default"])[
            "services"
        ]
    }
    assert services["explicit"]["capacityProviderStrategy"] == explicit
    assert services["default"]["capacityProviderStrategy"] == [
        {"capacityProvider": f"cp-{unique}", "weight": 1, "base": 0}
    ]
    for service in services.values():
        assert "launchType" not in service  # ECS shows either a launch type or a strategy
        assert "launchType" not in service["deployments"][0]


def test_create_service_refuses_launch_type_with_strategy_or_unattached_provider(emulator, unique):
    cluster, task_definition = make_service_prerequisites(emulator, unique)
    ecs = emulator.client("ecs")
    common = {"cluster": cluster, "taskDefinition": task_definition, "desiredCount": 1}
    with pytest.raises(ClientError) as both:
        ecs.create_service(
            serviceName="both",
            launchType="FARGATE",
            capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
            **common,
        )
    assert error_code(both) == "InvalidParameterException"
    with pytest.raises(ClientError) as unattached:
        ecs.create_service(
            serviceName="unattached",
            capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
            **common,
        )
    assert error_code(unattached) == "InvalidParameterException"
    assert "not associated with the cluster" in str(unattached.value)


def test_update_service_applies_the_same_settings(emulator, unique):
    cluster, task_definition = make_service_prerequisites(emulator, unique)
    ecs = emulator.client("ecs")
    ecs.create_service(
        cluster=cluster,
        serviceName="web",
        taskDefinition=task_definition,
        desiredCount=1,
        **SERVICE_SETTINGS,
    )
    changed = {
        "deploymentConfiguration": {
            "maximumPercent": 150,
            "minimumHealthyPercent": 50,
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        },
        "placementConstraints": [],
        "placementStrategy": [{"type": "binpack", "field": "memory"}],
        "healthCheckGracePeriodSeconds": 30,
    }
    ecs.update_service(cluster=cluster, service="web", **changed)
    (service,) = ecs.describe_services(cluster=cluster, services=["web"])["services"]
    for key, value in changed.items():
        assert service[key] == value, key


def test_plain_moto_still_drops_service_fields(plain_moto, unique):
    cluster, task_definition = make_service_prerequisites(plain_moto, unique)
    ecs = plain_moto.client("ecs")
    ecs.create_service(
        cluster=cluster,
        serviceName="web",
        taskDefinition=task_definition,
        desiredCount=1,
        **SERVICE_SETTINGS,
    )
    (service,) = ecs.describe_services(cluster=cluster, services=["web"])["services"]
    kept = [key for key in SERVICE_SETTINGS if key in service]
    assert not kept, MOTO_CAUGHT_UP.format(f"ecs_services: CreateService keeps {kept}")


# ---- ecs_clusters: UpdateClusterSettings ---------------------------------------------------


def test_update_cluster_settings_sets_container_insights(emulator, unique):
    ecs = emulator.client("ecs")
    ecs.create_cluster(clusterName=f"cl-{unique}")
    response = ecs.update_cluster_settings(
        cluster=f"cl-{unique}", settings=[{"name": "containerInsights", "value": "enhanced"}]
    )
    assert response["cluster"]["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    (cluster,) = ecs.describe_clusters(clusters=[f"cl-{unique}"], include=["SETTINGS"])["clusters"]
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enhanced"}]


def test_update_cluster_settings_checks_names_values_and_the_cluster(emulator, unique):
    ecs = emulator.client("ecs")
    ecs.create_cluster(clusterName=f"cl-{unique}")
    with pytest.raises(ClientError) as bad_value:
        ecs.update_cluster_settings(
            cluster=f"cl-{unique}", settings=[{"name": "containerInsights", "value": "on"}]
        )
    assert error_code(bad_value) == "InvalidParameterException"
    with pytest.raises(ClientError) as bad_create:
        ecs.create_cluster(
            clusterName=f"cl2-{unique}", settings=[{"name": "containerInsights", "value": "on"}]
        )
    assert error_code(bad_create) == "InvalidParameterException"
    with pytest.raises(ClientError) as missing:
        ecs.update_cluster_settings(
            cluster=f"nope-{unique}", settings=[{"name": "containerInsights", "value": "enabled"}]
        )
    assert error_code(missing) == "ClusterNotFoundException"


def test_plain_moto_lacks_update_cluster_settings(plain_moto, unique):
    ecs = plain_moto.client("ecs")
    ecs.create_cluster(clusterName=f"cl-{unique}")
    try:
        ecs.update_cluster_settings(
            cluster=f"cl-{unique}", settings=[{"name": "containerInsights", "value": "enabled"}]
        )
    except ClientError:
        return
    pytest.fail(MOTO_CAUGHT_UP.format("ecs_clusters: UpdateClusterSettings"))


def test_cluster_without_capacity_providers_lists_them_empty(emulator, unique):
    ecs = emulator.client("ecs")
    created = ecs.create_cluster(clusterName=f"cl-{unique}")["cluster"]
    (described,) = ecs.describe_clusters(clusters=[f"cl-{unique}"])["clusters"]
    for cluster in (created, described):
        assert cluster["capacityProviders"] == []
        assert cluster["defaultCapacityProviderStrategy"] == []


def test_plain_moto_omits_empty_capacity_providers(plain_moto, unique):
    ecs = plain_moto.client("ecs")
    ecs.create_cluster(clusterName=f"cl-{unique}")
    (described,) = ecs.describe_clusters(clusters=[f"cl-{unique}"])["clusters"]
    assert "capacityProviders" not in described, MOTO_CAUGHT_UP.format(
        "ecs_clusters: empty capacityProviders"
    )


# ---- ecs_capacity_providers ----------------------------------------------------------------


def test_capacity_provider_listing_includes_fargate_and_pages(emulator, unique):
    ecs = emulator.client("ecs")
    ecs.create_capacity_provider(
        name=f"cp-{unique}",
        autoScalingGroupProvider={"autoScalingGroupArn": make_group(emulator, unique)},
        tags=[{"key": "team", "value": "web"}],
    )
    everything = ecs.describe_capacity_providers()
    names = [p["name"] for p in everything["capacityProviders"]]
    assert {"FARGATE", "FARGATE_SPOT", f"cp-{unique}"} <= set(names)
    assert all("tags" not in p for p in everything["capacityProviders"])

    first = ecs.describe_capacity_providers(maxResults=1)
    assert len(first["capacityProviders"]) == 1 and first["nextToken"]
    rest = ecs.describe_capacity_providers(nextToken=first["nextToken"])
    assert [p["name"] for p in first["capacityProviders"] + rest["capacityProviders"]] == names

    named = ecs.describe_capacity_providers(
        capacityProviders=["FARGATE", f"cp-{unique}", f"nope-{unique}"], include=["TAGS"]
    )
    assert [p["name"] for p in named["capacityProviders"]] == ["FARGATE", f"cp-{unique}"]
    assert named["capacityProviders"][1]["tags"] == [{"key": "team", "value": "web"}]
    assert named["failures"] == [
        {
            "arn": f"arn:aws:ecs:{emulator.region}:123456789012:capacity-provider/nope-{unique}",
            "reason": "MISSING",
        }
    ]


def test_capacity_provider_create_refuses_what_aws_refuses(emulator, unique):
    ecs = emulator.client("ecs")
    group = make_group(emulator, unique)
    ecs.create_capacity_provider(
        name=f"cp-{unique}", autoScalingGroupProvider={"autoScalingGroupArn": group}
    )
    refusals = {
        "same name": (f"cp-{unique}", make_group(emulator, f"{unique}b"), "DISABLED"),
        "same group": (f"cp2-{unique}", group, "DISABLED"),
        "reserved name": (f"ecs-{unique}", make_group(emulator, f"{unique}c"), "DISABLED"),
        "unprotected group": (f"cp3-{unique}", make_group(emulator, f"{unique}d"), "ENABLED"),
    }
    for why, (name, group_arn, protection) in refusals.items():
        with pytest.raises(ClientError) as refused:
            ecs.create_capacity_provider(
                name=name,
                autoScalingGroupProvider={
                    "autoScalingGroupArn": group_arn,
                    "managedTerminationProtection": protection,
                },
            )
        assert error_code(refused) in {"ClientException", "InvalidParameterException"}, why


def test_capacity_provider_termination_protection_and_draining(emulator, unique):
    ecs = emulator.client("ecs")
    protected = make_group(emulator, unique, protect=True)
    created = ecs.create_capacity_provider(
        name=f"cp-{unique}",
        autoScalingGroupProvider={
            "autoScalingGroupArn": protected,
            "managedTerminationProtection": "ENABLED",
            "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
        },
    )["capacityProvider"]["autoScalingGroupProvider"]
    assert created["managedTerminationProtection"] == "ENABLED"
    assert created["managedDraining"] == "ENABLED"  # AWS's default

    updated = ecs.update_capacity_provider(
        name=f"cp-{unique}", autoScalingGroupProvider={"managedDraining": "DISABLED"}
    )["capacityProvider"]["autoScalingGroupProvider"]
    assert updated["managedDraining"] == "DISABLED"

    unprotected = make_group(emulator, f"{unique}b")
    ecs.create_capacity_provider(
        name=f"cp2-{unique}", autoScalingGroupProvider={"autoScalingGroupArn": unprotected}
    )
    with pytest.raises(ClientError) as refused:
        ecs.update_capacity_provider(
            name=f"cp2-{unique}",
            autoScalingGroupProvider={"managedTerminationProtection": "ENABLED"},
        )
    assert "instance protection from scale in" in str(refused.value)


def test_capacity_provider_unknown_names_are_client_errors(emulator, unique):
    ecs = emulator.client("ecs")
    with pytest.raises(ClientError) as update:
        ecs.update_capacity_provider(
            name=f"nope-{unique}",
            autoScalingGroupProvider={"managedTerminationProtection": "DISABLED"},
        )
    assert error_code(update) == "ClientException"
    with pytest.raises(ClientError) as delete:
        ecs.delete_capacity_provider(capacityProvider=f"nope-{unique}")
    assert error_code(delete) == "ClientException"
    with pytest.raises(ClientError) as fargate:
        ecs.delete_capacity_provider(capacityProvider="FARGATE")
    assert error_code(fargate) == "ClientException"


def test_capacity_provider_delete_fails_while_attached(emulator, unique):
    ecs = emulator.client("ecs")
    name = f"cp-{unique}"
    ecs.create_capacity_provider(
        name=name, autoScalingGroupProvider={"autoScalingGroupArn": make_group(emulator, unique)}
    )
    ecs.create_cluster(clusterName=f"cl-{unique}")
    ecs.put_cluster_capacity_providers(
        cluster=f"cl-{unique}", capacityProviders=[name], defaultCapacityProviderStrategy=[]
    )
    refused = ecs.delete_capacity_provider(capacityProvider=name)["capacityProvider"]
    assert refused["updateStatus"] == "DELETE_FAILED"
    assert f"associated with cluster: cl-{unique}" in refused["updateStatusReason"]
    assert ecs.describe_capacity_providers(capacityProviders=[name])["capacityProviders"]

    ecs.put_cluster_capacity_providers(
        cluster=f"cl-{unique}", capacityProviders=[], defaultCapacityProviderStrategy=[]
    )
    deleted = ecs.delete_capacity_provider(capacityProvider=name)["capacityProvider"]
    assert deleted["updateStatus"] == "DELETE_IN_PROGRESS"
    assert not ecs.describe_capacity_providers(capacityProviders=[name])["capacityProviders"]


def test_put_cluster_capacity_providers_checks_providers_strategy_and_use(emulator, unique):
    ecs = emulator.client("ecs")
    cluster, task_definition = make_service_prerequisites(emulator, unique)
    with pytest.raises(ClientError) as unknown:
        ecs.put_cluster_capacity_providers(
            cluster=cluster,
            capacityProviders=[f"nope-{unique}"],
            defaultCapacityProviderStrategy=[],
        )
    assert error_code(unknown) == "InvalidParameterException"
    with pytest.raises(ClientError) as outside:
        ecs.put_cluster_capacity_providers(
            cluster=cluster,
            capacityProviders=["FARGATE"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        )
    assert error_code(outside) == "InvalidParameterException"

    ecs.put_cluster_capacity_providers(
        cluster=cluster, capacityProviders=["FARGATE"], defaultCapacityProviderStrategy=[]
    )
    ecs.create_service(
        cluster=cluster,
        serviceName="web",
        taskDefinition=task_definition,
        desiredCount=1,
        capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )
    with pytest.raises(ClientError) as in_use:
        ecs.put_cluster_capacity_providers(
            cluster=cluster, capacityProviders=[], defaultCapacityProviderStrategy=[]
        )
    assert error_code(in_use) == "ResourceInUseException"


def test_plain_moto_cannot_list_capacity_providers(plain_moto):
    try:
        plain_moto.client("ecs").describe_capacity_providers()
    except ClientError:
        return
    pytest.fail(MOTO_CAUGHT_UP.format("ecs_capacity_providers: DescribeCapacityProviders"))


def test_plain_moto_replaces_a_capacity_provider_of_the_same_name(plain_moto, unique):
    ecs = plain_moto.client("ecs")
    group = make_group(plain_moto, unique)
    ecs.create_capacity_provider(
        name=f"cp-{unique}", autoScalingGroupProvider={"autoScalingGroupArn": group}
    )
    try:
        ecs.create_capacity_provider(
            name=f"cp-{unique}", autoScalingGroupProvider={"autoScalingGroupArn": group}
        )
    except ClientError:
        pytest.fail(MOTO_CAUGHT_UP.format("ecs_capacity_providers: CreateCapacityProvider"))


# ---- scaling_policies: DescribeScalingPolicies filters -------------------------------------


def scalable_services(emulator, unique: str, *services: str) -> list[str]:
    """ECS services of one new cluster, each with its desired count registered as a scalable
    target (1-4); their resource ids, in order."""
    cluster, task_definition = make_service_prerequisites(emulator, unique)
    client = emulator.client("application-autoscaling")
    resource_ids = []
    for service in services:
        emulator.client("ecs").create_service(
            cluster=cluster, serviceName=service, taskDefinition=task_definition, desiredCount=1
        )
        resource_id = f"service/{cluster}/{service}"
        client.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=resource_id,
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=1,
            MaxCapacity=4,
        )
        resource_ids.append(resource_id)
    return resource_ids


def put_policies(emulator, unique: str) -> tuple[str, str]:
    web, web2 = scalable_services(emulator, unique, "web", "web2")
    client = emulator.client("application-autoscaling")
    for resource_id in (web, web2):
        for name in ("cpu", "requests"):
            client.put_scaling_policy(
                PolicyName=name,
                ServiceNamespace="ecs",
                ResourceId=resource_id,
                ScalableDimension="ecs:service:DesiredCount",
                PolicyType="TargetTrackingScaling",
                TargetTrackingScalingPolicyConfiguration={
                    "TargetValue": 80.0,
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
                    },
                },
            )
    return web, web2


def names_of(response) -> list[tuple[str, str]]:
    return [(p["ResourceId"], p["PolicyName"]) for p in response["ScalingPolicies"]]


def test_describe_scaling_policies_filters_by_name_and_exact_resource(emulator, unique):
    web, web2 = put_policies(emulator, unique)
    client = emulator.client("application-autoscaling")
    by_name = client.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=web, PolicyNames=["cpu"]
    )
    assert names_of(by_name) == [(web, "cpu")]
    # web2's resource id contains web's; a substring match would mix the services up.
    by_resource = client.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=web2)
    assert sorted(names_of(by_resource)) == [(web2, "cpu"), (web2, "requests")]
    by_resource = client.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=web)
    assert sorted(names_of(by_resource)) == [(web, "cpu"), (web, "requests")]


def test_describe_scaling_policies_pages_after_filtering(emulator, unique):
    web, _ = put_policies(emulator, unique)
    client = emulator.client("application-autoscaling")
    first = client.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=web, MaxResults=1)
    assert len(first["ScalingPolicies"]) == 1 and first["NextToken"]
    rest = client.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=web, NextToken=first["NextToken"]
    )
    assert sorted(names_of(first) + names_of(rest)) == [(web, "cpu"), (web, "requests")]
    assert "NextToken" not in rest


def test_plain_moto_ignores_policy_names(plain_moto, unique):
    web, _ = put_policies(plain_moto, unique)
    found = plain_moto.client("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=web, PolicyNames=["cpu"]
    )
    assert len(found["ScalingPolicies"]) > 1, MOTO_CAUGHT_UP.format("scaling_policies: PolicyNames")


# ---- ec2_launch_template_versions: DeleteLaunchTemplateVersions ----------------------------


def make_template_versions(emulator, unique: str, count: int) -> str:
    """A launch template with `count` versions (version 1 the default); returns its name."""
    ec2 = emulator.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    name = f"lt-{unique}"
    ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
    )
    for instance_type in ("t3.small", "t3.medium", "t3.large")[: count - 1]:
        ec2.create_launch_template_version(
            LaunchTemplateName=name,
            LaunchTemplateData={"ImageId": image, "InstanceType": instance_type},
        )
    return name


def version_numbers(ec2, name: str) -> list[int]:
    versions = ec2.describe_launch_template_versions(LaunchTemplateName=name)
    return sorted(v["VersionNumber"] for v in versions["LaunchTemplateVersions"])


def test_delete_launch_template_versions_deletes_and_answers_per_version(emulator, unique):
    ec2 = emulator.client("ec2")
    name = make_template_versions(emulator, unique, 3)
    response = ec2.delete_launch_template_versions(LaunchTemplateName=name, Versions=["2", "9"])
    assert [v["VersionNumber"] for v in response["SuccessfullyDeletedLaunchTemplateVersions"]] == [
        2
    ]
    (missing,) = response["UnsuccessfullyDeletedLaunchTemplateVersions"]
    assert missing["VersionNumber"] == 9
    assert missing["ResponseError"]["Code"] == "launchTemplateVersionDoesNotExist"
    assert version_numbers(ec2, name) == [1, 3]
    with pytest.raises(ClientError) as gone:
        ec2.describe_launch_template_versions(LaunchTemplateName=name, Versions=["2"])
    assert error_code(gone) == "InvalidLaunchTemplateId.VersionNotFound"
    # Numbers are not reused.
    image = ec2.describe_images()["Images"][0]["ImageId"]
    created = ec2.create_launch_template_version(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": image}
    )
    assert created["LaunchTemplateVersion"]["VersionNumber"] == 4


def test_delete_launch_template_versions_keeps_the_default_and_follows_the_latest(emulator, unique):
    ec2 = emulator.client("ec2")
    name = make_template_versions(emulator, unique, 3)
    ec2.modify_launch_template(LaunchTemplateName=name, DefaultVersion="2")
    response = ec2.delete_launch_template_versions(LaunchTemplateName=name, Versions=["2", "3"])
    (default,) = response["UnsuccessfullyDeletedLaunchTemplateVersions"]
    assert default["VersionNumber"] == 2
    assert default["ResponseError"]["Code"] == "unexpectedError"
    (template,) = ec2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"]
    assert (template["DefaultVersionNumber"], template["LatestVersionNumber"]) == (2, 2)
    (latest,) = ec2.describe_launch_template_versions(
        LaunchTemplateName=name, Versions=["$Latest"]
    )["LaunchTemplateVersions"]
    assert latest["VersionNumber"] == 2
    with pytest.raises(ClientError) as deleted_default:
        ec2.modify_launch_template(LaunchTemplateName=name, DefaultVersion="3")
    assert error_code(deleted_default) == "InvalidLaunchTemplateId.VersionNotFound"
    unknown = ec2.delete_launch_template_versions(
        LaunchTemplateName=f"nope-{unique}", Versions=["2"]
    )["UnsuccessfullyDeletedLaunchTemplateVersions"]
    assert unknown[0]["ResponseError"]["Code"] == "launchTemplateNameDoesNotExist"


def test_delete_launch_template_versions_lets_the_collection_remove_a_template(emulator, unique):
    """What amazon.aws ec2_launch_template does with state=absent: every non-default
    version first, then the template."""
    ec2 = emulator.client("ec2")
    name = make_template_versions(emulator, unique, 2)
    ec2.modify_launch_template(LaunchTemplateName=name, DefaultVersion="2")
    deleted = ec2.delete_launch_template_versions(LaunchTemplateName=name, Versions=["1"])
    assert deleted["UnsuccessfullyDeletedLaunchTemplateVersions"] == []
    ec2.delete_launch_template(LaunchTemplateName=name)
    left = ec2.describe_launch_templates(
        Filters=[{"Name": "launch-template-name", "Values": [name]}]
    )["LaunchTemplates"]
    assert left == []


def test_plain_moto_lacks_delete_launch_template_versions(plain_moto, unique):
    name = make_template_versions(plain_moto, unique, 2)
    try:
        plain_moto.client("ec2").delete_launch_template_versions(
            LaunchTemplateName=name, Versions=["2"]
        )
    except Exception:  # noqa: BLE001 - a 500 is not even a ClientError to boto3
        return
    pytest.fail(MOTO_CAUGHT_UP.format("ec2_launch_template_versions"))


# ---- scaling_activities: DescribeScalingActivities -----------------------------------------


def test_describe_scaling_activities_lists_none_for_a_target_that_never_scaled(emulator, unique):
    (resource,) = scalable_services(emulator, unique, "web")
    client = emulator.client("application-autoscaling")
    response = client.describe_scaling_activities(
        ServiceNamespace="ecs",
        ResourceId=resource,
        ScalableDimension="ecs:service:DesiredCount",
        MaxResults=50,
    )
    assert response["ScalingActivities"] == [] and "NextToken" not in response


def test_describe_scaling_activities_validates_like_aws(emulator):
    client = emulator.client("application-autoscaling")
    for bad in (
        {"ServiceNamespace": "bogus"},
        {"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:Nope"},
        {"ServiceNamespace": "ecs", "MaxResults": 51},
    ):
        with pytest.raises(ClientError) as excinfo:
            client.describe_scaling_activities(**bad)
        assert error_code(excinfo) == "ValidationException", bad


def test_plain_moto_lacks_describe_scaling_activities(plain_moto):
    try:
        plain_moto.client("application-autoscaling").describe_scaling_activities(
            ServiceNamespace="ecs"
        )
    except Exception:  # noqa: BLE001 - the 500 reaches boto3 as a ClientError or a parse error
        return
    pytest.fail(MOTO_CAUGHT_UP.format("scaling_activities"))
