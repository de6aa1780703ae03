"""Fixtures for the workflow checks: the workflows as loaded, and scratch copies to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.workflows import rules


@pytest.fixture(scope="session")
def workflows() -> dict[str, rules.Workflow]:
    loaded = rules.load()
    assert loaded, f"no workflows in {rules.WORKFLOWS}"
    return loaded


@pytest.fixture
def workflows_copy(tmp_path: Path) -> Path:
    """A scratch repository root holding a copy of .github/workflows, for breaking."""
    shutil.copytree(rules.WORKFLOWS, tmp_path / ".github" / "workflows")
    return tmp_path
