"""The plan's inputs: variables with templates and overrides, and its data files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scaleout.plan.catalog import INSTANCE_TYPES_FILE, PRICES_FILE, PriceTable, instance_types
from scaleout.plan.settings import read_settings
from scaleout.plan.variables import (
    Unresolved,
    UsageError,
    VariableError,
    apply_overrides,
    load_vars,
    resolve,
)
from tests.plan.plan_support import read_local_vars

VARIABLES = {
    "project_name": "http-scale-out",
    "project_env": "local",
    "project_stack_name": "{{ project_name }}-{{ project_env }}",
    "project_max_tasks": "{{ project_ceiling }}",
    "project_ceiling": 6,
    "project_url": "{{ lookup('env', 'URL') }}",
    "project_loop": "{{ project_loop }}",
    "project_tags": {"Environment": "{{ project_env }}"},
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("project_stack_name", "http-scale-out-local"),
        ("project_max_tasks", 6),
        ("project_tags", {"Environment": "local"}),
    ],
)
def test_simple_references_resolve(name, expected):
    assert resolve(VARIABLES[name], VARIABLES) == expected


@pytest.mark.parametrize("name", ["project_url", "project_loop"])
def test_other_templates_stay_unresolved(name):
    value = resolve(VARIABLES[name], VARIABLES, frozenset({name}))
    assert isinstance(value, Unresolved)


def test_overrides():
    merged = apply_overrides(
        {"project_max_tasks": 4, "project_container_environment": {"A": "1"}},
        ["max_tasks=20", "project_network_mode=bridge", "container_environment.B=2"],
    )
    assert merged["project_max_tasks"] == 20
    assert merged["project_network_mode"] == "bridge"
    assert merged["project_container_environment"] == {"A": "1", "B": 2}
    with pytest.raises(UsageError):
        apply_overrides({}, ["=3"])


def test_a_template_the_plan_needs_is_reported():
    variables = read_local_vars()
    variables["project_task_cpu"] = "{{ 128 * 2 }}"
    variables["project_network_mode"] = "overlay"
    with pytest.raises(VariableError) as raised:
        read_settings(variables)
    names = {name for name, _ in raised.value.problems}
    assert names == {"project_task_cpu", "project_network_mode"}


def test_referenced_values_are_used():
    variables = read_local_vars()
    variables["project_max_tasks"] = "{{ project_ceiling }}"
    variables["project_ceiling"] = 3
    assert read_settings(variables).max_tasks == 3


def test_unreadable_vars_file(tmp_path):
    with pytest.raises(UsageError):
        load_vars(tmp_path / "absent.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("project_max_tasks: [unclosed\n")
    with pytest.raises(UsageError):
        load_vars(bad)
    listing = tmp_path / "list.yml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(UsageError):
        load_vars(listing)


def test_price_table_is_dated_and_sourced():
    data = json.loads(PRICES_FILE.read_text())
    assert data["as_of"]
    sources = data["sources"]
    table = PriceTable(data)
    seen = 0
    for region, parts in data["regions"].items():
        for name in instance_types():
            price = table.ec2(region, name)
            if name in parts["ec2"]:
                assert price is not None and price.usd > 0
        for group in ("ec2", "fargate", "alb"):
            for entry in parts[group].values():
                seen += 1
                assert entry["source"] is None or entry["source"] in sources
    assert seen > 20
    assert table.public_ipv4().usd == 0.005
    assert table.fargate("us-east-1")[0].confirmed


def test_instance_types_match_the_ec2_api_snapshot():
    """instance_types.json was copied from the DescribeInstanceTypes snapshot moto ships."""
    moto = pytest.importorskip("moto")
    snapshot = Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"
    if not snapshot.exists():
        pytest.skip(f"moto {moto.__version__} ships no instance type snapshot at {snapshot}")
    api = json.loads(gzip.decompress(snapshot.read_bytes()))
    ours = json.loads(INSTANCE_TYPES_FILE.read_text())["types"]
    for name, spec in ours.items():
        info = api[name]
        assert spec == {
            "vcpus": info["VCpuInfo"]["DefaultVCpus"],
            "memory_mib": info["MemoryInfo"]["SizeInMiB"],
            "max_enis": info["NetworkInfo"]["MaximumNetworkInterfaces"],
        }, name
