"""Helpers shared by the service and container tests: start the server, drive load at it."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def start_service(**env: str) -> tuple[subprocess.Popen, int]:
    """Start `python -m scaleout_app` on a free loopback port; return it and its port."""
    environ = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}/app",
        "APP_HOST": "127.0.0.1",
        "APP_PORT": "0",
        **env,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaleout_app"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError(f"the service did not start: {proc.stderr.read()}")
    event = json.loads(line)
    assert event["event"] == "listening", event
    return proc, int(event["port"])


@dataclass
class LoadResult:
    ok: int = 0
    failed: list[str] = field(default_factory=list)
    closed_by_server: int = 0  # clients told `Connection: close` (the server is draining)
    lock: threading.Lock = field(default_factory=threading.Lock)


def hammer(host: str, port: int, stop: threading.Event, result: LoadResult, path="/api") -> None:
    """Send GET `path` back to back on one keep-alive connection, as a load balancer does,
    until `stop` is set or the server answers `Connection: close`: like a load balancer that
    has deregistered the target, the client then sends it nothing more. Every request sent
    must get a complete 200; anything else is recorded as a failure."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        while not stop.is_set():
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200 or len(json.loads(body)) != 52:
                    raise RuntimeError(f"status {response.status}")
            except Exception as exc:  # noqa: BLE001 - every failure is recorded and asserted on
                with result.lock:
                    result.failed.append(repr(exc))
                return
            with result.lock:
                result.ok += 1
            if response.will_close:
                with result.lock:
                    result.closed_by_server += 1
                return
    finally:
        conn.close()


def run_load(host: str, port: int, clients: int) -> tuple[threading.Event, LoadResult, list]:
    stop = threading.Event()
    result = LoadResult()
    threads = [
        threading.Thread(target=hammer, args=(host, port, stop, result), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    return stop, result, threads


def wait_for(what: str, probe, limit: float = 30.0, every: float = 0.2) -> Any:
    """Poll `probe` until it returns something truthy; fail naming `what` after `limit` s."""
    deadline = time.monotonic() + limit
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)
