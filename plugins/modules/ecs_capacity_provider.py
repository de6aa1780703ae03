#!/usr/bin/python
"""Ansible module: create, update or delete an ECS capacity provider for an Auto Scaling group."""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.scaleout_modules import BOTO_ERRORS, exit_with_diff
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

DOCUMENTATION = r"""
---
module: ecs_capacity_provider
short_description: Manage an ECS capacity provider backed by an Auto Scaling group
description:
  - Creates, updates or deletes an Amazon ECS capacity provider that uses an EC2 Auto Scaling
    group, with managed scaling (cluster auto scaling) and managed termination protection.
  - Attaching the provider to a cluster is done by the C(ecs_cluster_capacity) module.
  - Options left unset keep their current value on update and take the AWS default on create.
  - The Auto Scaling group of an existing provider cannot be changed (AWS does not allow it);
    the module fails and says so. Delete the provider first.
  - A provider that is still attached to a cluster cannot be deleted; AWS's error is reported.
  - Not part of amazon.aws, so C(module_defaults) for C(group/aws) does not reach it; pass
    C(region) and C(endpoint_url) to it explicitly, or set C(AWS_ENDPOINT_URL) for the play.
options:
  name:
    description:
      - Name of the capacity provider. AWS rejects names starting with C(aws), C(ecs) or
        C(fargate).
    type: str
    required: true
  state:
    description: Whether the capacity provider should exist.
    type: str
    choices: [present, absent]
    default: present
  auto_scaling_group:
    description:
      - Name or ARN of the Auto Scaling group. Required when creating.
      - With managed termination protection the group must protect new instances from scale in
        (see the C(autoscaling_scale_in_protection) module), otherwise AWS refuses.
    type: str
    aliases: [auto_scaling_group_arn]
  managed_scaling:
    description: Whether ECS manages the group's size (cluster auto scaling).
    type: bool
    default: true
  target_capacity:
    description: Target utilisation of the group's capacity, in percent (1-100).
    type: int
  minimum_scaling_step_size:
    description: Fewest instances added or removed at a time (1-10000).
    type: int
  maximum_scaling_step_size:
    description: Most instances added or removed at a time (1-10000).
    type: int
  instance_warmup_period:
    description: Seconds a new instance takes to count towards the metric (0-10000).
    type: int
  managed_termination_protection:
    description: Whether ECS keeps instances that run tasks from being terminated on scale in.
    type: bool
  managed_draining:
    description: Whether ECS drains tasks off instances before the group terminates them.
    type: bool
  tags:
    description: Tags for the capacity provider.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). Ignored when O(tags) is not given.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create a capacity provider with managed scaling for the cluster's Auto Scaling group
  ecs_capacity_provider:
    name: web-ec2
    auto_scaling_group: web-asg
    managed_scaling: true
    target_capacity: 90
    minimum_scaling_step_size: 1
    maximum_scaling_step_size: 2
    managed_termination_protection: true
    region: eu-west-1
    endpoint_url: "{{ aws_endpoint_url | default(omit) }}"

- name: Delete it (detach it from its cluster first)
  ecs_capacity_provider:
    name: web-ec2
    state: absent
"""

RETURN = r"""
capacity_provider:
  description: The capacity provider as ECS describes it (keys in snake_case, tags as a dict).
  returned: when state is present and not in check mode before creation
  type: dict
  contains:
    capacity_provider_arn:
      description: ARN of the capacity provider.
      type: str
    name:
      description: Its name.
      type: str
    status:
      description: ACTIVE or INACTIVE.
      type: str
    auto_scaling_group_provider:
      description: Group ARN, managed_scaling, managed_termination_protection, managed_draining.
      type: dict
    tags:
      description: Its tags.
      type: dict
"""


# option name -> (managedScaling key, lowest, highest)
SCALING_OPTIONS = {
    "target_capacity": ("targetCapacity", 1, 100),
    "minimum_scaling_step_size": ("minimumScalingStepSize", 1, 10000),
    "maximum_scaling_step_size": ("maximumScalingStepSize", 1, 10000),
    "instance_warmup_period": ("instanceWarmupPeriod", 0, 10000),
}


def on_off(value):
    return "ENABLED" if value else "DISABLED"


