"""`python -m benchmarks.provision_bench`: wall-clock of provisioning the whole stack.

What it measures, against a fresh emulator of its own (`python -m scaleout.emulator`, loopback,
fake credentials):
  1. the full provision of ansible/site.yml on a clean emulator;
  2. the no-op re-run (the reconcile of a converged stack), --runs times, median and spread;
  3. the --check run on the converged stack;
  4. the teardown.
For each run it prints the wall time, the CPU time of ansible-playbook and its children, and
how many task results it printed (ok + changed, each loop item counted), since nearly all of
the time is per-task process start-up. It compares the no-op median with the target of
issue 3 (15 s).

Two caches make a later run cheaper than the first: Ansible's built module payloads
(plugins/callback/ansiballz_cache.py) and the bytecode of what modules import
(plugins/module_python.py, the modules' interpreter when `make venv` wrote .venv/bin/module-python).
The benchmark keeps both in directories of its own, so the full provision fills them as on a
fresh machine and the later runs find them as a user's later runs do. --no-caches switches
both off, as Ansible does alone.

With --split-cpu every module process runs under a small wrapper interpreter that records its
CPU time, so the table also shows how many module processes a run started and how much of the
CPU they took; the rest is the controller (ansible-playbook and its forked workers). The
wrapper adds one short interpreter start-up per module process to the figures.

A benchmark, not a test: it asserts nothing about time. Exit codes: 0 figures printed (target
met or not, unless --check-target), 1 a playbook failed (or --check-target and the target was
missed), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scaleout import emulator
from scaleout import playbook as runner

ROOT = Path(__file__).resolve().parent.parent
TARGET_NOOP_S = 15.0


@dataclass
class Run:
    what: str
    wall_s: float
    cpu_s: float
    tasks: int
    changed: int
    modules: int | None = None
    module_cpu_s: float | None = None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.provision_bench",
        description="Time the full provision, the no-op re-run, --check and the teardown "
        "of the stack against a fresh emulator.",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="how many no-op re-runs to time (default: 3)"
    )
    parser.add_argument(
        "-e",
        "--extra-vars",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="variable override passed to every playbook, e.g. -e project_compute=fargate "
        "(repeatable)",
    )
    parser.add_argument(
        "--no-caches",
        action="store_true",
        help="build the module payloads and compile what modules import anew on every run "
        "(switches off the ansiballz_cache callback and module_python's bytecode cache), "
        "to compare",
    )
    parser.add_argument(
        "--check-target",
        action="store_true",
        help="exit 1 when the no-op median misses the 15 s target",
    )
    parser.add_argument(
        "--split-cpu",
        action="store_true",
        help="also count the module processes and their CPU time (through a wrapper interpreter)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def playbook_env(endpoint: str, caches: Path | None) -> dict[str, str]:
    # The emulator's fake credentials only: nothing here can reach AWS.
    env = runner.environment(emulator.aimed_at(endpoint))
    if caches is None:
        env.update(SCALEOUT_ANSIBALLZ_CACHE="false", SCALEOUT_PYC_CACHE_DIR="")
    else:
        env.update(
            SCALEOUT_ANSIBALLZ_CACHE_DIR=str(caches / "ansiballz"),
            SCALEOUT_PYC_CACHE_DIR=str(caches / "pyc"),
        )
    return env


WRAPPER = """#!{python}
import os, resource, subprocess, sys
rc = subprocess.call([{interpreter!r}, *sys.argv[1:]])
used = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(os.environ["PROVISION_BENCH_MODULE_LOG"], "a", encoding="ascii") as log:
    log.write(f"{{used.ru_utime + used.ru_stime:.4f}}\\n")
sys.exit(rc)
"""


def module_wrapper(directory: Path) -> Path:
    """An interpreter for ansible_python_interpreter that runs the module with the one the
    inventories would pick (module-python beside this Python if there is one, else this Python)
    and appends the module process's CPU seconds to $PROVISION_BENCH_MODULE_LOG."""
    launcher = Path(sys.executable).parent / "module-python"
    interpreter = str(launcher) if launcher.is_file() else sys.executable
    path = directory / "python-recording-cpu"
    path.write_text(
        WRAPPER.format(python=sys.executable, interpreter=interpreter), encoding="utf-8"
    )
    path.chmod(0o755)
    return path


