"""`python -m scaleout.loadtest`: staged load with hey, the fleet watched, a report written.

Each stage holds a total request rate (requests per second for the whole test, not per worker)
for a length of time. Results go to one folder: run.json, requests.csv.gz (every request),
seconds.csv, fleet.jsonl (with --cluster/--service), summary.md and timeline.png.
Progress (stage, elapsed and remaining time, live rate, errors) goes to stderr every second;
a JSON line with the outcome goes to stdout at the end. summary.md is GitHub-flavoured Markdown,
ready for $GITHUB_STEP_SUMMARY (the workflow attaches it there).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import shutil
import signal
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import environment, results
from .observe import FleetObserver, add_fleet_arguments, client_factory
from .runner import LoadRun, Stopper
from .stages import (
    StageError,
    assign_workers,
    check_bounds,
    format_duration,
    parse_duration,
    parse_stages,
)

DEFAULT_URL = "http://127.0.0.1:8080/api"
DEFAULT_STAGES = "10:30s,50:1m,10:30s"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

EPILOG = """\
stages:
  A comma-separated list of RATE[:LENGTH]. RATE is requests per second for the whole test and
  may be fractional or 0 (a pause in which the fleet is still watched); LENGTH is like 30s, 2m,
  1m30s (default: --stage-length). Example: 20:1m,200:5m,20:2m,0:10m.

how the rate is made:
  hey paces each worker (-q is per worker), so a stage of R rps runs c = ceil(R / --worker-rate)
  workers (at most --max-workers), each at R / c requests per second. A worker waits for each
  response before its next request, so the rate holds while responses take less than c / R
  seconds; the report shows the achieved rate beside the target. hey is run in back-to-back
  batches of --batch seconds so that progress is live and a kill loses at most one batch.

exit codes:
  0 done, every stage within --max-error-percent; 1 a stage had more errors than that, or hey
  failed; 2 bad usage (bad stages, over a limit, bad URL, hey missing, output folder in use);
  130 stopped by Ctrl-C (what was measured is still written and reported).
