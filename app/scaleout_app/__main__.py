"""`python -m scaleout_app`: serve the app with the settings in the environment.

Variables (all optional):
  APP_HOST                      address to listen on (0.0.0.0)
  APP_PORT                      port to listen on (8080)
  APP_THREADS                   worker threads; 0 serves on the event loop itself (0)
  APP_DRAIN_SECONDS             after SIGTERM, keep accepting while /healthz says 503 (1)
  APP_SHUTDOWN_GRACE_SECONDS    after SIGTERM, the most time to finish in-flight requests (20)
  APP_ACCESS_LOG                one JSON line per request on stdout: on/off (on)
  APP_MAX_REQUEST_HEADER_BYTES  larger request headers get 431 (16384)
  APP_MAX_REQUEST_BODY_BYTES    larger request bodies get 413 (1048576)
  APP_PROXY_HOPS                proxies in front whose X-Forwarded-For is trusted (1: the ALB)

Exit codes: 0 stopped cleanly, 1 requests were cut at the grace deadline, 2 bad configuration.
"""

from __future__ import annotations

import sys

from . import Lifecycle, create_app
from .access_log import _stdout_line
from .config import ConfigError, load
from .server import serve


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    if argv:
        print(
            f"scaleout_app: takes no arguments (got {' '.join(argv)}); see --help", file=sys.stderr
        )
        return 2
    try:
        settings = load()
    except ConfigError as exc:
        print(f"scaleout_app: configuration error: {exc}", file=sys.stderr)
        return 2
    lifecycle = Lifecycle()
    app = create_app(
        {
            "ACCESS_LOG": settings.access_log,
            "PROXY_HOPS": settings.proxy_hops,
            "LIFECYCLE": lifecycle,
        }
    )
    try:
        return serve(app, settings, lifecycle, _stdout_line)
    except OSError as exc:  # the port is taken, or the address is not ours
        print(
            f"scaleout_app: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
