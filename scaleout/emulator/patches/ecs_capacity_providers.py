"""Capacity providers that list, validate and delete like real ECS.

Real ECS:
- DescribeCapacityProviders without names lists every provider of the account, including the
  built-in FARGATE and FARGATE_SPOT (which can also be described by name); tags only with
  `include=["TAGS"]`; `maxResults`/`nextToken` page the list.
- CreateCapacityProvider refuses a name already in use, a name starting with aws/ecs/fargate,
  an Auto Scaling group already used by another provider, and managed termination protection
  on a group that does not protect new instances from scale in. `managedDraining` defaults to
  ENABLED.
- UpdateCapacityProvider also applies `managedDraining`, and checks termination protection the
  same way.
- Update/Delete of an unknown provider is a ClientException. DeleteCapacityProvider of a
  provider still attached to a cluster does not delete it: it answers with `updateStatus`
  DELETE_FAILED and the reason. FARGATE and FARGATE_SPOT cannot be deleted.
- PutClusterCapacityProviders refuses unknown providers, a default strategy naming a provider
  not in the list, and removing a provider that a service's strategy still uses
  (ResourceInUseException).

moto 5.2.5: DescribeCapacityProviders without names fails (500); FARGATE/FARGATE_SPOT are
MISSING; tags are always returned; a second CreateCapacityProvider with the same name silently
replaces the first; no name, group or termination-protection check; managedDraining neither
defaulted nor updated; Update/Delete of an unknown name fail with 500; Delete removes a provider
even while a cluster uses it; PutClusterCapacityProviders takes any name.

Proved by tests/emulator/test_patches.py::test_capacity_provider_* and
test_put_cluster_capacity_providers_* (and, against --no-patches,
test_plain_moto_cannot_list_capacity_providers).
"""

from __future__ import annotations

from typing import Any

from ._patching import wrap

BUILT_IN = ("FARGATE", "FARGATE_SPOT")
TAGS_PATH = "DescribeCapacityProvidersResponse.capacityProviders.CapacityProvider.tags"


def _client_error(message: str) -> Exception:
    from moto.ecs.exceptions import EcsClientException

    return EcsClientException(message)


def _built_in(self: Any, name: str) -> dict[str, Any]:
    return {
        "capacityProviderArn": (
            f"arn:aws:ecs:{self.region}:{self.current_account}:capacity-provider/{name}"
        ),
        "name": name,
        "status": "ACTIVE",
        "tags": [],
    }


def _group(self: Any, arn_or_name: str) -> Any:
    from moto.autoscaling.models import autoscaling_backends

    groups = autoscaling_backends[self.current_account][self.region].autoscaling_groups
    for group in groups.values():
        if arn_or_name in (group.arn, group.name):
            return group
    return None


def _check_termination_protection(self: Any, group_arn: str, settings: dict[str, Any]) -> None:
    if settings.get("managedTerminationProtection") != "ENABLED":
        return
    group = _group(self, group_arn)
    if group is not None and not group.new_instances_protected_from_scale_in:
        raise _client_error(
            "The managed termination protection setting for the capacity provider is invalid. "
            "To enable managed termination protection for a capacity provider, the Auto Scaling "
            "group must have instance protection from scale in enabled."
        )


def _describe(_original: Any, self: Any) -> Any:
    from moto.core.responses import ActionResult

    backend = self.ecs_backend
    names = self._get_param("capacityProviders")
    if "TAGS" in (self._get_param("include") or []):
        self._include_in_response(TAGS_PATH)
    else:
        self._exclude_from_response(TAGS_PATH)
    providers: list[Any] = []
    failures = []
    if names is None:
        providers = [_built_in(self, name) for name in BUILT_IN]
        providers += list(backend.capacity_providers.values())
    else:
        for name in names:
            provider = backend._get_provider(name)
            short = name.split("/")[-1]
            if provider is not None:
                providers.append(provider)
            elif short in BUILT_IN:
                providers.append(_built_in(self, short))
            else:
                arn = (
                    name
                    if name.startswith("arn:")
                    else _built_in(self, name)["capacityProviderArn"]
                )
                failures.append({"arn": arn, "reason": "MISSING"})
    start = int(self._get_param("nextToken") or 0)
    size = int(self._get_param("maxResults") or 100)
    result: dict[str, Any] = {"capacityProviders": providers[start : start + size]}
    result["failures"] = failures
    if start + size < len(providers):
        result["nextToken"] = str(start + size)
    return ActionResult(result)


