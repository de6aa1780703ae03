"""DescribeScalingActivities exists, as in Application Auto Scaling.

Real AWS: DescribeScalingActivities (ServiceNamespace required; ResourceId, ScalableDimension,
MaxResults 1-50, NextToken, IncludeNotScaledActivities optional) lists the scaling
activities of the namespace's scalable targets, newest first, paged. A target that has never
scaled has none: the answer is an empty `ScalingActivities` list.

moto 5.2.5: has no DescribeScalingActivities (the server answers 500, which boto3 retries
before giving up). The load test's observer (scaleout/loadtest/observe.py) reads it on every
poll, and recorded Application Auto Scaling as missing on the emulator.

moto never runs the scaling policies (nothing changes a service's desired count on its own),
so there are no activities to report: the patch validates the request like AWS and answers an
empty list.

Proved by tests/emulator/test_patches.py::test_describe_scaling_activities_* (and, against
--no-patches, test_plain_moto_lacks_describe_scaling_activities).
"""

from __future__ import annotations

import json
from typing import Any

from ._patching import wrap

MAX_RESULTS = 50


def _describe_scaling_activities(_original: Any, self: Any) -> str:
    from moto.applicationautoscaling.exceptions import AWSValidationException

    if self._get_param("ServiceNamespace") is None:
        raise AWSValidationException(
            "1 validation error detected: Value null at 'serviceNamespace' failed to satisfy "
            "constraint: Member must not be null"
        )
    self._validate_params()  # moto's own check of the namespace and dimension values
    size = self._get_int_param("MaxResults")
    if size is not None and not 1 <= size <= MAX_RESULTS:
        raise AWSValidationException(
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_RESULTS}"
            if size > MAX_RESULTS
            else f"1 validation error detected: Value '{size}' at 'maxResults' failed to "
            "satisfy constraint: Member must have value greater than or equal to 1"
        )
    return json.dumps({"ScalingActivities": []})


def apply() -> None:
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    wrap(ApplicationAutoScalingResponse, "describe_scaling_activities")(
        _describe_scaling_activities
    )
