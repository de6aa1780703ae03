"""`python -m scaleout.local up|down|status`: the whole thing on this machine.

up      start the emulator (background), provision the stack into it, build the image, record it
        in the emulated ECR, deploy it, and serve it on http://127.0.0.1:8080 (the container
        when a Docker engine answers, otherwise the app under waitress). Run again: converges.
down    stop what `up` started and remove its state.
status  what is running.

State (pids, logs) lives in --state-dir (default .state/). Exit codes: 0 done, 1 a stage
failed (the message names it, what went wrong and what to do), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .stack import LocalStack, StageFailed

ROOT = Path(__file__).resolve().parents[2]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scaleout.local",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=ROOT / ".state",
        help="where pids and logs are kept (default: .state/)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        help="port the service answers on, on 127.0.0.1 (default: 8080)",
    )
    parser.add_argument(
        "--emulator-port",
        type=int,
        default=5000,
        help="port of the AWS emulator on 127.0.0.1 (default: 5000)",
    )
    parser.add_argument(
        "--base-image",
        default="python:3.11-slim-bookworm",
        help="base of the service image (default: python:3.11-slim-bookworm)",
    )
    parser.add_argument(
        "--no-docker",
        action="store_true",
        help="serve the app under waitress even when a Docker engine answers",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show Ansible's output, not one line per stage"
    )
    args = parser.parse_args(argv)
    for name in ("port", "emulator_port"):
        if not 1 <= getattr(args, name) <= 65535:
            parser.error(f"--{name.replace('_', '-')} must be a port from 1 to 65535")
    if args.port == args.emulator_port:
        parser.error("--port and --emulator-port must differ")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stack = LocalStack(
        root=ROOT,
        state_dir=args.state_dir,
        port=args.port,
        emulator_port=args.emulator_port,
        base_image=args.base_image,
        use_docker=not args.no_docker,
        verbose=args.verbose,
    )
    try:
        if args.command == "up":
            stack.up()
        elif args.command == "down":
            stack.down()
        else:
            return stack.status()
    except StageFailed as failure:
        print(f"\n{failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; `make down` removes what was started", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