def _create(original: Any, self: Any) -> Any:
    backend = self.ecs_backend
    name = self._get_param("name")
    settings = self._get_param("autoScalingGroupProvider") or {}
    if name.lower().startswith(("aws", "ecs", "fargate")):
        from moto.ecs.exceptions import InvalidParameterException

        raise InvalidParameterException(
            "The capacity provider name can't be prefixed with 'aws', 'ecs', or 'fargate'."
        )
    if backend._get_provider(name) is not None:
        raise _client_error(
            "The specified capacity provider already exists. To change the configuration of an "
            "existing capacity provider, update the capacity provider."
        )
    group_arn = settings.get("autoScalingGroupArn")
    for provider in backend.capacity_providers.values():
        if provider.auto_scaling_group_provider.get("autoScalingGroupArn") == group_arn:
            raise _client_error(
                "The specified Auto Scaling group ARN is already being used by another capacity "
                "provider. Specify a unique Auto Scaling group ARN and try again."
            )
    _check_termination_protection(self, group_arn, settings)
    result = original(self)
    provider = backend._get_provider(name)
    provider.auto_scaling_group_provider.setdefault("managedDraining", "ENABLED")
    return result


def _update(original: Any, self: Any) -> Any:
    provider = self.ecs_backend._get_provider(self._get_param("name"))
    if provider is None:
        raise _client_error("The specified capacity provider does not exist.")
    settings = self._get_param("autoScalingGroupProvider") or {}
    group_arn = provider.auto_scaling_group_provider.get("autoScalingGroupArn")
    _check_termination_protection(self, group_arn, settings)
    result = original(self)
    if "managedDraining" in settings:
        provider.auto_scaling_group_provider["managedDraining"] = settings["managedDraining"]
    return result


def _attached_to(self: Any, provider_name: str) -> list[str]:
    return [
        cluster.name
        for cluster in self.ecs_backend.clusters.values()
        if cluster.status == "ACTIVE" and provider_name in (cluster.capacity_providers or [])
    ]


def _delete(original: Any, self: Any) -> Any:
    from moto.core.responses import ActionResult

    name = self._get_param("capacityProvider")
    if name.split("/")[-1] in BUILT_IN:
        raise _client_error("The FARGATE and FARGATE_SPOT capacity providers can't be deleted.")
    provider = self.ecs_backend._get_provider(name)
    if provider is None:
        raise _client_error("The specified capacity provider does not exist.")
    clusters = _attached_to(self, provider.name)
    if clusters:
        provider.update_status = "DELETE_FAILED"
        provider.update_status_reason = (
            "The capacity provider cannot be deleted because it is associated with cluster: "
            f"{', '.join(clusters)}. Remove the capacity provider from the cluster and try again."
        )
        return ActionResult({"capacityProvider": provider})
    result = original(self)
    provider.update_status = "DELETE_IN_PROGRESS"
    provider.update_status_reason = None
    return result


def _put_cluster_capacity_providers(original: Any, self: Any) -> Any:
    from moto.ecs.exceptions import ECSException, InvalidParameterException

    backend = self.ecs_backend
    names = self._get_param("capacityProviders") or []
    strategy = self._get_param("defaultCapacityProviderStrategy") or []
    for name in names:
        if name not in BUILT_IN and backend._get_provider(name) is None:
            raise InvalidParameterException(
                f"The specified capacity provider {name} does not exist. Specify a valid "
                "capacity provider and try again."
            )
    for item in strategy:
        if item.get("capacityProvider") not in names:
            raise InvalidParameterException(
                "The specified default capacity provider strategy cannot contain a capacity "
                "provider that is not in the cluster's capacity providers: "
                f"{item.get('capacityProvider')}."
            )
    cluster = backend._get_cluster(self._get_param("cluster"))
    removed = set(cluster.capacity_providers or []) - set(names)
    for service in backend.services.values():
        if service.cluster_name != cluster.name or service.status != "ACTIVE":
            continue
        used = {
            i.get("capacityProvider")
            for i in getattr(service, "capacity_provider_strategy", None) or []
        }
        if used & removed:
            raise ECSException(
                "ResourceInUseException",
                "The specified capacity provider is in use and cannot be removed.",
            )
    return original(self)


def apply() -> None:
    from moto.ecs.responses import EC2ContainerServiceResponse as Response

    wrap(Response, "describe_capacity_providers")(_describe)
    wrap(Response, "create_capacity_provider")(_create)
    wrap(Response, "update_capacity_provider")(_update)
    wrap(Response, "delete_capacity_provider")(_delete)
    wrap(Response, "put_cluster_capacity_providers")(_put_cluster_capacity_providers)