"""


def _url(text: str) -> str:
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except StageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _duration_or_zero(text: str) -> float:
    return 0.0 if text.strip() in {"0", "0s"} else _duration(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scaleout.loadtest",
        description="Staged HTTP load with hey, with the ECS fleet watched while it runs, and a "
        "report (summary.md, timeline.png) of how it scaled.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    load = parser.add_argument_group("load")
    load.add_argument(
        "--url",
        type=_url,
        default=None,
        help=f"URL to load (default: {DEFAULT_URL}; with --env aws, the stack's load balancer)",
    )
    load.add_argument(
        "--stages",
        default=DEFAULT_STAGES,
        help=f"RATE[:LENGTH],... (see below; default: {DEFAULT_STAGES})",
    )
    load.add_argument(
        "--stage-length",
        type=_duration,
        default=60.0,
        metavar="LENGTH",
        help="length of a stage given without one (default: 1m)",
    )
    load.add_argument(
        "--worker-rate",
        type=_positive,
        default=5.0,
        metavar="RPS",
        help="most requests per second asked of one hey worker (default: 5)",
    )
    load.add_argument(
        "--max-workers",
        type=int,
        default=500,
        help="most hey workers (-c) in a stage (default: 500)",
    )
    load.add_argument(
        "--batch",
        type=_positive,
        default=1.0,
        metavar="SECONDS",
        help="length of each hey run within a stage (default: 1)",
    )
    load.add_argument(
        "--timeout",
        type=_positive,
        default=10.0,
        metavar="SECONDS",
        help="per-request timeout (hey -t; default: 10)",
    )
    load.add_argument(
        "--method",
        default="GET",
        choices=["GET", "HEAD", "OPTIONS"],
        help="HTTP method (default: GET)",
    )
    load.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra request header (repeatable)",
    )
    load.add_argument("--hey", default="hey", help="the hey program (default: hey on PATH)")
    limits = parser.add_argument_group("limits and checks")
    limits.add_argument(
        "--max-requests",
        type=int,
        default=1_000_000,
        help="refuse stages that add up to more requests (default: 1000000)",
    )
    limits.add_argument(
        "--max-duration",
        type=_duration,
        default=3600.0,
        metavar="LENGTH",
        help="refuse stages that add up to longer (default: 1h)",
    )
    limits.add_argument(
        "--max-error-percent",
        type=float,
        default=1.0,
        metavar="PCT",
        help="exit 1 when a stage has more errors than this share (default: 1)",
    )
    limits.add_argument(
        "--loopback-only",
        action="store_true",
        help="refuse a URL that is not on this machine (tests use this)",
    )
    fleet = parser.add_argument_group(
        "fleet (optional: watched when --cluster and --service are given)"
    )
    fleet.add_argument(
        "--env",
        default=None,
        metavar="NAME",
        help="watch the stack of ansible/inventories/NAME: its cluster and service (both named "
        "after the stack), region and endpoint (local: the emulator; aws: real AWS); the flags "
        "below override each",
    )
    add_fleet_arguments(fleet, required=False)
    fleet.add_argument(
        "--observe-before",
        type=_duration_or_zero,
        default=15.0,
        metavar="LENGTH",
        help="watch the fleet this long before the load, as a baseline (default: 15s)",
    )
    fleet.add_argument(
        "--observe-after",
        type=_duration_or_zero,
        default=0.0,
        metavar="LENGTH",
        help="keep watching after the load, up to this long, until the service is "
        "back at its minimum task count (default: 0; scale-in takes minutes)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results folder, new or empty (default: loadtest-runs/<UTC time>)",
    )
    output.add_argument(
        "--no-report",
        action="store_true",
        help="write the measurements only, not summary.md and timeline.png",
    )
    output.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list]:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        stages = parse_stages(args.stages, args.stage_length)
        if args.max_workers < 1:
            raise StageError("--max-workers must be 1 or more")
        stages = assign_workers(stages, args.worker_rate, args.max_workers)
        check_bounds(stages, args.max_requests, args.max_duration)
    except StageError as exc:
        parser.error(str(exc))
    if args.env:
        try:
            args.environment = environment.read(args.env)
        except environment.UnknownEnvironment as exc:
            parser.error(f"--env: {exc}")
        env = args.environment
        args.cluster = args.cluster or env.stack
        args.service = args.service or env.stack
        args.region = args.region or env.region
        args.endpoint_url = args.endpoint_url or env.endpoint_url
        if args.url is None and env.is_local:
            args.url = DEFAULT_URL
    elif args.url is None:
        args.url = DEFAULT_URL
    if args.url is not None and args.loopback_only and not _is_loopback(args.url):
        parser.error(f"--loopback-only: {args.url} is not on this machine")
    if bool(args.cluster) != bool(args.service):
        parser.error("--cluster and --service go together")
    if args.interval <= 0 or args.metrics_interval <= 0:
        parser.error("--interval and --metrics-interval must be positive")
    for header in args.header:
        if ":" not in header:
            parser.error(f"--header {header!r}: write it as 'Name: value'")
    hey_path = shutil.which(args.hey)
    if not hey_path:
        parser.error(f"{args.hey} is not installed or not on PATH (make system-deps installs hey)")
    args.hey = hey_path
    return args, stages


def _clients(endpoint_url: str | None, region: str | None):
    """boto3 clients for the observer. The emulator takes any credentials, so for a loopback
    endpoint with none in the environment, fake ones are used rather than failing."""
    if endpoint_url and _is_loopback(endpoint_url) and not os.environ.get("AWS_ACCESS_KEY_ID"):
        import boto3

        from scaleout.emulator import FAKE_CREDENTIALS, REGION

        session = boto3.session.Session(
            **{k.lower(): v for k, v in FAKE_CREDENTIALS.items()},
            region_name=region or REGION,
        )
        return client_factory(endpoint_url, region, session=session)
    return client_factory(endpoint_url, region)


def _wait(stopper: Stopper, seconds: float, done=lambda: False) -> None:
    deadline = time.monotonic() + seconds
    while not stopper.requested and not done() and time.monotonic() < deadline:
        stopper.event.wait(min(1.0, deadline - time.monotonic()))


def main(argv: list[str] | None = None) -> int:
    args, stages = parse_args(argv)
    if args.url is None:  # --env aws without a URL: the stack's load balancer
        try:
            args.url = environment.load_balancer_url(
                args.environment, client_factory(args.endpoint_url, args.region)
            )
        except environment.UnknownEnvironment as exc:
            print(f"loadtest: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if args.loopback_only and not _is_loopback(args.url):
            print(f"loadtest: --loopback-only: {args.url} is not on this machine", file=sys.stderr)
            return EXIT_USAGE
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out: Path = args.out or Path("loadtest-runs") / stamp
    if out.exists() and any(out.iterdir()):
        print(f"loadtest: {out} already holds files; give a new or empty --out", file=sys.stderr)
        return EXIT_USAGE
    out.mkdir(parents=True, exist_ok=True)
    progress = None if args.quiet else sys.stderr

    load = LoadRun(
        args.url,
        stages,
        args.hey,
        args.timeout,
        args.batch,
        args.header,
        args.method,
        run_id=stamp,
        progress=progress,
    )
    previous = {
        s: signal.signal(s, lambda *_: load.stopper.press())
        for s in (signal.SIGINT, signal.SIGTERM)
    }
    observer = None
    try:
        if args.cluster:
            observer = FleetObserver(
                args.cluster,
                args.service,
                out / results.FLEET_FILE,
                _clients(args.endpoint_url, args.region),
                interval=args.interval,
                metrics_interval=args.metrics_interval,
                asg_names=args.asg,
            )
            observer.start()
            if progress and args.observe_before:
                print(
                    f"loadtest: watching {args.cluster}/{args.service} for "
                    f"{format_duration(args.observe_before)} before the load",
                    file=progress,
                )
            _wait(load.stopper, args.observe_before)
            # The report measures from the fleet as it was when the load began: wait (a little)
            # for a first sample if the API is slow to give one.
            _wait(load.stopper, 30, lambda: observer.samples > 0 or "service" in observer.missing)
        plan = ", ".join(
            f"{s.label()} ({s.workers} workers x {s.worker_rate:.3g}/s)" if s.rate else s.label()
            for s in stages
        )
        if progress:
            print(f"loadtest: {args.url}: {plan}; results in {out}", file=progress, flush=True)
        outcome = load.run()
        if observer and args.observe_after and not load.stopper.requested:
            if progress:
                print(
                    f"loadtest: load done; watching the fleet for up to "
                    f"{format_duration(args.observe_after)} until it is back at its minimum",
                    file=progress,
                    flush=True,
                )
            _wait(load.stopper, args.observe_after, observer.at_minimum)
    finally:
        if observer and not observer.stop():
            print(
                "loadtest: the fleet observer is still waiting on AWS; its record may miss "
                "the last poll",
                file=sys.stderr,
            )
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    requests = outcome.requests()
    run = {
        "tool": "scaleout.loadtest",
        "format": 1,
        "run_id": stamp,
        "url": args.url,
        "method": args.method,
        "started": outcome.started,
        "ended": outcome.ended,
        "outcome": "interrupted"
        if outcome.interrupted
        else ("failed" if outcome.failure else "completed"),
        "failure": outcome.failure,
        "planned_stages": [
            {
                "rate": s.rate,
                "seconds": s.seconds,
                "workers": s.workers,
                "worker_rate": round(s.worker_rate, 6),
            }
            for s in stages
        ],
        "stages": outcome.stages,
        "hey": {
            "path": args.hey,
            "timeout": args.timeout,
            "batch_seconds": args.batch,
            "worker_rate": args.worker_rate,
            "max_workers": args.max_workers,
        },
        "checks": {"max_error_percent": args.max_error_percent},
        "fleet": (
            {
                "cluster": args.cluster,
                "service": args.service,
                "file": results.FLEET_FILE,
                "missing": observer.missing,
            }
            if observer
            else None
        ),
    }
    (out / results.RUN_FILE).write_text(json.dumps(run, indent=2) + "\n")
    requests.write(out / results.REQUESTS_FILE)
    results.write_seconds(
        out / results.SECONDS_FILE, results.per_second(requests, outcome.ended - outcome.started)
    )
    figures = results.stage_figures(requests, outcome.stages)
    if not args.no_report:
        from . import report

        report.write(out)
    failed = [
        f
        for f in figures
        if f["requests"] and 100 * f["errors"] / f["requests"] > args.max_error_percent
    ]
    print(json.dumps(_result_line(out, run, figures, failed)))
    if outcome.failure:
        print(f"loadtest: hey failed: {outcome.failure}", file=sys.stderr)
        return EXIT_FAILED
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    return value


def _result_line(out: Path, run: dict[str, Any], figures: list[dict], failed: list[dict]) -> dict:
    return {
        "event": "loadtest",
        "out": str(out),
        "outcome": run["outcome"],
        "stages": [{k: _plain(v) for k, v in f.items()} for f in figures],
        "failed_stages": [f["index"] for f in failed],
    }


if __name__ == "__main__":
    sys.exit(main())
