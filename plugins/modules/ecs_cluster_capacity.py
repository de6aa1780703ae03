#!/usr/bin/python
"""Ansible module: set the capacity providers and default strategy of an ECS cluster."""

from __future__ import annotations

from ansible.module_utils.scaleout_modules import BOTO_ERRORS, exit_with_diff, missing_parent
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

DOCUMENTATION = r"""
---
module: ecs_cluster_capacity
short_description: Attach capacity providers and a default strategy to an ECS cluster
description:
  - Sets the complete list of capacity providers of an existing ECS cluster and its default
    capacity provider strategy (PutClusterCapacityProviders). The lists are declarative;
    providers not listed are detached, and empty lists detach everything (do that before
    deleting a capacity provider).
  - Order does not matter; the module reports a change only when the sets differ.
  - Not part of amazon.aws, so C(module_defaults) for C(group/aws) does not reach it; pass
    C(region) and C(endpoint_url) to it explicitly, or set C(AWS_ENDPOINT_URL) for the play.
options:
  cluster:
    description: Name or ARN of the cluster.
    type: str
    required: true
  capacity_providers:
    description:
      - Every capacity provider the cluster should have, by name (C(FARGATE), C(FARGATE_SPOT)
        or one made with C(ecs_capacity_provider)).
    type: list
    elements: str
    required: true
  default_capacity_provider_strategy:
    description:
      - The strategy services use when they name neither a launch type nor a strategy.
      - Each entry's provider must be in O(capacity_providers); at most one entry has a base.
    type: list
    elements: dict
    default: []
    suboptions:
      capacity_provider:
        description: Name of the capacity provider.
        type: str
        required: true
      weight:
        description: Relative share of tasks placed on this provider (0-1000).
        type: int
        default: 0
      base:
        description: Tasks placed on this provider before weights apply (0-100000).
        type: int
        default: 0
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Use the EC2 capacity provider by default
  ecs_cluster_capacity:
    cluster: web
    capacity_providers: [web-ec2]
    default_capacity_provider_strategy:
      - capacity_provider: web-ec2
        weight: 1
        base: 0

- name: Detach every capacity provider (before deleting them)
  ecs_cluster_capacity:
    cluster: web
    capacity_providers: []
"""

RETURN = r"""
capacity_providers:
  description: The cluster's capacity providers after the task.
  returned: always, unless check mode stopped early on a missing cluster
  type: list
  elements: str
default_capacity_provider_strategy:
  description: The cluster's default strategy after the task (capacity_provider, weight, base).
  returned: always, unless check mode stopped early on a missing cluster
  type: list
  elements: dict
"""


def validate(module):
    providers = module.params["capacity_providers"]
    strategy = module.params["default_capacity_provider_strategy"]
    if len(set(providers)) != len(providers):
        module.fail_json(msg="capacity_providers: a capacity provider is listed twice")
    with_base = [item["capacity_provider"] for item in strategy if item["base"]]
    if len(with_base) > 1:
        module.fail_json(
            msg="default_capacity_provider_strategy: only one entry may have a base, "
            f"not {', '.join(with_base)}"
        )
    seen = set()
    for item in strategy:
        name = item["capacity_provider"]
        if name not in providers:
            module.fail_json(
                msg=f"default_capacity_provider_strategy: {name} is not in capacity_providers"
            )
        if name in seen:
            module.fail_json(msg=f"default_capacity_provider_strategy: {name} is listed twice")
        seen.add(name)
        if not 0 <= item["weight"] <= 1000:
            module.fail_json(
                msg=f"default_capacity_provider_strategy: weight {item['weight']} of {name} "
                "is outside 0-1000"
            )
        if not 0 <= item["base"] <= 100000:
            module.fail_json(
                msg=f"default_capacity_provider_strategy: base {item['base']} of {name} "
                "is outside 0-100000"
            )


def normalise(strategy):
    """A strategy as a sorted list of {capacity_provider, weight, base}."""
    items = [
        {
            "capacity_provider": item.get("capacityProvider", item.get("capacity_provider")),
            "weight": item.get("weight") or 0,
            "base": item.get("base") or 0,
        }
        for item in strategy or []
    ]
    return sorted(items, key=lambda item: item["capacity_provider"])


def state_of(providers, strategy):
    return {
        "capacity_providers": sorted(providers or []),
        "default_capacity_provider_strategy": normalise(strategy),
    }


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        capacity_providers=dict(type="list", elements="str", required=True),
        default_capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int", default=0),
                base=dict(type="int", default=0),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    params = module.params
    # ECS refuses a cluster change while the previous one is still being applied.
    ecs = module.client(
        "ecs",
        retry_decorator=AWSRetry.jittered_backoff(
            catch_extra_error_codes=["UpdateInProgressException"]
        ),
    )
    try:
        clusters = ecs.describe_clusters(clusters=[params["cluster"]], aws_retry=True)["clusters"]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not describe cluster {params['cluster']}")
    cluster = next((c for c in clusters if c.get("status") == "ACTIVE"), None)
    wanted = state_of(params["capacity_providers"], params["default_capacity_provider_strategy"])
    if cluster is None:
        if not params["capacity_providers"]:
            # Nothing to detach from a cluster that is gone: teardown may run this twice.
            module.exit_json(changed=False, **wanted)
        missing_parent(module, f"ECS cluster {params['cluster']}")

    current = state_of(
        cluster.get("capacityProviders"), cluster.get("defaultCapacityProviderStrategy")
    )
    if current == wanted:
        exit_with_diff(module, False, current, current, **current)
    if module.check_mode:
        exit_with_diff(module, True, current, wanted, **wanted)
    try:
        response = ecs.put_cluster_capacity_providers(
            cluster=params["cluster"],
            capacityProviders=params["capacity_providers"],
            defaultCapacityProviderStrategy=[
                {
                    "capacityProvider": item["capacity_provider"],
                    "weight": item["weight"],
                    "base": item["base"],
                }
                for item in params["default_capacity_provider_strategy"]
            ],
            aws_retry=True,
        )
    except BOTO_ERRORS as e:
        module.fail_json_aws(
            e, msg=f"Could not set the capacity providers of cluster {params['cluster']}"
        )
    after = response["cluster"]
    after = state_of(after.get("capacityProviders"), after.get("defaultCapacityProviderStrategy"))
    exit_with_diff(module, True, current, after, **after)


if __name__ == "__main__":
    main()
