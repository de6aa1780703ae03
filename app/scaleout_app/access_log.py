"""One JSON line per request, and a request id on every response.

The id comes from the client's X-Request-Id when it is sane, else from the ALB's
X-Amzn-Trace-Id, else it is made here; it is echoed in the X-Request-Id response header so a
client can quote it.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

_SANE_ID = re.compile(r"[A-Za-z0-9._:=;+/-]{1,128}")


def _stdout_line(line: bytes) -> None:
    # One write(2) per line: lines from different threads never interleave (a pipe write of
    # less than PIPE_BUF bytes is atomic), and nothing is held in a buffer at exit.
    os.write(1, line)


def request_id(environ: dict[str, Any]) -> str:
    for key in ("HTTP_X_REQUEST_ID", "HTTP_X_AMZN_TRACE_ID"):
        value = environ.get(key)
        if value and _SANE_ID.fullmatch(value):
            return value
    # Unique enough to find a request in the logs, without a system call per request.
    return f"{random.getrandbits(64):016x}"


def log_line(**fields: Any) -> bytes:
    return json.dumps(fields, separators=(",", ":")).encode() + b"\n"


# The access line, filled in place: the same bytes log_line() writes for these fields, for a
# third of its cost. Fields a client controls (method, path, remote via X-Forwarded-For) go
# through json.dumps; the request id is already limited to _SANE_ID's JSON-safe characters.
_ACCESS = (
    '{"ts":%r,"method":%s,"path":%s,"status":%d,"duration_ms":%r,"request_id":"%s","remote":%s}\n'
)
_quote = json.dumps


def access_line(
    ts: float, method: str, path: str, status: int, duration_ms: float, rid: str, remote: str
) -> bytes:
    return (
        _ACCESS % (ts, _quote(method), _quote(path), status, duration_ms, rid, _quote(remote))
    ).encode()


class AccessLog:
    """WSGI middleware: request id in and out, and (when enabled) the access log line."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        enabled: bool = True,
        write: Callable[[bytes], None] | None = None,
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.write = _stdout_line if write is None else write

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        rid = request_id(environ)
        environ["scaleout.request_id"] = rid
        seen: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append(("X-Request-Id", rid))
            seen.append(status)
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        if self.enabled:
            self.write(
                access_line(
                    round(time.time(), 3),
                    environ.get("REQUEST_METHOD", ""),
                    environ.get("PATH_INFO", ""),
                    int(seen[-1][:3]) if seen else 0,
                    round((time.perf_counter() - started) * 1000, 3),
                    rid,
                    environ.get("REMOTE_ADDR", ""),
                )
            )
        return body
