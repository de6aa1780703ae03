"""Paths the capacity plan's tests share."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
INVENTORIES = ROOT / "ansible" / "inventories"
LOCAL_VARS = INVENTORIES / "local" / "group_vars" / "all.yml"
ORIGINAL_DESIGN = FIXTURES / "original_design.yml"