def validate(module):
    params = module.params
    name = params["name"]
    if name.lower().startswith(("aws", "ecs", "fargate")):
        module.fail_json(msg=f"name: {name!r} may not start with 'aws', 'ecs' or 'fargate'")
    for option, (_key, low, high) in SCALING_OPTIONS.items():
        value = params[option]
        if value is not None and not low <= value <= high:
            module.fail_json(msg=f"{option}: {value} is outside {low}-{high}")
    low, high = params["minimum_scaling_step_size"], params["maximum_scaling_step_size"]
    if low is not None and high is not None and low > high:
        module.fail_json(
            msg=f"minimum_scaling_step_size ({low}) is above maximum_scaling_step_size ({high})"
        )


def describe(module, ecs):
    try:
        response = ecs.describe_capacity_providers(
            capacityProviders=[module.params["name"]], include=["TAGS"]
        )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Could not describe the capacity provider")
    for provider in response.get("capacityProviders", []):
        # A deleted provider lingers (DELETE_IN_PROGRESS, then INACTIVE): absent for us.
        deleting = provider.get("updateStatus") in ("DELETE_IN_PROGRESS", "DELETE_COMPLETE")
        if provider.get("status") == "ACTIVE" and not deleting:
            return provider
    return None


def wanted_settings(params):
    """The autoScalingGroupProvider settings the task asks for (only those it sets)."""
    scaling = {"status": on_off(params["managed_scaling"])}
    for option, (key, _low, _high) in SCALING_OPTIONS.items():
        if params[option] is not None:
            scaling[key] = params[option]
    wanted = {"managedScaling": scaling}
    if params["managed_termination_protection"] is not None:
        wanted["managedTerminationProtection"] = on_off(params["managed_termination_protection"])
    if params["managed_draining"] is not None:
        wanted["managedDraining"] = on_off(params["managed_draining"])
    return wanted


def settings_differ(current, wanted):
    current_scaling = current.get("managedScaling", {})
    for key, value in wanted["managedScaling"].items():
        if current_scaling.get(key) != value:
            return True
    return any(current.get(key) != wanted[key] for key in wanted if key != "managedScaling")


def update_request(current, wanted):
    """The whole update: current settings overlaid with the wanted ones, so that a setting the
    task leaves unset keeps its value rather than falling back to AWS's default."""
    scaling_keys = ("status", *(key for key, _low, _high in SCALING_OPTIONS.values()))
    current_scaling = current.get("managedScaling", {})
    request = {
        key: current[key]
        for key in ("managedTerminationProtection", "managedDraining")
        if key in current
    }
    request.update({k: v for k, v in wanted.items() if k != "managedScaling"})
    request["managedScaling"] = {
        **{key: current_scaling[key] for key in scaling_keys if key in current_scaling},
        **wanted["managedScaling"],
    }
    return request


def same_group(current_arn, requested):
    if requested.startswith("arn:"):
        return current_arn == requested
    return current_arn.rsplit("autoScalingGroupName/", 1)[-1] == requested


def resolve_group_arn(module):
    requested = module.params["auto_scaling_group"]
    if requested.startswith("arn:"):
        return requested
    try:
        groups = module.client("autoscaling").describe_auto_scaling_groups(
            AutoScalingGroupNames=[requested]
        )["AutoScalingGroups"]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not look up Auto Scaling group {requested}")
    if not groups:
        return None
    return groups[0]["AutoScalingGroupARN"]


def comparable(provider):
    """What the diff shows: the provider's settings and tags, without ids and timestamps."""
    if provider is None:
        return {}
    return {
        "auto_scaling_group_provider": provider.get("autoScalingGroupProvider", {}),
        "tags": boto3_tag_list_to_ansible_dict(provider.get("tags") or [], "key", "value"),
    }


def result_of(provider):
    if provider is None:
        return {}
    tags = boto3_tag_list_to_ansible_dict(provider.get("tags") or [], "key", "value")
    result = camel_dict_to_snake_dict({k: v for k, v in provider.items() if k != "tags"})
    result["tags"] = tags
    return {"capacity_provider": result}


def ensure_absent(module, ecs, current):
    if current is None:
        module.exit_json(changed=False)
    if not module.check_mode:
        try:
            response = ecs.delete_capacity_provider(capacityProvider=current["capacityProviderArn"])
        except BOTO_ERRORS as e:
            module.fail_json_aws(
                e, msg=f"Could not delete capacity provider {module.params['name']}"
            )
        # ECS answers a delete it refuses (the provider is still attached to a cluster) with
        # success and updateStatus DELETE_FAILED, not with an error.
        deleted = response.get("capacityProvider", {})
        if deleted.get("updateStatus") == "DELETE_FAILED":
            module.fail_json(
                msg=f"Could not delete capacity provider {module.params['name']}: "
                f"{deleted.get('updateStatusReason', 'DELETE_FAILED')} "
                "(detach it with ecs_cluster_capacity first)"
            )
    exit_with_diff(module, True, comparable(current), {})


