"""Each of our modules documents exactly the options it takes, in YAML that ansible-doc reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

MODULES = Path(__file__).resolve().parents[2] / "plugins" / "modules"
# Every module of ours: all of them live in plugins/modules.
OURS = sorted(path.stem for path in MODULES.glob("*.py"))


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
    """The option names of the module's argument spec: `argument_spec = dict(...)` in main(),
    or a dict literal passed as `argument_spec=` to AnsibleAWSModule."""
    tree = ast.parse((MODULES / f"{name}.py").read_text())
    for node in ast.walk(tree):
        assigned = isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == (
            "argument_spec"
        )
        passed = isinstance(node, ast.keyword) and node.arg == "argument_spec"
        if not (assigned or passed):
            continue
        spec = node.value
        if isinstance(spec, ast.Call):  # dict(name=...)
            return {keyword.arg for keyword in spec.keywords}
        if isinstance(spec, ast.Dict):  # {"name": ...}
            return {key.value for key in spec.keys}
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
