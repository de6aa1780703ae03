"""`python -m benchmarks.service_bench`: GET /api per core, ours against the classic stack.

What it measures, in one run:
  1. throughput and p50/p99 latency of GET /api for our service (waitress + Flask, started as
     `python -m scaleout_app`) and for the reference stack (nginx in front of uWSGI running
     benchmarks/reference/reference_app.py, a Flask view that returns the 52-letter dict with
     `jsonify`). Every server process is pinned to one core (`--server-cpu`), the load
     generator (wrk) to another (`--client-cpu`), and both stacks get the same connections,
     duration, warm-up, access-log state, CPython build (the one uWSGI embeds) and Flask, and
     the same number of repetitions, interleaved (ours, ref, ref, ours, ...) so that noise
     from other work on the machine falls on both alike. Besides req/s it reports requests per
     CPU-second of each stack's processes, which other work on the machine disturbs less;
  2. cold start: container start to the first 200 on /api for the built image (and, always,
     process start to the first 200 for `python -m scaleout_app`);
  3. the size the image adds on top of its base image.
It prints the medians, the spread, the ratios and whether the targets of issue 2 are met.

A benchmark, not a test: it asserts nothing about time. Exit codes: 0 figures printed (targets
met or not, unless --check), 1 a server failed to start or answered errors (or --check and a
target was missed), 2 bad usage or a missing tool.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks import wrk as wrk_output
from plugins.module_utils.scaleout_contract import contract_problems

ROOT = Path(__file__).resolve().parent.parent
# The interpreter Debian's uWSGI python3 plugin embeds (libpython3.11 of /usr/bin/python3).
UWSGI_PYTHON = "/usr/bin/python3"
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

# Targets from issue 2.
TARGET_RATIO = 1.3
TARGET_COLD_START_S = 1.0
TARGET_APP_LAYERS_MB = 25.0

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  {access_log}
  client_body_temp_path {tmp}/nginx-body;
  proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fastcgi;
  uwsgi_temp_path {tmp}/nginx-uwsgi;
  scgi_temp_path {tmp}/nginx-scgi;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      include /etc/nginx/uwsgi_params;
      uwsgi_pass unix:{tmp}/uwsgi.sock;
    }}
  }}
}}
"""

UWSGI_INI = """\
[uwsgi]
plugins = python3
virtualenv = {venv}
chdir = {app_dir}
module = reference_app:app
socket = {tmp}/uwsgi.sock
; nginx's workers run as another user when started by root
chmod-socket = 666
master = true
processes = {processes}
listen = 1024
logto = {tmp}/uwsgi.log
disable-logging = {disable_logging}
"""


@dataclass
class Run:
    """One wrk run against one target."""

    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors
    # CPU time (user + system) the target's processes used per request during the run: what
    # one core costs, and much steadier than req/s when other work shares the machine.
    cpu_us: float = 0.0
    # Share of the server CPU's time that went to the target: well under 1 means other work
    # on the machine took that core too, and req/s reads low.
    core_share: float = 0.0

    @property
    def per_cpu_second(self) -> float:
        return 1e6 / self.cpu_us if self.cpu_us else 0.0


@dataclass
class Target:
    name: str
    port: int
    groups: list[int]  # process groups whose CPU time counts


@dataclass
class Summary:
    target: str
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def spread(self, attr: str) -> tuple[float, float]:
        values = [getattr(r, attr) for r in self.runs]
        return min(values), max(values)


class BenchError(RuntimeError):
    """A server did not start, or did not answer as it must."""


# ---------------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str = "/api", timeout: float = 1.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_for_200(port: int, deadline_s: float, interval_s: float = 0.002) -> float | None:
    """Poll GET /api until it answers 200; return the time it did (perf_counter) or None."""
    end = time.perf_counter() + deadline_s
    while time.perf_counter() < end:
        try:
            status, _ = get(port, timeout=0.5)
        except (OSError, http.client.HTTPException):
            status = 0
        if status == 200:
            return time.perf_counter()
        time.sleep(interval_s)
    return None


