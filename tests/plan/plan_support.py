"""Paths and readers the capacity plan's tests share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scaleout.plan.variables import load_environment

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
INVENTORIES = ROOT / "ansible" / "inventories"
ORIGINAL_DESIGN = FIXTURES / "original_design.yml"


def read_local_vars() -> dict[str, Any]:
    """The local environment's variables, as the playbooks' inventory holds them."""
    return load_environment("local", INVENTORIES)
