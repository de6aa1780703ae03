"""Patches to moto for the ECS behaviour this stack relies on and moto lacks.

Each patch is a module here with a docstring that says what real AWS does, what moto does
instead, and which test proves the patch; `apply()` installs them all and returns their names.
Drop a patch when moto behaves like AWS on its own (its test, run with --no-patches, tells).
"""

from __future__ import annotations

import importlib
import pkgutil


def apply() -> list[str]:
    applied = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.apply()
        applied.append(info.name)
    return applied