def create(module, ecs):
    params = module.params
    if not params["auto_scaling_group"]:
        module.fail_json(msg="auto_scaling_group is required to create a capacity provider")
    group_arn = resolve_group_arn(module)
    if group_arn is None:
        if module.check_mode:
            module.warn(f"Auto Scaling group {params['auto_scaling_group']} does not exist (yet)")
            module.exit_json(changed=True)
        module.fail_json(msg=f"auto_scaling_group: {params['auto_scaling_group']} does not exist")
    provider_settings = {"autoScalingGroupArn": group_arn, **wanted_settings(params)}
    request = {"name": params["name"], "autoScalingGroupProvider": provider_settings}
    if params["tags"]:
        request["tags"] = ansible_dict_to_boto3_tag_list(params["tags"], "key", "value")
    if module.check_mode:
        after = {"auto_scaling_group_provider": provider_settings, "tags": params["tags"] or {}}
        exit_with_diff(module, True, {}, after)
    try:
        ecs.create_capacity_provider(**request)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not create capacity provider {params['name']}")
    after = describe(module, ecs)
    exit_with_diff(module, True, {}, comparable(after), **result_of(after))


def update(module, ecs, current):
    params = module.params
    current_settings = current.get("autoScalingGroupProvider", {})
    requested_group = params["auto_scaling_group"]
    if requested_group and not same_group(
        current_settings.get("autoScalingGroupArn", ""), requested_group
    ):
        module.fail_json(
            msg=f"auto_scaling_group: capacity provider {params['name']} uses "
            f"{current_settings.get('autoScalingGroupArn')}; AWS cannot move a capacity provider "
            "to another group: delete it and create it again"
        )
    wanted = wanted_settings(params)
    settings_change = settings_differ(current_settings, wanted)

    tags_to_set, tags_to_remove = {}, []
    if params["tags"] is not None:
        current_tags = boto3_tag_list_to_ansible_dict(current.get("tags") or [], "key", "value")
        tags_to_set, tags_to_remove = compare_aws_tags(
            current_tags, params["tags"], params["purge_tags"]
        )
    changed = settings_change or bool(tags_to_set) or bool(tags_to_remove)
    if not changed:
        exit_with_diff(
            module, False, comparable(current), comparable(current), **result_of(current)
        )

    if module.check_mode:
        expected = comparable(current)
        group = dict(expected["auto_scaling_group_provider"])
        group.update({k: v for k, v in wanted.items() if k != "managedScaling"})
        group["managedScaling"] = {**group.get("managedScaling", {}), **wanted["managedScaling"]}
        tags = {k: v for k, v in expected["tags"].items() if k not in tags_to_remove}
        expected = {"auto_scaling_group_provider": group, "tags": {**tags, **tags_to_set}}
        exit_with_diff(module, True, comparable(current), expected, **result_of(current))

    arn = current["capacityProviderArn"]
    try:
        if settings_change:
            ecs.update_capacity_provider(
                name=params["name"],
                autoScalingGroupProvider=update_request(current_settings, wanted),
            )
        if tags_to_remove:
            ecs.untag_resource(resourceArn=arn, tagKeys=tags_to_remove)
        if tags_to_set:
            ecs.tag_resource(
                resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags_to_set, "key", "value")
            )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not update capacity provider {params['name']}")
    after = describe(module, ecs)
    exit_with_diff(module, True, comparable(current), comparable(after), **result_of(after))


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        auto_scaling_group=dict(type="str", aliases=["auto_scaling_group_arn"]),
        managed_scaling=dict(type="bool", default=True),
        target_capacity=dict(type="int"),
        minimum_scaling_step_size=dict(type="int"),
        maximum_scaling_step_size=dict(type="int"),
        instance_warmup_period=dict(type="int"),
        managed_termination_protection=dict(type="bool"),
        managed_draining=dict(type="bool"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    ecs = module.client("ecs")
    current = describe(module, ecs)
    if module.params["state"] == "absent":
        ensure_absent(module, ecs, current)
    if current is None:
        create(module, ecs)
    update(module, ecs, current)


if __name__ == "__main__":
    main()
