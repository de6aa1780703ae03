"""Unit tests drive the Flask app through its test client: no socket, no server."""

from __future__ import annotations

import json

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
