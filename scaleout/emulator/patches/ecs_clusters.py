"""UpdateClusterSettings exists, and cluster settings are checked, as in real ECS.

Real ECS: UpdateClusterSettings sets the given settings of a cluster (today only
`containerInsights`: enabled, disabled or enhanced), keeps the others, and returns the cluster.
A value outside those is an InvalidParameterException, in CreateCluster and UpdateCluster too.

Real ECS also always returns `capacityProviders` and `defaultCapacityProviderStrategy`, as empty
lists on a cluster that has none.

moto 5.2.5: has no UpdateClusterSettings (the server answers 500), and CreateCluster and
UpdateCluster store any value. CreateCluster with settings and UpdateCluster with settings work.
A cluster created without capacity providers has neither key, which crashes
community.aws.ecs_cluster 10.0.0 on its second run (it reads existing["capacityProviders"]).

Proved by tests/emulator/test_patches.py::test_update_cluster_settings* and
test_cluster_without_capacity_providers_lists_them_empty (and, against --no-patches,
test_plain_moto_lacks_update_cluster_settings, test_plain_moto_omits_empty_capacity_providers).
"""

from __future__ import annotations

from typing import Any

from ._patching import wrap

SETTINGS = {"containerInsights": ("enabled", "disabled", "enhanced")}


def _check(settings: list[dict[str, str]] | None) -> None:
    from moto.ecs.exceptions import InvalidParameterException

    for setting in settings or []:
        name, value = setting.get("name"), setting.get("value")
        if name not in SETTINGS:
            raise InvalidParameterException(f"Unknown cluster setting name: {name}.")
        if value not in SETTINGS[name]:
            raise InvalidParameterException(
                f"Invalid value {value} for cluster setting {name}: "
                f"must be one of {', '.join(SETTINGS[name])}."
            )


def _update_cluster_settings(_original: Any, self: Any) -> Any:
    from moto.core.responses import ActionResult

    settings = self._get_param("settings") or []
    _check(settings)
    cluster = self.ecs_backend._get_cluster(self._get_param("cluster"))
    merged = {item["name"]: item["value"] for item in cluster.settings or []}
    merged.update({item["name"]: item["value"] for item in settings})
    cluster.settings = [{"name": name, "value": value} for name, value in merged.items()]
    return ActionResult({"cluster": cluster})


def _checked(original: Any, self: Any) -> Any:
    _check(self._get_param("settings"))
    return original(self)


def _create_cluster(original: Any, self: Any) -> Any:
    result = _checked(original, self)
    cluster = self.ecs_backend._get_cluster(self._get_param("clusterName") or "default")
    if cluster.capacity_providers is None:
        cluster.capacity_providers = []
    if cluster.default_capacity_provider_strategy is None:
        cluster.default_capacity_provider_strategy = []
    return result


def apply() -> None:
    from moto.ecs.responses import EC2ContainerServiceResponse

    wrap(EC2ContainerServiceResponse, "update_cluster_settings")(_update_cluster_settings)
    wrap(EC2ContainerServiceResponse, "create_cluster")(_create_cluster)
    wrap(EC2ContainerServiceResponse, "update_cluster")(_checked)
