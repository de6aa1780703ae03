"""What the ecs_service_scaling module compares, kept apart from the API calls so that unit
tests import it: the live scalable target and target tracking policies against the wanted
ones, and the calls that would make them agree.

Imported by the module as `ansible.module_utils.scaleout_scaling`; plain Python, no Ansible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What AWS assumes for a key that a policy leaves out (the API reference of
# TargetTrackingScalingPolicyConfiguration): a key the wanted policy does not name is not
# compared, except DisableScaleIn, which AWS always returns.
DEFAULTS = {"DisableScaleIn": False}
METRIC_KEYS = ("PredefinedMetricSpecification", "CustomizedMetricSpecification")


_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def _boolean(value) -> bool:
    """A boolean as Ansible reads one: a templated "false" is false, not a non-empty string."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"{value!r} is not a boolean")


def normalize(config: dict) -> dict:
    """A target tracking configuration in the shape AWS returns it, for comparing. Raises
    ValueError on a value that cannot have that shape (problems() names it first)."""
    out = {**DEFAULTS, **config}
    if "TargetValue" in out:
        out["TargetValue"] = float(out["TargetValue"])
    for key in ("ScaleOutCooldown", "ScaleInCooldown"):
        if key in out:
            number = float(out[key])
            if not number.is_integer():
                raise ValueError(f"{key} {out[key]!r} is not a whole number of seconds")
            out[key] = int(number)
    out["DisableScaleIn"] = _boolean(out["DisableScaleIn"])
    return out


def problems(min_capacity: int, max_capacity: int, policies: list[dict]) -> list[str]:
    """What is wrong with the wanted state before any call is made (empty when nothing)."""
    found = []
    if min_capacity < 0 or max_capacity < 0:
        found.append(f"min_capacity {min_capacity} and max_capacity {max_capacity} must be >= 0")
    if min_capacity > max_capacity:
        found.append(f"min_capacity {min_capacity} is above max_capacity {max_capacity}")
    names = [p["name"] for p in policies]
    for name in sorted({n for n in names if names.count(n) > 1}):
        found.append(f"policy {name} is named more than once")
    for policy in policies:
        config = policy["target_tracking"]
        if "TargetValue" not in config:
            found.append(f"policy {policy['name']} has no TargetValue")
        if sum(key in config for key in METRIC_KEYS) != 1:
            found.append(f"policy {policy['name']} needs exactly one of {' or '.join(METRIC_KEYS)}")
        try:
            normalize(config)
        except (TypeError, ValueError) as exc:
            found.append(f"policy {policy['name']}: {exc}")
    return found


def live_config(policy: dict, wanted: dict) -> dict:
    """The live policy's configuration, cut to the keys the wanted one sets (plus defaults)."""
    live = normalize(policy.get("TargetTrackingScalingPolicyConfiguration") or {})
    return {key: live.get(key) for key in normalize(wanted)}


@dataclass
class Plan:
    """The calls that make the live state the wanted one, and the two states for --diff."""

    register: dict | None = None  # RegisterScalableTarget's Min/MaxCapacity, when needed
    put: list[str] = field(default_factory=list)  # PutScalingPolicy, in the wanted order
    delete: list[str] = field(default_factory=list)  # DeleteScalingPolicy
    deregister: bool = False  # DeregisterScalableTarget
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.register or self.put or self.delete or self.deregister)


def state_of(target: dict | None, policies: dict[str, dict]) -> dict:
    return {
        "scalable_target": None
        if target is None
        else {"MinCapacity": target["MinCapacity"], "MaxCapacity": target["MaxCapacity"]},
        "policies": policies,
    }


def plan(
    live_target: dict | None,
    live_policies: list[dict],
    *,
    state: str,
    min_capacity: int = 0,
    max_capacity: int = 0,
    policies: list[dict] | None = None,
    purge_policies: bool = False,
) -> Plan:
    """Compare the live target (DescribeScalableTargets' item, or None) and its policies
    (DescribeScalingPolicies' items) with the wanted state."""
    live_by_name = {p["PolicyName"]: p for p in live_policies}
    before_policies = {
        name: normalize(p.get("TargetTrackingScalingPolicyConfiguration") or {})
        for name, p in sorted(live_by_name.items())
    }
    result = Plan(before=state_of(live_target, before_policies))
    if state == "absent":
        # AWS deletes the policies with the target; deleting them first says so outright, and
        # leaves none behind on an implementation that does not (moto).
        result.delete = sorted(live_by_name)
        result.deregister = live_target is not None
        result.after = state_of(None, {}) if result.deregister else result.before
        return result

    wanted = {"MinCapacity": min_capacity, "MaxCapacity": max_capacity}
    if live_target is None or any(live_target.get(k) != v for k, v in wanted.items()):
        result.register = wanted
    after_policies = dict(before_policies)
    for policy in policies or []:
        name, config = policy["name"], policy["target_tracking"]
        live = live_by_name.get(name)
        same = (
            live is not None
            and live.get("PolicyType") == "TargetTrackingScaling"
            and live_config(live, config) == normalize(config)
        )
        if not same:
            result.put.append(name)
            after_policies[name] = normalize(config)
    if purge_policies:
        keep = {p["name"] for p in policies or []}
        result.delete = [name for name in sorted(live_by_name) if name not in keep]
        for name in result.delete:
            after_policies.pop(name)
    result.after = state_of(wanted, dict(sorted(after_policies.items())))
    return result
