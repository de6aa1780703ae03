"""ecs_cluster_settings through ansible-playbook against the emulator."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]


def insights(emulator, cluster: str) -> str:
    (found,) = emulator.client("ecs").describe_clusters(clusters=[cluster], include=["SETTINGS"])[
        "clusters"
    ]
    return {s["name"]: s["value"] for s in found["settings"]}["containerInsights"]


def test_sets_container_insights_idempotently_and_check_mode_writes_nothing(emulator, play, unique):
    cluster = f"settings-{unique}"
    emulator.client("ecs").create_cluster(clusterName=cluster)
    assert insights(emulator, cluster) == "disabled"

    enable, again, check_enhanced = play(
        "ecs_cluster_settings",
        {"cluster": cluster, "container_insights": "enabled"},
        {"cluster": cluster, "container_insights": "enabled"},
        {"cluster": cluster, "container_insights": "enhanced", "check": True, "diff": True},
    )
    assert enable["changed"] is True and not enable.get("failed")
    assert enable["settings"] == {"containerInsights": "enabled"}
    assert again["changed"] is False
    assert check_enhanced["changed"] is True
    assert check_enhanced["settings"] == {"containerInsights": "enhanced"}
    assert check_enhanced["diff"] == {
        "before": {"containerInsights": "enabled"},
        "after": {"containerInsights": "enhanced"},
    }
    assert insights(emulator, cluster) == "enabled"  # check mode wrote nothing

    enhanced, check_same, disable = play(
        "ecs_cluster_settings",
        {"cluster": cluster, "container_insights": "enhanced"},
        {"cluster": cluster, "container_insights": "enhanced", "check": True},
        {"cluster": cluster, "container_insights": "disabled"},
    )
    assert enhanced["changed"] is True
    assert check_same["changed"] is False
    assert disable["changed"] is True
    assert insights(emulator, cluster) == "disabled"


def test_missing_cluster_fails_but_check_mode_reports_a_change(play, unique):
    missing, checked = play(
        "ecs_cluster_settings",
        {"cluster": f"absent-{unique}", "container_insights": "enabled"},
        {"cluster": f"absent-{unique}", "container_insights": "enabled", "check": True},
    )
    assert missing["failed"] is True
    assert f"ECS cluster absent-{unique} does not exist" in missing["msg"]
    assert checked["changed"] is True and not checked.get("failed")


def test_bad_value_fails_before_any_aws_call(play, unique, dead_endpoint):
    (result,) = play(
        "ecs_cluster_settings",
        {"cluster": f"c-{unique}", "container_insights": "sometimes"},
        endpoint_url=dead_endpoint,
    )
    assert result["failed"] is True
    assert "container_insights" in result["msg"] and "sometimes" in result["msg"]
