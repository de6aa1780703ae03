"""DescribeScalingPolicies filters like Application Auto Scaling.

Real AWS: DescribeScalingPolicies returns only the policies named in `PolicyNames` when given,
and matches `ResourceId` and `ScalableDimension` exactly; `MaxResults`/`NextToken` page the
result after filtering.

moto 5.2.5: ignores `PolicyNames` (every policy of the namespace comes back, so a module that
looks its policy up by name sees someone else's), and matches `ResourceId` and
`ScalableDimension` as substrings of the request (`service/c/web` also finds `service/c/we`).

Proved by tests/emulator/test_patches.py::test_describe_scaling_policies_* (and, against
--no-patches, test_plain_moto_ignores_policy_names).
"""

from __future__ import annotations

import json
from typing import Any

from ._patching import wrap


def _describe_scaling_policies(_original: Any, self: Any) -> str:
    from moto.applicationautoscaling.responses import _build_policy

    namespace = self._get_param("ServiceNamespace")
    resource_id = self._get_param("ResourceId")
    dimension = self._get_param("ScalableDimension")
    names = self._get_param("PolicyNames")
    policies = [
        policy
        for policy in self.applicationautoscaling_backend.policies.values()
        if policy.service_namespace == namespace
        and (not resource_id or policy.resource_id == resource_id)
        and (not dimension or policy.scalable_dimension == dimension)
        and (not names or policy.policy_name in names)
    ]
    start = int(self._get_param("NextToken") or 0)
    size = self._get_int_param("MaxResults") or 50
    page = policies[start : start + size]
    response: dict[str, Any] = {"ScalingPolicies": [_build_policy(p) for p in page]}
    if start + size < len(policies):
        response["NextToken"] = str(start + size)
    return json.dumps(response)


def apply() -> None:
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    wrap(ApplicationAutoScalingResponse, "describe_scaling_policies")(_describe_scaling_policies)
