"""Unit tests drive the Flask app through its test client (no socket, no server), and parts
of our Ansible modules loaded on their own."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from scaleout_app import Lifecycle, create_app


class LogLines(list):
    def __call__(self, line: bytes) -> None:
        self.append(json.loads(line))


@pytest.fixture
def log_lines() -> LogLines:
    return LogLines()


@pytest.fixture
def lifecycle() -> Lifecycle:
    return Lifecycle()


@pytest.fixture
def app(log_lines, lifecycle):
    return create_app({"ACCESS_LOG_WRITE": log_lines, "LIFECYCLE": lifecycle})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def ecs_deploy():
    """plugins/modules/ecs_deploy.py as a plain Python module. What it imports from our
    module_utils as Ansible ships it (ansible.module_utils.*) is the same file here."""
    sys.modules.setdefault(
        "ansible.module_utils.scaleout_contract",
        importlib.import_module("plugins.module_utils.scaleout_contract"),
    )
    path = Path(__file__).resolve().parents[2] / "plugins" / "modules" / "ecs_deploy.py"
    spec = importlib.util.spec_from_file_location("ecs_deploy_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