def check_api(name: str, port: int) -> None:
    """The target must answer /api as the issue says before we time it."""
    status, body = get(port, timeout=5)
    if status != 200:
        raise BenchError(f"{name}: GET /api answered {status}: {body[:200]!r}")
    problems = contract_problems(body)
    if problems:
        raise BenchError(f"{name}: GET /api breaks the contract ({'; '.join(problems)})")


def parse_wrk(target: str, out: str) -> Run:
    try:
        found = wrk_output.parse(out)
    except wrk_output.WrkOutputError as exc:
        raise BenchError(f"{target}: {exc}") from None
    return Run(target, found.rps, found.p50_ms, found.p99_ms, found.requests, found.errors)


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(groups: list[int]) -> float:
    """User + system CPU time of every live process in these process groups (all threads)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # the command name may hold spaces: fields start after its closing parenthesis
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) in groups:  # field 5: pgrp
            total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total / _TICK


def wrk(target: Target, args: argparse.Namespace, duration: float) -> Run:
    cmd = wrk_output.command(
        f"http://127.0.0.1:{target.port}/api", args.connections, duration, cpu=args.client_cpu
    )
    before, started = cpu_seconds(target.groups), time.monotonic()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    used = cpu_seconds(target.groups) - before
    elapsed = time.monotonic() - started
    run = parse_wrk(target.name, out)
    run.cpu_us = used * 1e6 / run.requests if run.requests else 0.0
    run.core_share = used / elapsed if elapsed else 0.0  # the target is pinned to one core
    return run


@contextlib.contextmanager
def process(
    cmd: list[str],
    log: Path,
    env: dict[str, str] | None = None,
    stop: signal.Signals = signal.SIGTERM,
) -> Iterator[subprocess.Popen]:
    """Start a server in its own process group; stop it (and its children) on the way out."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, stop)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def site_packages(venv: str) -> list[str]:
    return sorted(str(p) for p in Path(venv).glob("lib/python3*/site-packages"))


def same_interpreter(args: argparse.Namespace) -> bool:
    """Does our server run on the interpreter uWSGI embeds (by default, yes), with the
    reference venv's packages on its path?"""
    return Path(args.python).resolve() == Path(UWSGI_PYTHON).resolve()


def ours_env(args: argparse.Namespace, port: int) -> dict[str, str]:
    env = dict(os.environ)
    path = [str(args.app_dir), str(ROOT)]
    if same_interpreter(args):
        path += site_packages(args.reference_venv)  # the very Flask the reference runs
    env["PYTHONPATH"] = os.pathsep.join(path)
    env.update(
        APP_HOST="127.0.0.1",
        APP_PORT=str(port),
        APP_ACCESS_LOG="on" if args.access_log == "on" else "off",
        APP_DRAIN_SECONDS="0",
    )
    for item in args.ours_env:
        key, _, value = item.partition("=")
        env[key] = value
    return env


# -------------------------------------------------------------------------------- throughput


@contextlib.contextmanager
def ours(args: argparse.Namespace, tmp: Path) -> Iterator[Target]:
    port = free_port()
    cmd = ["taskset", "-c", args.server_cpu, args.python, "-m", "scaleout_app"]
    # stdout (the access log) goes to a file, as nginx's and uWSGI's do
    with process(cmd, tmp / "ours.log", ours_env(args, port)) as proc:
        if wait_for_200(port, 15) is None:
            raise BenchError(f"ours did not answer on :{port}; log: {tail(tmp / 'ours.log')}")
        yield Target("ours", port, [proc.pid])
        if proc.poll() is not None:
            raise BenchError(f"ours exited during the run; log: {tail(tmp / 'ours.log')}")


