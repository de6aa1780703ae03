"""CreateService keeps the settings a real ECS service has from its creation.

Real ECS: CreateService stores and DescribeServices returns `deploymentConfiguration` (with
`deploymentCircuitBreaker`; AWS fills `maximumPercent` 200, `minimumHealthyPercent` 100 and a
disabled breaker when they are not given), `capacityProviderStrategy`, `placementConstraints`,
`placementStrategy`, `healthCheckGracePeriodSeconds`, `enableECSManagedTags` and
`enableExecuteCommand`. A service given neither a launch type nor a strategy gets the cluster's
default capacity provider strategy (and no launch type); giving both is an
InvalidParameterException.

moto 5.2.5: CreateService drops all of these (DescribeServices shows none of them) and always
sets launchType EC2. UpdateService does store them (it copies every parameter onto the
service), so only creation is patched here; deployments are ecs_deployments.py's business.

Proved by tests/emulator/test_patches.py::test_create_service_keeps_* (and, against
--no-patches, test_plain_moto_still_drops_service_fields).
"""

from __future__ import annotations

import copy
from typing import Any

from ._patching import wrap

DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def _create_service(original: Any, self: Any) -> Any:
    from moto.ecs.exceptions import InvalidParameterException

    launch_type = self._get_param("launchType")
    strategy = self._get_param("capacityProviderStrategy")
    if launch_type and strategy:
        raise InvalidParameterException(
            "Specifying both a launch type and capacity provider strategy is not supported. "
            "Remove one and try again."
        )
    cluster = self.ecs_backend._get_cluster(self._get_param("cluster", "default"))
    if not launch_type and not strategy and cluster.default_capacity_provider_strategy:
        strategy = copy.deepcopy(cluster.default_capacity_provider_strategy)
    if strategy:
        for item in strategy:
            provider = item.get("capacityProvider")
            if provider not in (cluster.capacity_providers or []):
                raise InvalidParameterException(
                    "The specified capacity provider strategy cannot contain a capacity "
                    "provider that is not associated with the cluster. Associate the capacity "
                    f"provider with the cluster or specify a valid capacity provider ({provider}) "
                    "and try again."
                )

    result = original(self)

    service = self.ecs_backend._get_service(cluster.name, self._get_param("serviceName"))
    service.deployment_configuration = {
        **copy.deepcopy(DEFAULT_DEPLOYMENT_CONFIGURATION),
        **(self._get_param("deploymentConfiguration") or {}),
    }
    service.placement_constraints = self._get_param("placementConstraints") or []
    service.placement_strategy = self._get_param("placementStrategy") or []
    service.enable_ecs_managed_tags = bool(self._get_param("enableECSManagedTags", False))
    service.enable_execute_command = bool(self._get_param("enableExecuteCommand", False))
    grace = self._get_param("healthCheckGracePeriodSeconds")
    if grace is not None:
        service.health_check_grace_period_seconds = int(grace)
    if strategy:
        for item in strategy:
            item.setdefault("weight", 0)
            item.setdefault("base", 0)
        service.capacity_provider_strategy = strategy
        service.launch_type = None
        for deployment in service.deployments:
            deployment.pop("launchType", None)
            deployment["capacityProviderStrategy"] = copy.deepcopy(strategy)
    return result


def apply() -> None:
    from moto.ecs.responses import EC2ContainerServiceResponse

    wrap(EC2ContainerServiceResponse, "create_service")(_create_service)
