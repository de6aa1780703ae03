"""wrk, as the benchmarks use it: the command line and what its `--latency` output says.

Shared by the service benchmark (service_bench.py) and the soak (soak.py), so both read the
same figures the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


class WrkOutputError(ValueError):
    """wrk's output lacks a figure it always prints on a run that happened."""


@dataclass
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def command(
    url: str, connections: int, seconds: float, threads: int = 1, cpu: str | None = None
) -> list[str]:
    """wrk with latency percentiles, optionally pinned to `cpu` with taskset."""
    pin = ["taskset", "-c", cpu] if cpu else []
    return [*pin, "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", url]


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise WrkOutputError(f"{text!r} is not a duration")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse(output: str) -> WrkResult:
    """The figures of one wrk run's output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise WrkOutputError(f"cannot read wrk's output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests=int(total.group(1)),
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=sum(int(g) for g in sock.groups()) if sock else 0,
    )