def run_playbook(
    what: str,
    playbook: str,
    env: dict[str, str],
    extra: list[str],
    wrapper: Path | None = None,
) -> Run:
    args = [arg for item in extra for arg in ("-e", item)]
    log = None
    if wrapper is not None:
        log = wrapper.parent / f"modules-{time.monotonic_ns()}.log"
        args += ["-e", f"ansible_python_interpreter={wrapper}"]
        env = {**env, "PROVISION_BENCH_MODULE_LOG": str(log)}
    if what == "check":
        args.append("--check")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = runner.run(playbook, *args, env=env, timeout=1800)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-2000:])
        raise RuntimeError(f"{what}: ansible-playbook exited with {done.returncode}")
    changed = done.changed
    # Tasks that ran (ok or changed), as the default callback shows them.
    tasks = sum(r["status"] in {"ok", "changed"} for r in done.results)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run = Run(what, wall, cpu, tasks, changed)
    if log is not None:
        used = [float(line) for line in log.read_text().split()] if log.exists() else []
        run.modules, run.module_cpu_s = len(used), sum(used)
    return run


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    proc, endpoint = emulator.start()
    runs: list[Run] = []
    scratch = tempfile.TemporaryDirectory(prefix="provision-bench-")
    env = playbook_env(endpoint, None if args.no_caches else Path(scratch.name))
    wrapper = module_wrapper(Path(scratch.name)) if args.split_cpu else None
    extra = args.extra_vars
    try:
        runs.append(run_playbook("provision", "site.yml", env, extra, wrapper))
        for _ in range(args.runs):
            runs.append(run_playbook("no-op", "site.yml", env, extra, wrapper))
        runs.append(run_playbook("check", "site.yml", env, extra, wrapper))
        runs.append(run_playbook("teardown", "teardown.yml", env, extra, wrapper))
    except RuntimeError as exc:
        print(f"provision_bench: {exc}", file=sys.stderr)
        return 1
    finally:
        emulator.stop(proc)
        scratch.cleanup()

    noop = [r.wall_s for r in runs if r.what == "no-op"]
    median = statistics.median(noop)
    met = median <= TARGET_NOOP_S
    if args.json:
        print(
            json.dumps(
                {
                    "runs": [r.__dict__ for r in runs],
                    "noop_median_s": median,
                    "target_s": TARGET_NOOP_S,
                    "target_met": met,
                    "cpus": os.cpu_count(),
                    "load_average": os.getloadavg(),
                },
                indent=2,
            )
        )
    else:
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
        split = " modules  module cpu s" if args.split_cpu else ""
        print(
            f"{'run':<10} {'wall s':>8} {'cpu s':>8} {'results':>7} {'changed':>8} "
            f"{'s/task':>7}{split}"
        )
        for r in runs:
            per_task = r.wall_s / r.tasks if r.tasks else 0.0
            line = (
                f"{r.what:<10} {r.wall_s:8.1f} {r.cpu_s:8.1f} {r.tasks:7d} {r.changed:8d} "
                f"{per_task:7.2f}"
            )
            if r.modules is not None:
                line += f" {r.modules:8d} {r.module_cpu_s:13.1f}"
            print(line)
        spread = f"{min(noop):.1f}-{max(noop):.1f}" if len(noop) > 1 else f"{noop[0]:.1f}"
        print(
            f"no-op re-run: median {median:.1f} s (range {spread} s over {len(noop)} runs); "
            f"target {TARGET_NOOP_S:.0f} s: {'met' if met else 'missed'} "
            f"(ratio {median / TARGET_NOOP_S:.2f})"
        )
    return 1 if args.check_target and not met else 0


if __name__ == "__main__":
    sys.exit(main())
