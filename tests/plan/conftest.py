"""Fixtures for the capacity plan: the real inventories, and plans built from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scaleout.plan.model import Load, Plan, build
from scaleout.plan.settings import read_settings
from tests.plan.plan_support import read_local_vars


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch):
    """Under GitHub Actions the plan appends to $GITHUB_STEP_SUMMARY: not from the tests."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def local_vars() -> dict[str, Any]:
    return read_local_vars()


@pytest.fixture
def plan_for(local_vars: dict[str, Any]) -> Callable[..., Plan]:
    """Build a plan from the local inventory with some variables changed."""

    def make(overrides: dict[str, Any] | None = None, load: Load | None = None) -> Plan:
        variables = {**local_vars, **(overrides or {})}
        return build(read_settings(variables), load=load)

    return make
