"""One run of `hey`: a fixed number of requests at a fixed pace, results as rows.

hey writes its CSV only when it exits, and lists only the requests that got an HTTP response:
a connection error or a timeout leaves no row. So each run is given an exact request count
(`-n`, a multiple of `-c`, since hey sends n/c per worker), and a finished run's missing rows
are exactly its requests that got no response. A run stopped early (Ctrl-C, or past its
deadline) cannot tell unsent from failed, so its missing rows are counted as unsent.
"""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_POLL = 0.05


@dataclass
class Batch:
    stage: int  # 1-based
    started: float  # wall clock (time.time()) just before hey started
    ended: float
    planned: int  # requests hey was asked to send
    rows: list[tuple[float, float, int]] = field(default_factory=list)  # (start, latency s, status)
    stopped: bool = False  # interrupted before it finished: missing rows may be unsent
    error: str = ""  # hey itself failed (bad flag, bad URL): what it said

    @property
    def no_response(self) -> int:
        """Requests sent that got no HTTP response (connection error or timeout)."""
        return 0 if self.stopped or self.error else max(0, self.planned - len(self.rows))


def parse_csv(text: str, started: float) -> list[tuple[float, float, int]]:
    """hey's `-o csv` (response-time,...,status-code,offset) as (start time, latency, status)."""
    rows = []
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return rows
    if header[0] != "response-time" or "status-code" not in header or "offset" not in header:
        raise ValueError(f"unexpected hey CSV header: {','.join(header)}")
    latency_col, status_col, offset_col = 0, header.index("status-code"), header.index("offset")
    for record in reader:
        if len(record) < len(header):
            continue  # a line cut short by a hard kill
        rows.append(
            (
                started + float(record[offset_col]),
                float(record[latency_col]),
                int(record[status_col]),
            )
        )
    return rows


def command(
    hey: str,
    url: str,
    requests: int,
    workers: int,
    worker_rate: float,
    timeout: float,
    headers: Sequence[str] = (),
    method: str = "GET",
) -> list[str]:
    cmd = [
        hey,
        "-n",
        str(requests),
        "-c",
        str(workers),
        "-q",
        f"{worker_rate:.6g}",
        "-t",
        f"{timeout:g}",
        "-m",
        method,
        "-o",
        "csv",
    ]
    for header in headers:
        cmd += ["-H", header]
    return [*cmd, url]


def run(
    cmd: list[str],
    stage: int,
    planned: int,
    soft_deadline: float,
    hard_deadline: float,
    should_stop: Callable[[], bool],
    should_abort: Callable[[], bool] = lambda: False,
) -> Batch:
    """Run hey to the end, or stop it: SIGINT (hey then prints what it has) when `should_stop()`
    turns true or at `soft_deadline` (wall clock); SIGKILL (its results are lost) when
    `should_abort()` turns true or at `hard_deadline`."""
    started = time.time()
    # A session of its own: Ctrl-C in the terminal reaches us only, and we stop hey ourselves.
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    batch = Batch(stage=stage, started=started, ended=started, planned=planned)
    out, err = "", ""
    interrupted = False
    while True:
        try:
            out, err = proc.communicate(timeout=_POLL)
            break
        except subprocess.TimeoutExpired:
            now = time.time()
            if not interrupted and (should_stop() or now >= soft_deadline):
                proc.send_signal(signal.SIGINT)
                interrupted = True
            if now >= hard_deadline or should_abort():
                proc.kill()
                interrupted = True
    batch.ended = time.time()
    batch.stopped = interrupted
    if proc.returncode not in (0, -signal.SIGINT) and not interrupted:
        batch.error = (err or out).strip() or f"hey exited with status {proc.returncode}"
        return batch
    batch.rows = parse_csv(out, started)
    return batch
