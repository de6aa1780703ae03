#!/usr/bin/python
"""Ansible module: an ECS service's scalable target and its target tracking policies, with a
check mode that writes nothing and a diff."""

from __future__ import annotations

from ansible.module_utils.scaleout_modules import BOTO_ERRORS, exit_with_diff
from ansible.module_utils.scaleout_scaling import normalize, plan, problems
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: ecs_service_scaling
short_description: Register a scalable target and its target tracking policies
description:
  - Registers the Application Auto Scaling scalable target of a resource (by default an ECS
    service's desired count) with its minimum and maximum, and puts its target tracking
    policies, calling only what differs from the live state.
  - With O(state=absent), deletes the target's policies, then deregisters the target.
  - Check mode makes no write call and reports what would change; with C(--diff) the before and
    after of the target and the policies.
  - Written because community.aws.application_autoscaling_policy writes even in check mode, and
    with O(state=absent) leaves the target behind.
  - Not part of amazon.aws, so C(module_defaults) for C(group/aws) does not reach it; pass
    C(region) and C(endpoint_url) to it explicitly.
options:
  resource_id:
    description: Identifier of the resource, for ECS C(service/<cluster>/<service>).
    type: str
    required: true
  service_namespace:
    description: Namespace of the scalable resource.
    type: str
    default: ecs
  scalable_dimension:
    description: The scalable dimension.
    type: str
    default: ecs:service:DesiredCount
  min_capacity:
    description: Fewest the target may be scaled to. Required with O(state=present).
    type: int
  max_capacity:
    description: Most the target may be scaled to. Required with O(state=present).
    type: int
  policies:
    description: The target tracking policies wanted on the target.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Policy name.
        type: str
        required: true
      target_tracking:
        description:
          - The policy's C(TargetTrackingScalingPolicyConfiguration), as the API takes it.
          - Only the keys given are compared; an omitted C(DisableScaleIn) means false.
        type: dict
        required: true
  purge_policies:
    description: Delete the target's policies that O(policies) does not name.
    type: bool
    default: false
  state:
    description: Whether the target and its policies should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Scale the service between 1 and 4 tasks on CPU
  ecs_service_scaling:
    resource_id: service/web/web
    min_capacity: 1
    max_capacity: 4
    purge_policies: true
    policies:
      - name: web-cpu
        target_tracking:
          TargetValue: 80
          PredefinedMetricSpecification:
            PredefinedMetricType: ECSServiceAverageCPUUtilization
          ScaleOutCooldown: 60
          ScaleInCooldown: 120
"""

RETURN = r"""
scalable_target:
  description: The target's capacities after the task (null when there is none).
  returned: always
  type: dict
  sample: {"MinCapacity": 1, "MaxCapacity": 4}
policies:
  description: Policy name to its target tracking configuration, after the task.
  returned: always
  type: dict
actions:
  description: The write calls made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
  sample: ["register the scalable target", "put policy web-cpu"]
"""


def main():
    argument_spec = dict(
        resource_id=dict(type="str", required=True),
        service_namespace=dict(type="str", default="ecs"),
        scalable_dimension=dict(type="str", default="ecs:service:DesiredCount"),
        min_capacity=dict(type="int"),
        max_capacity=dict(type="int"),
        policies=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                target_tracking=dict(type="dict", required=True),
            ),
        ),
        purge_policies=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ("min_capacity", "max_capacity"))],
        supports_check_mode=True,
    )
    params = module.params
    if params["state"] == "present":
        found = problems(params["min_capacity"], params["max_capacity"], params["policies"])
        if found:
            module.fail_json(msg="; ".join(found))

    client = module.client("application-autoscaling")
    key = dict(
        ServiceNamespace=params["service_namespace"],
        ScalableDimension=params["scalable_dimension"],
    )
    resource = params["resource_id"]
    try:
        targets = client.describe_scalable_targets(ResourceIds=[resource], **key)["ScalableTargets"]
        pages = client.get_paginator("describe_scaling_policies").paginate(
            ResourceId=resource, **key
        )
        live_policies = [p for page in pages for p in page["ScalingPolicies"]]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not read the scaling of {resource}")
    # Some implementations ignore the filters (moto ignores ResourceIds and PolicyNames): match
    # the resource and dimension ourselves.
    mine = lambda item: (  # noqa: E731
        item["ResourceId"] == resource and item["ScalableDimension"] == params["scalable_dimension"]
    )
    live_target = next((t for t in targets if mine(t)), None)
    todo = plan(
        live_target,
        [p for p in live_policies if mine(p)] if live_target else [],
        state=params["state"],
        min_capacity=params["min_capacity"] or 0,
        max_capacity=params["max_capacity"] or 0,
        policies=params["policies"],
        purge_policies=params["purge_policies"],
    )
    actions = (["register the scalable target"] if todo.register else []) + [
        f"put policy {name}" for name in todo.put
    ]
    actions += [f"delete policy {name}" for name in todo.delete]
    actions += ["deregister the scalable target"] if todo.deregister else []
    result = dict(
        scalable_target=todo.after["scalable_target"],
        policies=todo.after["policies"],
        actions=actions,
    )
    if not module.check_mode:
        # Typed as AWS returns them: a value templated by Ansible may arrive as a string.
        wanted = {p["name"]: normalize(p["target_tracking"]) for p in params["policies"]}
        step = ""
        try:
            if todo.register:
                step = "register the scalable target"
                client.register_scalable_target(ResourceId=resource, **key, **todo.register)
            for name in todo.put:
                step = f"put policy {name}"
                client.put_scaling_policy(
                    PolicyName=name,
                    ResourceId=resource,
                    PolicyType="TargetTrackingScaling",
                    TargetTrackingScalingPolicyConfiguration=wanted[name],
                    **key,
                )
            for name in todo.delete:
                step = f"delete policy {name}"
                client.delete_scaling_policy(PolicyName=name, ResourceId=resource, **key)
            if todo.deregister:
                step = "deregister the scalable target"
                client.deregister_scalable_target(ResourceId=resource, **key)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Could not {step} of {resource}")
    exit_with_diff(module, todo.changed, todo.before, todo.after, **result)


if __name__ == "__main__":
    main()
