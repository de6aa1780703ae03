"""The one way our tools, tests and benchmarks run `ansible-playbook` and read what it did.

`run()` runs a playbook of ansible/ on an inventory of ansible/inventories/ with the project's
ansible.cfg and reads its results as JSON (plugins/callback/results_file.py writes them to a
file), never by scraping the recap; stdout stays the human output, for people and for
messages. `command()` is the command line alone, for a caller that must hold the process
(to interrupt it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


@dataclass
class PlaybookRun:
    """What `ansible-playbook` did: its exit code, its output, and its results as data."""

    returncode: int
    stdout: str
    stderr: str
    # One record per task result: host, play, task, action, status (ok, changed, failed,
    # ignored, skipped, unreachable) and the module's result. Empty if the run never started.
    results: list[dict[str, Any]] = field(default_factory=list)
    # Per host: ok, changed, failures, skipped, unreachable, rescued, ignored.
    stats: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def total(self, counter: str) -> int:
        """A stats counter summed over the hosts (changed, failures, ok...)."""
        return sum(host.get(counter, 0) for host in self.stats.values())

    @property
    def changed(self) -> int:
        """Tasks that changed (or would change) something, as changed_results counts them."""
        return len(self.changed_results())

    def changed_results(self) -> dict[str, dict[str, Any]]:
        """`host | task name` of each task that changed (or, in check mode, would change)
        something, to its result. By the result's own `changed`: a module may report a change
        it would make in check mode and be shown as skipped (community.aws.ecs_ecr is)."""
        changed = [r for r in self.results if r["result"].get("changed")]
        return {f"{r['host']} | {r['task']}": r["result"] for r in changed}

    def changed_tasks(self) -> list[str]:
        """Names of the tasks that reported a change (for failure messages)."""
        return list(dict.fromkeys(name.split(" | ", 1)[1] for name in self.changed_results()))


def command(
    playbook: str | Path,
    *args: str,
    inventory: str = "local",
    extra_vars: Mapping[str, Any] | None = None,
) -> list[str]:
    """The ansible-playbook command line for `playbook` (a path, or a name in ansible/), on
    `inventory`: an environment of ansible/inventories/, or anything `-i` takes ("localhost,")."""
    path = Path(playbook)
    if not path.is_absolute():
        # ansible-playbook runs in the checkout: a relative path is the caller's, or ansible/'s.
        path = path.resolve() if path.exists() else ROOT / "ansible" / path
    named = ROOT / "ansible" / "inventories" / inventory
    line = [str(ANSIBLE_PLAYBOOK), "-i", str(named) if named.is_dir() else inventory]
    line += [str(path), *args]
    if extra_vars:
        line += ["-e", json.dumps(dict(extra_vars))]
    return line


def environment(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """`base` (the process's environment by default) with the project's ansible.cfg, this
    checkout on PYTHONPATH, no colours, and `extra`."""
    env = dict(os.environ if base is None else base)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PYTHONPATH=f"{ROOT / 'app'}:{ROOT}",
    )
    # An ANSIBLE_CALLBACKS_ENABLED of the caller's would replace ansible.cfg's list.
    if env.get("ANSIBLE_CALLBACKS_ENABLED"):
        env["ANSIBLE_CALLBACKS_ENABLED"] += ",results_file"
    env.update(extra)
    return env


def run(
    playbook: str | Path,
    *args: str,
    inventory: str = "local",
    extra_vars: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
    tee: TextIO | None = None,
    log: TextIO | None = None,
) -> PlaybookRun:
    """Run `playbook` and wait, at most `timeout` seconds. `env` is the whole environment (see
    `environment`). With `log` or `tee`, the output (stderr folded into stdout) is written to
    them as it comes; without, stdout and stderr are kept apart in the result."""
    environ = environment(env)
    with tempfile.TemporaryDirectory(prefix="playbook-") as scratch:
        results_file = Path(scratch) / "results.json"
        environ["SCALEOUT_RESULTS_FILE"] = str(results_file)
        line = command(playbook, *args, inventory=inventory, extra_vars=extra_vars)
        if tee is None and log is None:
            proc = subprocess.run(
                line, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout
            )
            stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
        else:
            stdout, stderr, code = _streamed(line, environ, timeout, [s for s in (tee, log) if s])
        report: dict[str, Any] = {}
        if results_file.exists():
            report = json.loads(results_file.read_text())
        elif code == 0:
            # A run that passed but said nothing of what it did cannot be read as "no change".
            raise RuntimeError(
                "ansible-playbook wrote no results: is the results_file callback enabled "
                f"(ansible.cfg callbacks_enabled)?\n{stdout[-2000:]}{stderr[-2000:]}"
            )
    return PlaybookRun(code, stdout, stderr, report.get("results", []), report.get("stats", {}))


def _streamed(
    line: list[str], environ: dict[str, str], timeout: float, sinks: list[TextIO]
) -> tuple[str, str, int]:
    """Run `line` with its output (stderr folded into stdout) copied to `sinks` as it comes;
    kill it if it runs past `timeout` seconds."""
    proc = subprocess.Popen(
        line,
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        proc.kill()

    watchdog = threading.Timer(timeout, kill)
    watchdog.start()
    lines = []
    try:
        for text in proc.stdout:
            lines.append(text)
            for sink in sinks:
                sink.write(text)
                sink.flush()
        code = proc.wait()
    finally:
        watchdog.cancel()
    if killed.is_set():
        lines.append(f"\n(ansible-playbook killed after {timeout:g} s)\n")
    return "".join(lines), "", code
