#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deregister an Application Auto Scaling scalable target (and with it its policies)."""

from __future__ import annotations

import contextlib

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

DOCUMENTATION = r"""
---
module: application_autoscaling_target
short_description: Deregister an Application Auto Scaling scalable target
description:
  - community.aws.application_autoscaling_policy registers a scalable target but, with
    O(state=absent), deletes only the policy and leaves the target behind. This module
    removes the target; AWS deletes its remaining policies with it.
  - Registering is left to community.aws.application_autoscaling_policy.
options:
  service_namespace:
    description: Namespace of the scalable resource.
    type: str
    default: ecs
  resource_id:
    description: Identifier of the resource, for ECS C(service/<cluster>/<service>).
    type: str
    required: true
  scalable_dimension:
    description: The scalable dimension.
    type: str
    default: ecs:service:DesiredCount
  state:
    description: Only C(absent) is supported.
    type: str
    choices: [absent]
    default: absent
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deregister the service's scalable target
  application_autoscaling_target:
    resource_id: service/web/web
    state: absent
"""

RETURN = r"""
deregistered:
  description: Whether a target was (or, in check mode, would be) deregistered.
  returned: always
  type: bool
"""


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            service_namespace=dict(type="str", default="ecs"),
            resource_id=dict(type="str", required=True),
            scalable_dimension=dict(type="str", default="ecs:service:DesiredCount"),
            state=dict(type="str", default="absent", choices=["absent"]),
        ),
        supports_check_mode=True,
    )
    client = module.client("application-autoscaling")
    key = dict(
        ServiceNamespace=module.params["service_namespace"],
        ScalableDimension=module.params["scalable_dimension"],
    )
    try:
        targets = client.describe_scalable_targets(
            ResourceIds=[module.params["resource_id"]], **key
        )["ScalableTargets"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Could not describe the scalable target")
    # Some implementations ignore the ResourceIds filter: match the id ourselves.
    present = any(t["ResourceId"] == module.params["resource_id"] for t in targets)
    if present and not module.check_mode:
        try:
            client.deregister_scalable_target(ResourceId=module.params["resource_id"], **key)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg="Could not deregister the scalable target")
    module.exit_json(changed=present, deregistered=present)


if __name__ == "__main__":
    main()
