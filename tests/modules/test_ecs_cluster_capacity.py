"""ecs_cluster_capacity through ansible-playbook against the emulator."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]


def attached(emulator, cluster: str) -> tuple[list[str], list[dict]]:
    (found,) = emulator.client("ecs").describe_clusters(clusters=[cluster])["clusters"]
    return found.get("capacityProviders", []), found.get("defaultCapacityProviderStrategy", [])


@pytest.fixture
def provider(emulator, asg, unique) -> str:
    name = f"cp-{unique}"
    emulator.client("ecs").create_capacity_provider(
        name=name, autoScalingGroupProvider={"autoScalingGroupArn": asg["arn"]}
    )
    return name


def test_attach_again_check_change_detach(emulator, play, provider, unique):
    cluster = f"cl-{unique}"
    emulator.client("ecs").create_cluster(clusterName=cluster)
    ec2_only = {
        "cluster": cluster,
        "capacity_providers": [provider],
        "default_capacity_provider_strategy": [{"capacity_provider": provider, "weight": 1}],
    }
    mixed = {
        "cluster": cluster,
        "capacity_providers": ["FARGATE", provider],
        "default_capacity_provider_strategy": [
            {"capacity_provider": "FARGATE", "weight": 1},
            {"capacity_provider": provider, "weight": 3, "base": 2},
        ],
    }
    check_attach, attach, again, check_mixed = play(
        "ecs_cluster_capacity",
        {**ec2_only, "check": True},
        ec2_only,
        ec2_only,
        {**mixed, "check": True},
    )
    assert check_attach["changed"] is True and not check_attach.get("failed")
    assert attach["changed"] is True and not attach.get("failed"), attach.get("msg")
    assert again["changed"] is False
    assert check_mixed["changed"] is True
    assert attached(emulator, cluster) == (
        [provider],
        [{"capacityProvider": provider, "weight": 1, "base": 0}],
    )

    reordered = {
        **mixed,
        "capacity_providers": [provider, "FARGATE"],
        "default_capacity_provider_strategy": list(
            reversed(mixed["default_capacity_provider_strategy"])
        ),
    }
    change, same_in_other_order, detach, detach_again = play(
        "ecs_cluster_capacity",
        mixed,
        reordered,
        {"cluster": cluster, "capacity_providers": []},
        {"cluster": cluster, "capacity_providers": []},
    )
    assert change["changed"] is True and not change.get("failed"), change.get("msg")
    assert change["default_capacity_provider_strategy"] == [
        {"capacity_provider": "FARGATE", "weight": 1, "base": 0},
        {"capacity_provider": provider, "weight": 3, "base": 2},
    ]
    assert same_in_other_order["changed"] is False
    assert detach["changed"] is True
    assert detach_again["changed"] is False
    assert attached(emulator, cluster) == ([], [])


def test_missing_cluster(play, unique):
    attach, check_attach, detach = play(
        "ecs_cluster_capacity",
        {"cluster": f"nope-{unique}", "capacity_providers": ["FARGATE"]},
        {"cluster": f"nope-{unique}", "capacity_providers": ["FARGATE"], "check": True},
        {"cluster": f"nope-{unique}", "capacity_providers": []},
    )
    assert attach["failed"] is True and "does not exist" in attach["msg"]
    assert check_attach["changed"] is True and not check_attach.get("failed")
    assert detach["changed"] is False and not detach.get("failed")  # teardown may run twice


def test_aws_errors_are_reported(emulator, play, unique):
    cluster = f"cl-{unique}"
    emulator.client("ecs").create_cluster(clusterName=cluster)
    (unknown,) = play(
        "ecs_cluster_capacity", {"cluster": cluster, "capacity_providers": [f"nope-{unique}"]}
    )
    assert unknown["failed"] is True
    assert f"nope-{unique} does not exist" in unknown["msg"]


def test_bad_input_fails_before_any_aws_call(play, dead_endpoint):
    steps = [
        {
            "cluster": "c",
            "capacity_providers": ["a"],
            "default_capacity_provider_strategy": [{"capacity_provider": "b", "weight": 1}],
        },
        {
            "cluster": "c",
            "capacity_providers": ["a", "b"],
            "default_capacity_provider_strategy": [
                {"capacity_provider": "a", "base": 1},
                {"capacity_provider": "b", "base": 1},
            ],
        },
        {"cluster": "c", "capacity_providers": ["a", "a"]},
        {
            "cluster": "c",
            "capacity_providers": ["a"],
            "default_capacity_provider_strategy": [{"capacity_provider": "a", "weight": 1001}],
        },
        {"cluster": "c"},
    ]
    results = play("ecs_cluster_capacity", *steps, endpoint_url=dead_endpoint)
    messages = [r["msg"] for r in results]
    assert all(r["failed"] for r in results), messages
    assert "b is not in capacity_providers" in messages[0]
    assert "only one entry may have a base" in messages[1]
    assert "listed twice" in messages[2]
    assert "weight 1001" in messages[3]
    assert "capacity_providers" in messages[4]
