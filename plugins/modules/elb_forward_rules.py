#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listener rules that forward to a set of target groups by weight, whose weights belong to
someone else once the rules exist (ECS native blue/green moves them on every deploy)."""

from __future__ import annotations

import contextlib

from ansible.module_utils.scaleout_modules import exit_with_diff
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

DOCUMENTATION = r"""
---
module: elb_forward_rules
short_description: Listener rules with a weighted forward whose weights another service owns
description:
  - Makes sure each listener has a rule at the given priority that matches the given paths and
    forwards to the given target groups. A rule that does not exist is created with all the
    weight on the first target group.
  - The weights of an existing rule are never written when the rule forwards to the same
    target groups, because ECS native blue/green deployments move them, and putting them back
    would send production traffic to tasks that ECS has stopped. Only a rule that forwards to
    other target groups (or does not forward) gets its action replaced, again first group 100.
  - amazon.aws.elb_application_lb manages rules only as a whole, weights included.
  - "Not part of amazon.aws, so C(module_defaults) for C(group/aws) does not reach it: pass
    C(region) and C(endpoint_url) explicitly."
options:
  rules:
    description: The rules, each identified by its listener and priority.
    type: list
    elements: dict
    required: true
    suboptions:
      listener_arn:
        description:
          - The listener. Empty is accepted in check mode only (the listener is not created
            yet), and reported as a rule to create.
        type: str
        required: true
      priority:
        description: The rule's priority on the listener (1-50000).
        type: int
        required: true
      path_patterns:
        description: Path patterns of the rule's path-pattern condition.
        type: list
        elements: str
        default: ["/*"]
      target_group_arns:
        description:
          - The target groups the rule forwards to; a new rule gives the first 100, the others 0.
          - Needed with C(state=present).
        type: list
        elements: str
        default: []
  tags:
    description: Tags of a rule that is created (existing rules keep theirs).
    type: dict
    default: {}
  state:
    description: C(present) makes sure the rules exist; C(absent) deletes the rule at each priority.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Production and test rules for ECS blue/green
  elb_forward_rules:
    rules:
      - listener_arn: "{{ production_listener_arn }}"
        priority: 1
        target_group_arns: ["{{ blue_arn }}", "{{ green_arn }}"]
      - listener_arn: "{{ test_listener_arn }}"
        priority: 1
        target_group_arns: ["{{ blue_arn }}", "{{ green_arn }}"]
"""

RETURN = r"""
rules:
  description: One entry per rule given, in order.
  returned: always
  type: list
  elements: dict
  contains:
    rule_arn:
      description: The rule (empty for a rule that check mode would create, or that was deleted).
      type: str
    listener_arn:
      description: Its listener.
      type: str
    priority:
      description: Its priority.
      type: int
    weights:
      description: Target group ARN to weight, as the rule forwards now.
      type: dict
"""


def path_values(conditions):
    """The values of the path-pattern condition, in either of the shapes ELB returns."""
    for condition in conditions or []:
        if condition.get("Field") == "path-pattern":
            config = condition.get("PathPatternConfig") or {}
            return sorted(config.get("Values") or condition.get("Values") or [])
    return []


def weights(actions):
    """Target group ARN -> weight of the rule's forward action ({} when it does not forward)."""
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if groups:
            return {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups}
        if action.get("TargetGroupArn"):
            return {action["TargetGroupArn"]: 1}
    return {}


def forward(target_group_arns):
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": arn, "Weight": 100 if i == 0 else 0}
                    for i, arn in enumerate(target_group_arns)
                ],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    ]


