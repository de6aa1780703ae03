"""The local AWS control plane: moto's server, with a small patch layer (see patches/).

Also the one place that says how to reach it, for the tools, the tests and the benchmarks
alike: the fake credentials (`FAKE_CREDENTIALS`), an environment for a child process aimed at
the emulator only (`aimed_at`), and how to start it and wait until it listens (`start`).
Importing this package imports nothing of moto.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
# The emulator takes any credentials; these are never a real key. Odd on purpose: Ansible masks
# a secret's value wherever it appears in its output, so a common word here would blank out
# resource names in what people and tests read.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "emulator-access-key-id",
    "AWS_SECRET_ACCESS_KEY": "emulator-secret-not-a-real-key",  # pragma: allowlist secret
    "AWS_SESSION_TOKEN": "emulator-session-not-a-real-token",
}


def aimed_at(
    endpoint_url: str, region: str = REGION, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`base` (the process's environment by default) for a child process that must reach the
    emulator at `endpoint_url` and nothing else: every AWS_* variable and BOTO_CONFIG of
    `base` removed, then the fake credentials, the endpoint, the region, and no config files."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith("AWS_") and k != "BOTO_CONFIG"}
    env.update(FAKE_CREDENTIALS)
    env.update(
        AWS_ENDPOINT_URL=endpoint_url,
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


class NotStarted(RuntimeError):
    """The emulator exited, or said nothing, before it listened."""


def start(
    port: int = 0,
    *args: str,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    detach: bool = False,
    timeout: float = 60,
) -> tuple[subprocess.Popen, str]:
    """Start `python -m scaleout.emulator` on 127.0.0.1:`port` (0: a free one) and wait for the
    line it prints once it listens; return the process and its endpoint URL.

    Its stderr (and, after that line, its stdout) goes to `log`, or nowhere: never to a pipe
    that nobody reads. `detach` starts it in a session of its own, so that it outlives the
    caller (`make up`) and ignores the caller's Ctrl-C."""
    environ = dict(os.environ if env is None else env)
    environ["PYTHONPATH"] = f"{ROOT / 'app'}:{ROOT}"
    stderr = log.open("w") if log is not None else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scaleout.emulator", "--port", str(port), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=environ,
            start_new_session=detach,
        )
    finally:
        if log is not None:
            stderr.close()
    line = _first_line(proc, timeout)
    proc.stdout.close()  # the emulator writes nothing more there (see __main__)
    try:
        endpoint = json.loads(line)["endpoint_url"] if line else ""
    except (ValueError, KeyError, TypeError):
        endpoint = ""
    if endpoint:
        return proc, endpoint
    # Never leave one behind that the caller cannot use (a detached one would hold the port).
    running = proc.poll() is None
    if running:
        proc.kill()
        proc.wait()
    if line:
        raise NotStarted(f"the emulator said {line[:200]!r} instead of where it listens")
    if running:
        raise NotStarted(f"the emulator did not listen within {timeout:.0f} s")
    raise NotStarted(f"the emulator exited with code {proc.returncode} before it listened")


def _first_line(proc: subprocess.Popen, timeout: float) -> str:
    """The first line of the process's stdout, or "" if it ends or `timeout` passes first."""
    chunks = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in chunks:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return ""
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                return ""
            chunks += chunk
    return chunks.split(b"\n", 1)[0].decode()


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the emulator, and SIGKILL it if it has not exited after `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
