"""Helpers for the load test tests (a module of its own: test folders share no package)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse

from tests.conftest import ROOT, assert_loopback


def run_tool(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    module: str = "scaleout.loadtest",
    expect_refusal: bool = False,
) -> subprocess.CompletedProcess:
    """`python -m scaleout.loadtest ARGS` to its end. A --url off this machine is refused here,
    unless the test expects the tool itself to refuse it (and then only the unroutable
    documentation range 192.0.2.0/24 is allowed, so that a broken refusal loads nobody)."""
    if "--url" in args:
        url = args[args.index("--url") + 1]
        if expect_refusal:
            assert urllib.parse.urlsplit(url).hostname in {"192.0.2.1", "127.0.0.1"}, url
        else:
            assert_loopback(url)
    environment = {**(env or os.environ), "PYTHONPATH": f"{ROOT}/app:{ROOT}"}
    environment.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def result_line(stdout: str) -> dict:
    """The JSON line the load test prints last on stdout."""
    return json.loads(stdout.strip().splitlines()[-1])
