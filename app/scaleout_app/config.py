"""Settings read from the environment, checked once at start-up.

Every setting has a default that works in ECS. A bad value raises ConfigError naming the
variable, and the entry point turns that into exit code 2 before any socket is opened.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass


class ConfigError(ValueError):
    """A setting in the environment has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    host: str = "0.0.0.0"  # noqa: S104 - a container must listen beyond its own loopback
    port: int = 8080
    # 0: the event loop serves requests itself, no worker threads (see server.py): the most
    # requests per vCPU for routes that never wait, which all of ours are.
    threads: int = 0
    # ECS sends SIGTERM, then SIGKILL after the container's stopTimeout (30 s by default).
    # Drain first, then finish in-flight work, all well inside that.
    drain_seconds: float = 1.0
    shutdown_grace_seconds: float = 20.0
    access_log: bool = True
    max_request_header_bytes: int = 16384
    max_request_body_bytes: int = 1048576
    proxy_hops: int = 1


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _host(raw: str) -> str:
    if raw == "localhost":
        return raw
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        raise ValueError("an IP address (e.g. 0.0.0.0 or 127.0.0.1)") from None
    return raw


def _int_in(low: int, high: int):
    def parse(raw: str) -> int:
        try:
            value = int(raw, 10)
        except ValueError:
            raise ValueError(f"a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return value

    return parse


def _seconds_in(low: float, high: float):
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"a number of seconds from {low:g} to {high:g}") from None
        if not low <= value <= high:  # also rejects nan
            raise ValueError(f"a number of seconds from {low:g} to {high:g}")
        return value

    return parse


def _flag(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("one of on/off, true/false, 1/0, yes/no")


VARIABLES = {
    "APP_HOST": ("host", _host),
    "APP_PORT": ("port", _int_in(0, 65535)),
    "APP_THREADS": ("threads", _int_in(0, 256)),
    "APP_DRAIN_SECONDS": ("drain_seconds", _seconds_in(0, 60)),
    "APP_SHUTDOWN_GRACE_SECONDS": ("shutdown_grace_seconds", _seconds_in(0, 120)),
    "APP_ACCESS_LOG": ("access_log", _flag),
    "APP_MAX_REQUEST_HEADER_BYTES": ("max_request_header_bytes", _int_in(1024, 1048576)),
    "APP_MAX_REQUEST_BODY_BYTES": ("max_request_body_bytes", _int_in(0, 104857600)),
    "APP_PROXY_HOPS": ("proxy_hops", _int_in(0, 10)),
}


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from `environ` (default: os.environ); raise ConfigError on a bad value."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, (field, parse) in VARIABLES.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[field] = parse(raw.strip())
        except ValueError as exc:
            raise ConfigError(f"{name}={raw!r} is not valid: expected {exc}") from None
    settings = Settings(**values)
    if settings.drain_seconds > settings.shutdown_grace_seconds:
        raise ConfigError(
            f"APP_DRAIN_SECONDS={settings.drain_seconds:g} is longer than "
            f"APP_SHUTDOWN_GRACE_SECONDS={settings.shutdown_grace_seconds:g}: "
            "the drain window is part of the grace period"
        )
    return settings
