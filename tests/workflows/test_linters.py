"""zizmor and GitHub's own workflow parser pass on the real workflows and fail on broken copies.

The parser comes from npm (tests/workflows/package.json, installed by `make test` or
`make lint-workflows`); zizmor from the venv. Both run offline.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, in_ci, require_tool

HERE = Path(__file__).resolve().parent
ZIZMOR = Path(sys.executable).parent / "zizmor"
PARSER = HERE / "parse-workflows.mjs"


def zizmor(root: Path) -> subprocess.CompletedProcess:
    if not ZIZMOR.exists():
        pytest.skip(f"zizmor is not installed in {ZIZMOR.parent} (make venv installs it)")
    return subprocess.run(
        [str(ZIZMOR), "--offline", "--persona=pedantic", "--no-progress", ".github/workflows"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def parse(root: Path) -> subprocess.CompletedProcess:
    node = require_tool("node", "GitHub's workflow parser runs on Node")
    require_tool("npm", "the parser is installed from npm")
    if not (HERE / "node_modules" / "@actions" / "workflow-parser").is_dir():
        reason = "the parser is not installed (make test or make lint-workflows runs npm ci)"
        if in_ci():
            pytest.fail(f"CI must run this test, but {reason}")
        pytest.skip(reason)
    return subprocess.run(
        [node, str(PARSER), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_zizmor_finds_nothing():
    result = zizmor(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_catches_an_injection_and_an_unpinned_action(workflows_copy):
    path = workflows_copy / ".github/workflows/reusable-deploy.yml"
    text = path.read_text()
    text = text.replace(
        'run: python -m scaleout.ci.summary --title Deploy -- make deploy ENV=aws IMAGE="$IMAGE"',
        'run: make deploy ENV=aws IMAGE="${{ github.event.head_commit.message }}"',
    )
    text = text.replace(
        "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
        "actions/checkout@v7",
    )
    path.write_text(text)
    result = zizmor(workflows_copy)
    assert result.returncode != 0
    assert "template-injection" in result.stdout
    assert "unpinned-uses" in result.stdout


def test_githubs_parser_accepts_every_workflow():
    result = parse(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(list((ROOT / ".github/workflows").glob("*.yml")))
    assert all(line.startswith("ok ") for line in lines), lines


def test_githubs_parser_catches_a_wrong_input_and_a_bad_key(workflows_copy):
    deploy = workflows_copy / ".github/workflows/deploy.yml"
    deploy.write_text(deploy.read_text().replace("ecr-repository:", "ecr-repo:"))
    test = workflows_copy / ".github/workflows/reusable-test.yml"
    test.write_text(test.read_text().replace("timeout-minutes:", "timeout-minute:"))
    result = parse(workflows_copy)
    assert result.returncode == 1
    assert "Invalid input, ecr-repo is not defined in the referenced workflow" in result.stdout
    assert "Input ecr-repository is required, but not provided while calling" in result.stdout
    assert "Unexpected value 'timeout-minute'" in result.stdout
