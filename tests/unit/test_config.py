"""Settings from the environment: defaults, and a clear error for every bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scaleout_app.config import VARIABLES, ConfigError, Settings, load
from tests.support import ROOT


def test_defaults_work_in_ecs():
    settings = load({})
    assert settings == Settings()
    assert settings.host == "0.0.0.0" and settings.port == 8080
    assert settings.drain_seconds + 0 < settings.shutdown_grace_seconds < 30  # ECS stopTimeout


def test_values_are_read():
    settings = load(
        {
            "APP_HOST": "127.0.0.1",
            "APP_PORT": "9000",
            "APP_THREADS": "8",
            "APP_DRAIN_SECONDS": "0.5",
            "APP_SHUTDOWN_GRACE_SECONDS": "10",
            "APP_ACCESS_LOG": "off",
            "APP_PROXY_HOPS": "0",
        }
    )
    assert (settings.host, settings.port, settings.threads) == ("127.0.0.1", 9000, 8)
    assert (settings.drain_seconds, settings.shutdown_grace_seconds) == (0.5, 10.0)
    assert settings.access_log is False and settings.proxy_hops == 0


BAD = {
    "APP_HOST": "example.com",
    "APP_PORT": "80a",
    "APP_THREADS": "-1",
    "APP_DRAIN_SECONDS": "nan",
    "APP_SHUTDOWN_GRACE_SECONDS": "-1",
    "APP_ACCESS_LOG": "maybe",
    "APP_MAX_REQUEST_HEADER_BYTES": "10",
    "APP_MAX_REQUEST_BODY_BYTES": "lots",
    "APP_PROXY_HOPS": "99",
}


def test_every_variable_has_a_bad_value_case():
    assert set(BAD) == set(VARIABLES)


@pytest.mark.parametrize(("name", "value"), sorted(BAD.items()))
def test_a_bad_value_names_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load({name: value})


def test_drain_longer_than_grace_is_refused():
    with pytest.raises(ConfigError, match="APP_DRAIN_SECONDS"):
        load({"APP_DRAIN_SECONDS": "30", "APP_SHUTDOWN_GRACE_SECONDS": "5"})


def test_the_entry_point_exits_2_naming_the_variable():
    result = subprocess.run(
        [sys.executable, "-m", "scaleout_app"],
        env={"PYTHONPATH": str(ROOT / "app"), "APP_PORT": "http"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "APP_PORT" in result.stderr
    assert result.stdout == ""  # it never got as far as listening
