"""`python -m benchmarks.soak`: sustained load on the service; zero errors and flat memory?

Starts `python -m scaleout_app` on a free loopback port (pinned to one core when there are two),
drives GET /api with wrk (pinned to the other core) for --seconds, samples the server's
resident memory every second, and prints requests served, errors, p99 latency, and RSS at
start, at the end and its growth over the second half (where a leak shows; the first half
includes warm-up). A benchmark, not a test: it exits 1 only when the server failed, answered
errors, or grew by more than --max-growth-mb over the second half.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks import wrk as wrk_output

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--seconds", type=int, default=120, help="length of the soak (120)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=4, help="server threads, APP_THREADS (4)")
    parser.add_argument(
        "--max-growth-mb",
        type=float,
        default=5.0,
        help="RSS growth over the second half that counts as a leak (5)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("soak: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    two_cores = (os.cpu_count() or 1) >= 2
    pin_server = ["taskset", "-c", "0"] if two_cores and shutil.which("taskset") else []
    client_cpu = "1" if two_cores and shutil.which("taskset") else None

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "app"),
        "APP_HOST": "127.0.0.1",
        "APP_PORT": "0",
        "APP_ACCESS_LOG": "off",
        "APP_THREADS": str(args.threads),
    }
    server = subprocess.Popen(
        [*pin_server, sys.executable, "-m", "scaleout_app"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    port = int(json.loads(server.stdout.readline())["port"])
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        began = time.monotonic()
        while not done.is_set() and server.poll() is None:
            samples.append((time.monotonic() - began, rss_mb(server.pid)))
            done.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    url = f"http://127.0.0.1:{port}/api"
    wrk = subprocess.run(
        wrk_output.command(url, args.connections, args.seconds, cpu=client_cpu),
        capture_output=True, text=True, check=False, timeout=args.seconds + 60,
    )  # fmt: skip
    done.set()
    sampler.join()
    alive = server.poll() is None
    server.terminate()
    code = server.wait(timeout=30)
    try:
        figures = asdict(wrk_output.parse(wrk.stdout))
    except wrk_output.WrkOutputError as exc:
        print(f"soak: {exc}{wrk.stderr}", file=sys.stderr)
        return 1
    half = [mb for t, mb in samples if t >= args.seconds / 2]
    figures.update(
        seconds=args.seconds,
        connections=args.connections,
        server_threads=args.threads,
        rss_start_mb=round(samples[0][1], 1) if samples else None,
        rss_end_mb=round(samples[-1][1], 1) if samples else None,
        rss_growth_second_half_mb=round(half[-1] - half[0], 1) if len(half) > 1 else None,
        server_alive_at_end=alive,
        server_exit_code=code,
    )
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"soak: {figures['requests']} requests in {args.seconds} s "
            f"({figures['rps']:.0f}/s over {args.connections} connections), "
            f"errors: {figures['non_2xx']} non-2xx + {figures['socket_errors']} socket"
        )
        print(f"      latency p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms")
        print(
            f"      RSS {figures['rss_start_mb']} MB at start, {figures['rss_end_mb']} MB at "
            f"the end, {figures['rss_growth_second_half_mb']} MB growth over the second half"
        )
        print(f"      server exit code after SIGTERM: {code}")
    growth = figures["rss_growth_second_half_mb"] or 0.0
    failed = (
        not alive
        or code != 0
        or figures["non_2xx"]
        or figures["socket_errors"]
        or growth > args.max_growth_mb
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
