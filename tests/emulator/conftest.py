"""Fixtures for the emulator's own tests: plain moto beside the patched emulator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import Emulator, start_emulator, stop_process


@pytest.fixture(scope="module")
def plain_moto() -> Iterator[Emulator]:
    """moto's server without this project's patches (`--no-patches`), to show what each patch
    still adds: when one of these tests fails, moto has caught up and the patch can go."""
    proc, endpoint = start_emulator("--no-patches")
    try:
        yield Emulator(endpoint)
    finally:
        stop_process(proc)


@pytest.fixture
def unique() -> str:
    """A suffix that keeps each test's resources apart on the shared session emulator."""
    return uuid.uuid4().hex[:8]
