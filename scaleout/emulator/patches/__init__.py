"""Patches to moto for the ECS behaviour this stack relies on and moto lacks.

Each patch is a module here with a docstring that says what real AWS does, what moto does
instead, and which test proves the patch; `apply()` installs them all and returns their names.
Modules whose name starts with an underscore are shared helpers, not patches (see
`_patching.wrap`, which lets two patches wrap the same moto method).
Drop a patch when moto behaves like AWS on its own (its test, run with --no-patches, tells).
"""

from __future__ import annotations

import importlib
import pkgutil

_applied: list[str] = []


def apply() -> list[str]:
    """Install every patch once (a second call changes nothing) and return their names."""
    if _applied:
        return list(_applied)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.apply()
        _applied.append(info.name)
    return list(_applied)