@contextlib.contextmanager
def reference(args: argparse.Namespace, tmp: Path) -> Iterator[Target]:
    port = free_port()
    on = args.access_log == "on"
    (tmp / "uwsgi.ini").write_text(
        UWSGI_INI.format(
            venv=args.reference_venv,
            app_dir=REFERENCE_DIR,
            tmp=tmp,
            processes=args.reference_processes,
            disable_logging="false" if on else "true",
        )
    )
    access_log = f"access_log {tmp}/nginx-access.log;" if on else "access_log off;"
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=port, access_log=access_log))
    uwsgi = ["taskset", "-c", args.server_cpu, "uwsgi", "--ini", str(tmp / "uwsgi.ini")]
    nginx = [
        "taskset",
        "-c",
        args.server_cpu,
        "nginx",
        "-c",
        str(tmp / "nginx.conf"),
        "-e",
        str(tmp / "nginx-error.log"),
    ]
    # uWSGI stops on SIGINT (SIGTERM reloads it); nginx stops on SIGTERM.
    with (
        process(uwsgi, tmp / "uwsgi.out", stop=signal.SIGINT) as up,
        process(nginx, tmp / "nginx.out") as ngx,
    ):
        if wait_for_200(port, 20) is None:
            raise BenchError(
                f"reference did not answer on :{port}; uwsgi log: {tail(tmp / 'uwsgi.log')}; "
                f"nginx log: {tail(tmp / 'nginx-error.log')}"
            )
        yield Target("reference", port, [up.pid, ngx.pid])
        if up.poll() is not None:
            raise BenchError(f"uwsgi exited during the run; log: {tail(tmp / 'uwsgi.log')}")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def throughput(args: argparse.Namespace) -> dict[str, Summary]:
    with tempfile.TemporaryDirectory(prefix="service-bench-") as name:
        tmp = Path(name)
        tmp.chmod(0o755)  # nginx's worker (another user under root) reaches the uWSGI socket
        with ours(args, tmp) as ours_target, reference(args, tmp) as ref_target:
            targets = [ours_target, ref_target]
            for target in targets:
                check_api(target.name, target.port)
                wrk(target, args, args.warmup)  # warm-up: not recorded
            results = {t.name: Summary(t.name) for t in targets}
            for rep in range(args.repetitions):
                # alternate who goes first, so that neither always runs after a rest
                for target in targets if rep % 2 == 0 else targets[::-1]:
                    run = wrk(target, args, args.duration)
                    results[target.name].runs.append(run)
                    print(
                        f"  rep {rep + 1}/{args.repetitions} {target.name:<9} {run.rps:8.0f} "
                        f"req/s  p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:7.2f} ms  "
                        f"{run.cpu_us:5.0f} us CPU/req  {run.core_share:4.0%} of the core"
                        + (f"  ERRORS {run.errors}" if run.errors else ""),
                        flush=True,
                    )
            for target, summary in results.items():
                bad = sum(r.errors for r in summary.runs)
                if bad:
                    raise BenchError(f"{target}: {bad} failed requests (non-2xx or socket errors)")
    return results


# -------------------------------------------------------------------------------- cold start


