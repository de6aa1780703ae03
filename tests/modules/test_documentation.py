"""Each of our modules documents exactly the options it takes, in YAML that ansible-doc reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

MODULES = Path(__file__).resolve().parents[2] / "plugins" / "modules"
OURS = [
    "ecs_capacity_provider",
    "ecs_cluster_capacity",
    "ecs_cluster_settings",
    "autoscaling_scale_in_protection",
    "ecs_service_scaling",
]


def module_strings(name: str) -> dict[str, str]:
    tree = ast.parse((MODULES / f"{name}.py").read_text())
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    }


def argument_spec_names(name: str) -> set[str]:
    """The keys of the `argument_spec = dict(...)` in the module's main()."""
    tree = ast.parse((MODULES / f"{name}.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "argument_spec"
        ):
            return {keyword.arg for keyword in node.value.keywords}
    raise AssertionError(f"{name} has no argument_spec")


@pytest.mark.parametrize("name", OURS)
def test_documentation_parses_and_matches_the_argument_spec(name):
    strings = module_strings(name)
    assert set(strings) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    documentation = yaml.safe_load(strings["DOCUMENTATION"])
    assert documentation["module"] == name
    assert set(documentation["options"]) == argument_spec_names(name)
    assert yaml.safe_load(strings["RETURN"])
    for task in yaml.safe_load(strings["EXAMPLES"]):
        args = task[name]
        assert set(args) <= set(documentation["options"]) | {"region", "endpoint_url"}, task