class Rules:
    def __init__(self, module):
        self.module = module
        self.client = module.client("elbv2")
        self.listeners = {}

    def call(self, what, fn, **kwargs):
        try:
            return fn(**kwargs)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Could not {what}")

    def find(self, listener_arn, priority):
        if listener_arn not in self.listeners:
            rules, marker = [], None
            while True:
                page = self.call(
                    f"describe the rules of {listener_arn}",
                    self.client.describe_rules,
                    ListenerArn=listener_arn,
                    **({"Marker": marker} if marker else {}),
                )
                rules += page["Rules"]
                marker = page.get("NextMarker")
                if not marker:
                    break
            self.listeners[listener_arn] = rules
        return next(
            (r for r in self.listeners[listener_arn] if r.get("Priority") == str(priority)),
            None,
        )

    def present(self, wanted):
        listener, priority = wanted["listener_arn"], wanted["priority"]
        paths = sorted(wanted["path_patterns"])
        groups = wanted["target_group_arns"]
        if not groups:
            self.module.fail_json(msg=f"the rule at priority {priority} needs target_group_arns")
        result = {"listener_arn": listener, "priority": priority}
        before = {"exists": False}
        rule = self.find(listener, priority) if listener else None
        if rule is not None:
            before = {"paths": path_values(rule["Conditions"]), "weights": weights(rule["Actions"])}
        if rule is None:
            after = {"paths": paths, "weights": weights(forward(groups))}
            if not listener and not self.module.check_mode:
                self.module.fail_json(msg=f"no listener given for the rule at priority {priority}")
            arn = ""
            if not self.module.check_mode:
                kwargs = {}
                if self.module.params["tags"]:
                    kwargs["Tags"] = [
                        {"Key": k, "Value": str(v)} for k, v in self.module.params["tags"].items()
                    ]
                arn = self.call(
                    f"create the rule at priority {priority}",
                    self.client.create_rule,
                    ListenerArn=listener,
                    Priority=priority,
                    Conditions=[{"Field": "path-pattern", "Values": paths}],
                    Actions=forward(groups),
                    **kwargs,
                )["Rules"][0]["RuleArn"]
            return dict(result, rule_arn=arn, weights=after["weights"]), True, before, after
        changes = {}
        if before["paths"] != paths:
            changes["Conditions"] = [{"Field": "path-pattern", "Values": paths}]
        # The weights are ECS's once the rule forwards to these groups; only another set of
        # groups (or no forward at all) is replaced.
        if set(before["weights"]) != set(groups):
            changes["Actions"] = forward(groups)
        after = {
            "paths": paths,
            "weights": weights(changes["Actions"]) if "Actions" in changes else before["weights"],
        }
        if changes and not self.module.check_mode:
            self.call(
                f"modify the rule at priority {priority}",
                self.client.modify_rule,
                RuleArn=rule["RuleArn"],
                **changes,
            )
        result.update(rule_arn=rule["RuleArn"], weights=after["weights"])
        return result, bool(changes), before, after

    def absent(self, wanted):
        listener, priority = wanted["listener_arn"], wanted["priority"]
        result = {"listener_arn": listener, "priority": priority, "rule_arn": "", "weights": {}}
        rule = self.find(listener, priority) if listener else None
        if rule is None:
            return result, False, {"exists": False}, {"exists": False}
        if not self.module.check_mode:
            self.call(
                f"delete the rule at priority {priority}",
                self.client.delete_rule,
                RuleArn=rule["RuleArn"],
            )
        return result, True, {"weights": weights(rule["Actions"])}, {"exists": False}


def main() -> None:
    argument_spec = dict(
        rules=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                listener_arn=dict(type="str", required=True),
                priority=dict(type="int", required=True),
                path_patterns=dict(type="list", elements="str", default=["/*"]),
                target_group_arns=dict(type="list", elements="str", default=[]),
            ),
        ),
        tags=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    rules = Rules(module)
    act = rules.present if module.params["state"] == "present" else rules.absent
    results, changed, before, after = [], False, [], []
    for wanted in module.params["rules"]:
        result, rule_changed, rule_before, rule_after = act(wanted)
        results.append(result)
        changed |= rule_changed
        before.append(rule_before)
        after.append(rule_after)
    exit_with_diff(module, changed, {"rules": before}, {"rules": after}, rules=results)


if __name__ == "__main__":
    main()