def process_cold_start(args: argparse.Namespace, runs: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory(prefix="service-bench-") as name:
        for _ in range(runs):
            port = free_port()
            cmd = [args.python, "-m", "scaleout_app"]
            started = time.perf_counter()
            with process(cmd, Path(name) / "cold.log", ours_env(args, port)):
                ready = wait_for_200(port, 30)
            if ready is None:
                raise BenchError(
                    f"python -m scaleout_app: no 200 within 30 s: {tail(Path(name) / 'cold.log')}"
                )
            times.append(ready - started)
    return times


def docker(*argv: str) -> str:
    return subprocess.run(["docker", *argv], check=True, capture_output=True, text=True).stdout


def docker_ready() -> bool:
    return bool(shutil.which("docker")) and quiet_ok(["docker", "info"])


def quiet_ok(cmd: list[str]) -> bool:
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


def container_cold_start(image: str, runs: int) -> list[float]:
    """`docker create` untimed, then the clock runs from `docker start` to the first 200."""
    times = []
    for _ in range(runs):
        port = free_port()
        cid = docker("create", "-p", f"127.0.0.1:{port}:8080", image).strip()
        try:
            started = time.perf_counter()
            docker("start", cid)
            ready = wait_for_200(port, 30)
            if ready is None:
                raise BenchError(f"{image}: no 200 within 30 s: {docker('logs', cid)[-2000:]}")
            times.append(ready - started)
        finally:
            subprocess.run(["docker", "rm", "-f", cid], capture_output=True, check=False)
    return times


def app_layers(image: str) -> tuple[str, int, int]:
    """(base image, bytes the image adds on top of it, number of history steps above it).

    The base is the local image whose layers are the longest proper prefix of ours, so the
    answer holds whichever base the build used (the official slim image or the stand-in).
    """

    def layers(ref: str) -> list[str]:
        return json.loads(docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", ref))

    ours_layers = layers(image)
    best, best_len = "", 0
    for line in docker("images", "--format", "{{.Repository}}:{{.Tag}}").split():
        if line.endswith(":<none>") or line == image:
            continue
        theirs = layers(line)
        if (
            len(theirs) < len(ours_layers)
            and ours_layers[: len(theirs)] == theirs
            and len(theirs) > best_len
        ):
            best, best_len = line, len(theirs)
    if not best:
        raise BenchError(f"{image}: no local image is its base; cannot tell app layers apart")
    ours_hist = docker("history", "--no-trunc", "--human=false", "--format", "{{.Size}}", image)
    base_hist = docker("history", "--no-trunc", "--human=false", "--format", "{{.Size}}", best)
    above = ours_hist.split()[: len(ours_hist.split()) - len(base_hist.split())]
    return best, sum(int(s) for s in above), len(above)


# ----------------------------------------------------------------------------------- report


def versions(args: argparse.Namespace) -> dict[str, str]:
    def first_line(cmd: list[str], env: dict[str, str] | None = None) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
        except OSError:
            return "absent"
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else "?"

    def pkg(python: str, name: str) -> str:
        code = f"import importlib.metadata as m; print(m.version({name!r}))"
        return first_line([python, "-c", code], ours_env(args, 0))

    ref_python = str(Path(args.reference_venv) / "bin" / "python")
    version = "import sys; print(sys.version.split()[0])"
    return {
        "python (ours)": first_line([args.python, "-c", version]),
        "flask (ours)": pkg(args.python, "flask"),
        "waitress": pkg(args.python, "waitress"),
        "flask (reference)": pkg(ref_python, "flask"),
        "uwsgi": first_line(["uwsgi", "--version"]),
        "uwsgi python": first_line([UWSGI_PYTHON, "-c", version]),
        "nginx": first_line(["nginx", "-v"]).replace("nginx version: ", ""),
        "wrk": first_line(["wrk", "--version"]).split(" [")[0],
        "kernel": platform.release(),
    }


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs, {model}"


def spread(summary: Summary, attr: str, fmt: str) -> str:
    low, high = summary.spread(attr)
    return f"{format(summary.median(attr), fmt)} ({format(low, fmt)}-{format(high, fmt)})"


def report_throughput(results: dict[str, Summary], args: argparse.Namespace) -> dict[str, float]:
    o, r = results["ours"], results["reference"]
    print()
    print(
        f"GET /api, {args.connections} connections, {args.duration:g} s x {args.repetitions} "
        f"interleaved repetitions after a {args.warmup:g} s warm-up each; "
        "median (min-max):"
    )
    print(f"  {'':<10} {'req/s':>20} {'p50 ms':>20} {'p99 ms':>22} {'req per CPU-second':>22}")
    for s in (o, r):
        print(
            f"  {s.target:<10} {spread(s, 'rps', '.0f'):>20} {spread(s, 'p50_ms', '.2f'):>20}"
            f" {spread(s, 'p99_ms', '.2f'):>22} {spread(s, 'per_cpu_second', '.0f'):>22}"
        )
    ratio = o.median("rps") / r.median("rps")
    paired = statistics.median(a.rps / b.rps for a, b in zip(o.runs, r.runs, strict=True))
    cpu_ratio = o.median("per_cpu_second") / r.median("per_cpu_second")
    print(
        f"  throughput per core, ours/reference: {ratio:.2f}x req/s (median of paired "
        f"repetitions {paired:.2f}x), {cpu_ratio:.2f}x req per CPU-second; target >= "
        f"{TARGET_RATIO}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'}"
    )
    share = min(o.median("core_share"), r.median("core_share"))
    if share < 0.9:
        print(
            f"  NOTE: the servers got only {share:.0%} of CPU {args.server_cpu} (median): other "
            "work shared it, so req/s reads low and noisy; req per CPU-second is steadier"
        )
    p99_ok = o.median("p99_ms") <= r.median("p99_ms")
    print(
        f"  p99 ours {o.median('p99_ms'):.2f} ms vs reference {r.median('p99_ms'):.2f} ms; "
        f"target no worse: {'met' if p99_ok else 'NOT met'}"
    )
    return {
        "ratio": ratio,
        "paired_ratio": paired,
        "cpu_ratio": cpu_ratio,
        "met": float(ratio >= TARGET_RATIO and p99_ok),
    }


def describe_fairness(args: argparse.Namespace) -> None:
    logs = {
        "on": "ON for both (ours: one JSON line per request on stdout, redirected to a file; "
        "nginx: its default combined access log to a file; uWSGI: its default request "
        "log line to a file)",
        "off": "OFF for both (APP_ACCESS_LOG=off; nginx access_log off; uWSGI disable-logging)",
    }[args.access_log]
    print("How the comparison is kept fair:")
    print(
        f"  - every server process pinned to CPU {args.server_cpu} (taskset: waitress; nginx "
        f"master+worker and uWSGI master+{args.reference_processes} workers); wrk (1 thread) "
        f"pinned to CPU {args.client_cpu}; loopback only"
    )
    print(
        f"  - same wrk settings for both: {args.connections} keep-alive connections, "
        f"{args.duration:g} s per run, a {args.warmup:g} s warm-up run first (not counted)"
    )
    print(
        f"  - {args.repetitions} repetitions each, interleaved and alternating which goes "
        "first; medians reported with min-max"
    )
    print(f"  - access logs: {logs}")
    if same_interpreter(args):
        print(
            f"  - one interpreter for both: {UWSGI_PYTHON} (the CPython uWSGI embeds, an "
            "optimised distribution build like the image's), with the same Flask from "
            f"{args.reference_venv}"
        )
    else:
        print(
            f"  - NOT the same interpreter: ours on {args.python}, the reference on the "
            f"CPython uWSGI embeds ({UWSGI_PYTHON}); a build without PGO/LTO (pyenv's "
            "default) costs about 20% more CPU per request"
        )
    print(
        "  - both answer the same 52-key document (checked before timing); any non-2xx or "
        "socket error fails the run"
    )
    print(
        "  - reference: nginx worker_processes 1 -> uwsgi_pass over a unix socket -> uWSGI "
        f"preforking {args.reference_processes} workers; Flask view builds the dict and "
        "calls jsonify (key sorting off, so the same bytes as ours)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.service_bench",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="Exit codes: 0 figures printed; 1 a server failed (or --check and a target "
        "missed); 2 bad usage or a missing tool.",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=16,
        help="keep-alive connections wrk holds open, the same for both stacks",
    )
    parser.add_argument(
        "--duration", type=float, default=10, help="seconds of each measured wrk run"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=3,
        help="seconds of the unrecorded warm-up run against each stack",
    )
    parser.add_argument(
        "--repetitions",
        type=int,
        default=5,
        help="measured runs per stack, interleaved; the median is reported",
    )
    parser.add_argument(
        "--access-log",
        choices=["on", "off"],
        default="on",
        help="per-request access logging, set the same for both stacks "
        "(on: as each ships by default)",
    )
    parser.add_argument("--server-cpu", default="0", help="CPU the servers are pinned to")
    parser.add_argument("--client-cpu", default="1", help="CPU wrk is pinned to")
    parser.add_argument(
        "--reference-processes",
        type=int,
        default=2,
        help="uWSGI worker processes in the reference stack",
    )
    parser.add_argument(
        "--reference-venv",
        default=str(ROOT / ".venv"),
        help="virtualenv with Flask that uWSGI's python3 plugin runs the reference app from",
    )
    parser.add_argument(
        "--python",
        default=UWSGI_PYTHON,
        help="interpreter that runs `python -m scaleout_app`; by default the one uWSGI embeds, "
        "with the reference venv's site-packages on PYTHONPATH, so both stacks run the same "
        "CPython build and the same Flask",
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT / "app",
        help="directory holding the scaleout_app package to measure "
        "(a patched copy, to measure a proposal)",
    )
    parser.add_argument(
        "--ours-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for our server, e.g. APP_THREADS=8 (repeatable)",
    )
    parser.add_argument(
        "--image",
        default="http-scale-out:dev",
        help="image for the container cold start and the layer size",
    )
    parser.add_argument(
        "--cold-starts",
        type=int,
        default=5,
        help="cold starts measured (median reported), after one unrecorded",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["throughput", "cold-start", "size"],
        help="leave a part out (repeatable)",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write every figure to FILE as JSON"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target of issue 2 is missed"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.python == UWSGI_PYTHON and not Path(UWSGI_PYTHON).exists():
        args.python = sys.executable
    if args.connections < 1 or args.repetitions < 1 or args.duration <= 0:
        print(
            "service_bench: --connections, --repetitions and --duration must be positive",
            file=sys.stderr,
        )
        return 2
    need = ["taskset", "wrk"] + (["nginx", "uwsgi"] if "throughput" not in args.skip else [])
    missing = [tool for tool in need if not shutil.which(tool)]
    if missing:
        print(
            f"service_bench: missing tools: {', '.join(missing)} (Debian: wrk, nginx-light, "
            "uwsgi, uwsgi-plugin-python3)",
            file=sys.stderr,
        )
        return 2
    if len(os.sched_getaffinity(0)) < 2:
        print("service_bench: needs 2 CPUs (one for the servers, one for wrk)", file=sys.stderr)
        return 2

    record: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "versions": versions(args),
        "settings": {k: str(v) for k, v in vars(args).items()},
    }
    print(f"service_bench {record['date']} on {record['machine']}")
    print("  " + "; ".join(f"{k} {v}" for k, v in record["versions"].items()))
    missed = False
    try:
        if "throughput" not in args.skip:
            describe_fairness(args)
            results = throughput(args)
            verdict = report_throughput(results, args)
            missed |= not verdict["met"]
            record["throughput"] = {
                **verdict,
                **{
                    t: [{**asdict(r), "per_cpu_second": r.per_cpu_second} for r in s.runs]
                    for t, s in results.items()
                },
            }

        if "cold-start" not in args.skip:
            print()
            times = process_cold_start(args, args.cold_starts + 1)[1:]
            print(
                f"Cold start, process start to first 200 on /api (python -m scaleout_app): "
                f"median {statistics.median(times) * 1000:.0f} ms "
                f"({min(times) * 1000:.0f}-{max(times) * 1000:.0f})"
            )
            record["process_cold_start_s"] = times
            if not docker_ready():
                print(
                    "Cold start in a container: skipped (no Docker engine answers: "
                    "scripts/docker-engine.sh start)"
                )
                missed = True
            elif not quiet_ok(["docker", "image", "inspect", args.image]):
                print(f"Cold start in a container: skipped ({args.image} is not built: make image)")
                missed = True
            else:
                times = container_cold_start(args.image, args.cold_starts + 1)[1:]
                median = statistics.median(times)
                print(
                    f"Cold start, `docker start` to first 200 on /api ({args.image}, port "
                    f"published on 127.0.0.1): median {median * 1000:.0f} ms "
                    f"({min(times) * 1000:.0f}-{max(times) * 1000:.0f}); target < "
                    f"{TARGET_COLD_START_S:g} s: "
                    f"{'met' if median < TARGET_COLD_START_S else 'NOT met'}"
                )
                record["container_cold_start_s"] = times
                missed |= median >= TARGET_COLD_START_S

        if "size" not in args.skip:
            print()
            if docker_ready() and quiet_ok(["docker", "image", "inspect", args.image]):
                base, added, steps = app_layers(args.image)
                mb = added / 1e6
                print(
                    f"Image size: {args.image} adds {mb:.1f} MB in {steps} steps on top of its "
                    f"base {base}; target < {TARGET_APP_LAYERS_MB:g} MB: "
                    f"{'met' if mb < TARGET_APP_LAYERS_MB else 'NOT met'}"
                )
                record["app_layers_bytes"] = added
                record["base_image"] = base
                missed |= mb >= TARGET_APP_LAYERS_MB
            else:
                print(f"Image size: skipped ({args.image} not available: make image)")
    except BenchError as exc:
        print(f"service_bench: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.json:
            args.json.write_text(json.dumps(record, indent=2) + "\n")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
