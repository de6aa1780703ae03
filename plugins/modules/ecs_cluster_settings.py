#!/usr/bin/python
"""Ansible module: set the settings (Container Insights) of an existing ECS cluster."""

from __future__ import annotations

from ansible.module_utils.scaleout_modules import BOTO_ERRORS, exit_with_diff, missing_parent
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: ecs_cluster_settings
short_description: Turn Container Insights on, off or to enhanced on an ECS cluster
description:
  - Sets the C(containerInsights) setting of an existing ECS cluster with
    UpdateClusterSettings, reading it back with DescribeClusters (include SETTINGS).
  - community.aws's ecs_cluster neither sets nor compares cluster settings.
  - Not part of amazon.aws, so C(module_defaults) for C(group/aws) does not reach it; pass
    C(region) and C(endpoint_url) to it explicitly, or set C(AWS_ENDPOINT_URL) for the play.
options:
  cluster:
    description: Name or ARN of the cluster.
    type: str
    required: true
  container_insights:
    description:
      - C(enabled) collects cluster and service metrics; C(enhanced) adds task and container
        level metrics (costs more); C(disabled) turns collection off.
    type: str
    choices: [enabled, disabled, enhanced]
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Turn on Container Insights
  ecs_cluster_settings:
    cluster: web
    container_insights: enabled
"""

RETURN = r"""
settings:
  description: The cluster's settings after the task, as a dict of name to value.
  returned: unless check mode stopped early on a missing cluster
  type: dict
  sample: {"containerInsights": "enabled"}
"""


def as_dict(settings):
    return {item["name"]: item["value"] for item in settings or []}


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        container_insights=dict(
            type="str", choices=["enabled", "disabled", "enhanced"], required=True
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    ecs = module.client("ecs")
    try:
        clusters = ecs.describe_clusters(clusters=[params["cluster"]], include=["SETTINGS"])[
            "clusters"
        ]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not describe cluster {params['cluster']}")
    cluster = next((c for c in clusters if c.get("status") == "ACTIVE"), None)
    if cluster is None:
        missing_parent(module, f"ECS cluster {params['cluster']}")

    current = as_dict(cluster.get("settings"))
    wanted = {**current, "containerInsights": params["container_insights"]}
    if current == wanted:
        exit_with_diff(module, False, current, current, settings=current)
    if module.check_mode:
        exit_with_diff(module, True, current, wanted, settings=wanted)
    try:
        response = ecs.update_cluster_settings(
            cluster=params["cluster"],
            settings=[{"name": "containerInsights", "value": params["container_insights"]}],
        )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not update the settings of cluster {params['cluster']}")
    after = as_dict(response["cluster"].get("settings"))
    exit_with_diff(module, True, current, after, settings=after)


if __name__ == "__main__":
    main()
