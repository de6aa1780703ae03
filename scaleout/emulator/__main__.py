"""`python -m scaleout.emulator`: run moto's server on loopback, patched for this stack.

Prints one JSON line once it listens, e.g. {"event": "listening", "endpoint_url": "http://127.0.0.1:5000"},
then serves until SIGTERM or Ctrl-C (after that line its stdout goes where its stderr does).
`--print-env URL` prints the shell lines that aim AWS tools at it. Exit codes: 0 stopped,
1 could not listen, 2 bad usage.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import shlex
import signal
import socket
import sys
import urllib.parse

from . import aimed_at


def _loopback(host: str) -> str:
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        f"{host!r} is not a loopback address: the emulator only listens on this machine"
    )


def _loopback_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise argparse.ArgumentTypeError(f"{url!r} is not an http:// URL")
    _loopback(parsed.hostname)
    return url.rstrip("/")


def shell_env(endpoint_url: str) -> str:
    """Shell lines that unset every other AWS_* variable (a profile, real keys) and export
    the emulator's fake credentials and endpoint. The region is left to the caller."""
    wanted = {
        k: v
        for k, v in aimed_at(endpoint_url).items()
        if k.startswith("AWS_") and k not in {"AWS_REGION", "AWS_DEFAULT_REGION"}
    }
    stale = sorted(
        k
        for k in os.environ
        if (k.startswith("AWS_") and k not in wanted and "REGION" not in k) or k == "BOTO_CONFIG"
    )
    lines = [f"unset {' '.join(stale)}"] if stale else []
    lines += [f"export {k}={shlex.quote(v)}" for k, v in wanted.items()]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scaleout.emulator",
        description="Run the AWS emulator (moto's server plus this project's patches) on loopback.",
    )
    parser.add_argument(
        "--host",
        type=_loopback,
        default="127.0.0.1",
        help="loopback address to listen on (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("EMULATOR_PORT", "5000")),
        help="port to listen on; 0 picks a free one (default: $EMULATOR_PORT or 5000)",
    )
    parser.add_argument(
        "--log-requests",
        action="store_true",
        help="log every request to stderr, as moto's server does (default: off)",
    )
    parser.add_argument(
        "--print-env",
        metavar="URL",
        type=_loopback_url,
        help="print the shell lines that aim AWS tools at the emulator at URL (fake "
        "credentials, the endpoint, no profile or config files) and exit, for "
        'eval "$(python -m scaleout.emulator --print-env http://127.0.0.1:5000)"',
    )
    parser.add_argument(
        "--no-patches",
        action="store_true",
        help="serve plain moto, without this project's patch layer (to compare)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.print_env:
        print(shell_env(args.print_env))
        return 0
    # Must be set before moto builds its IAM backend: the stack attaches AWS managed policies.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from .patches import apply as apply_patches

    applied = [] if args.no_patches else apply_patches()
    if not args.log_requests:
        # Werkzeug logs a line per request: thousands in one provision.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(
            f"emulator: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr
        )
        return 1
    sock.listen(128)
    host, port = sock.getsockname()[:2]
    os.environ["MOTO_PORT"] = str(port)  # moto builds some URLs (queues, presigned) from it

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        host, port, app, threaded=True, request_handler=MotoRequestHandler, fd=sock.fileno()
    )

    # Handler threads serve keep-alive connections from boto3 clients that may never close;
    # without these, stopping waits for each of them to time out.
    server.daemon_threads = True
    server.block_on_close = False

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(
        json.dumps(
            {"event": "listening", "endpoint_url": f"http://{host}:{port}", "patches": applied}
        ),
        flush=True,
    )
    # Nothing more goes to stdout: whoever waited for that line may close its end now.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    # The emulator keeps nothing: skip the interpreter's teardown of moto's backends, which
    # takes seconds, so that `make down` and every test session end promptly.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
