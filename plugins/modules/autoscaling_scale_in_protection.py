#!/usr/bin/python
"""Ansible module: turn an Auto Scaling group's scale-in protection of new instances on or off."""

from __future__ import annotations

from ansible.module_utils.scaleout_modules import BOTO_ERRORS, exit_with_diff, missing_parent
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: autoscaling_scale_in_protection
short_description: Protect an Auto Scaling group's new instances from scale in, or stop doing so
description:
  - Sets C(NewInstancesProtectedFromScaleIn) on an existing Auto Scaling group, which an ECS
    capacity provider with managed termination protection requires. Optionally applies the same
    protection to the instances already in the group (SetInstanceProtection).
  - amazon.aws's autoscaling_group cannot change this setting on an existing group.
  - Not part of amazon.aws, so C(module_defaults) for C(group/aws) does not reach it; pass
    C(region) and C(endpoint_url) to it explicitly, or set C(AWS_ENDPOINT_URL) for the play.
options:
  name:
    description: Name of the Auto Scaling group.
    type: str
    required: true
  protected:
    description: Whether instances the group launches from now on are protected from scale in.
    type: bool
    required: true
    aliases: [new_instances_protected_from_scale_in]
  existing_instances:
    description:
      - Also set the protection of the instances already in the group to O(protected).
      - Leave false when ECS manages termination protection, since ECS sets and clears the
        protection of each instance itself.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Protect new instances, as ECS managed termination protection requires
  autoscaling_scale_in_protection:
    name: web-asg
    protected: true
"""

RETURN = r"""
new_instances_protected_from_scale_in:
  description: The group's setting after the task.
  returned: unless check mode stopped early on a missing group
  type: bool
instances_changed:
  description: IDs of existing instances whose protection the task changed (or would change).
  returned: unless check mode stopped early on a missing group
  type: list
  elements: str
"""


# SetInstanceProtection takes at most this many instance IDs per call.
INSTANCES_PER_CALL = 50


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        protected=dict(
            type="bool", required=True, aliases=["new_instances_protected_from_scale_in"]
        ),
        existing_instances=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    name, protected = params["name"], params["protected"]
    autoscaling = module.client("autoscaling")
    try:
        groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
            "AutoScalingGroups"
        ]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not describe Auto Scaling group {name}")
    if not groups:
        missing_parent(module, f"Auto Scaling group {name}")
    group = groups[0]

    current = bool(group.get("NewInstancesProtectedFromScaleIn", False))
    to_change = []
    if params["existing_instances"]:
        to_change = sorted(
            instance["InstanceId"]
            for instance in group.get("Instances", [])
            if bool(instance.get("ProtectedFromScaleIn", False)) != protected
        )
    before = {"new_instances_protected_from_scale_in": current}
    after = {"new_instances_protected_from_scale_in": protected}
    if to_change:
        before["instances_changed"] = {i: not protected for i in to_change}
        after["instances_changed"] = {i: protected for i in to_change}
    changed = current != protected or bool(to_change)
    result = {"new_instances_protected_from_scale_in": protected, "instances_changed": to_change}
    if not changed:
        exit_with_diff(module, False, before, before, **result)
    if module.check_mode:
        exit_with_diff(module, True, before, after, **result)
    try:
        if current != protected:
            autoscaling.update_auto_scaling_group(
                AutoScalingGroupName=name, NewInstancesProtectedFromScaleIn=protected
            )
        for start in range(0, len(to_change), INSTANCES_PER_CALL):
            autoscaling.set_instance_protection(
                AutoScalingGroupName=name,
                InstanceIds=to_change[start : start + INSTANCES_PER_CALL],
                ProtectedFromScaleIn=protected,
            )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not set the scale-in protection of {name}")
    exit_with_diff(module, True, before, after, **result)


if __name__ == "__main__":
    main()
