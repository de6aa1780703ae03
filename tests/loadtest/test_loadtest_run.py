"""A real hey, through the tool, against a real waitress server on a free loopback port.

The tool tags each request with its run and stage in X-Request-Id, and the server logs that id
with every request: so what the tool says it sent in each stage is checked against what the
server says it answered, request by request, not by timing.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_tool
from tests.loadtest.loadtest_support import result_line, run_tool


@pytest.fixture(autouse=True)
def _hey():
    require_tool("hey", "the load test drives hey")


def stage_of(request_id: str) -> int:
    # loadtest-<run id>-s<stage>
    assert request_id.startswith("loadtest-"), request_id
    return int(request_id.rsplit("-s", 1)[1])


def read_requests(folder: Path) -> list[dict]:
    with gzip.open(folder / "requests.csv.gz", "rt", newline="") as handle:
        return list(csv.DictReader(handle))


def nearest_rank(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


@pytest.mark.slow
def test_stage_figures_agree_with_what_the_server_counted(server, tmp_path):
    out = tmp_path / "run"
    result = run_tool(
        "--url",
        server.url(),
        "--stages",
        "15:2s,40:2s,0:1s,10:1s",
        "--out",
        str(out),
        "--loopback-only",
    )
    assert result.returncode == 0, result.stderr
    figures = result_line(result.stdout)["stages"]

    served = server.requests()
    by_stage = Counter(stage_of(line["request_id"]) for line in served)
    assert all(line["status"] == 200 and line["path"] == "/api" for line in served)
    # Every stage: the server answered exactly what the tool counted, and nothing failed.
    assert [f["requests"] for f in figures] == [by_stage.get(i, 0) for i in (1, 2, 3, 4)]
    assert by_stage[1] > 0 and by_stage[2] > by_stage[1] and by_stage[4] > 0
    assert 3 not in by_stage  # the pause sent nothing
    assert [f["errors"] for f in figures] == [0, 0, 0, 0]
    # The planned count per stage is what hey was asked to send; all of it arrived.
    stages = json.loads((out / "run.json").read_text())["stages"]
    assert [s["planned"] for s in stages] == [by_stage.get(i, 0) for i in (1, 2, 3, 4)]

    rows = read_requests(out)
    assert len(rows) == len(served)
    for index in (1, 2, 4):
        client = [float(r["latency_ms"]) for r in rows if r["stage"] == str(index)]
        server_side = [
            line["duration_ms"] for line in served if stage_of(line["request_id"]) == index
        ]
        # The tool's percentiles are those of its own rows...
        for p in (50, 95, 99):
            assert figures[index - 1][f"p{p}"] == pytest.approx(nearest_rank(client, p), abs=0.001)
        # ...and a client waits at least as long as the server works on each request, so every
        # client percentile is at least the server's (clock resolution aside).
        for p in (50, 95, 99):
            assert nearest_rank(client, p) + 0.2 >= nearest_rank(server_side, p)
    # The achieved rate is the stage's requests over the time it really lasted. The result line
    # rounds it to 3 decimals; the summary prints it to 1 from the unrounded figure in run.json
    # (rounding the rounded value again can differ: 14.95004 -> 14.95 -> "14.9", not "15.0").
    achieved = [
        f["requests"] / (s["end"] - s["start"]) for f, s in zip(figures, stages, strict=True)
    ]
    assert [f["achieved_rate"] for f in figures] == pytest.approx(achieved, abs=0.0005)
    # Every request started inside its own stage's window (the stages follow one another).
    for row in rows:
        stage = stages[int(row["stage"]) - 1]
        assert stage["start"] <= float(row["t"]) <= stage["end"]

    summary = (out / "summary.md").read_text()
    for f in figures:
        assert f"| {f['index']} | {f['target_rate']:g} rps |" in summary
        assert f"| {f['requests']:,} | {achieved[f['index'] - 1]:.1f} rps |" in summary
    assert (out / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "seconds.csv").read_text().startswith("second,requests,errors,")


def test_error_responses_are_counted_per_stage(server, tmp_path):
    out = tmp_path / "run"
    result = run_tool(
        "--url",
        server.url("/no-such-page"),
        "--stages",
        "10:1s,20:1s",
        "--out",
        str(out),
        "--no-report",
    )
    assert result.returncode == 1, result.stderr  # every stage is over the 1 % error limit
    figures = result_line(result.stdout)["stages"]
    served = Counter((stage_of(line["request_id"]), line["status"]) for line in server.requests())
    for f in figures:
        assert f["errors"] == f["requests"] == served[(f["index"], 404)] > 0
        assert f["error_kinds"] == {"404": f["requests"]}
    assert result_line(result.stdout)["failed_stages"] == [1, 2]


def test_requests_without_a_response_are_counted(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "run"
    result = run_tool(
        "--url",
        f"http://127.0.0.1:{port}/api",
        "--stages",
        "8:1s",
        "--out",
        str(out),
        "--no-report",
        "--max-error-percent",
        "100",
    )
    assert result.returncode == 0, result.stderr
    (figure,) = result_line(result.stdout)["stages"]
    assert figure["requests"] == figure["errors"] == 8
    assert figure["error_kinds"] == {"no response": 8}
    assert {r["status"] for r in read_requests(out)} == {"0"}


def test_ctrl_c_stops_cleanly_and_keeps_what_was_measured(server, tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}/app:{ROOT}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scaleout.loadtest",
            "--url",
            server.url(),
            "--stages",
            "20:60s",
            "--out",
            str(out),
            "--loopback-only",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        progress = []
        # Until a progress line counts a second's worth or more (a late batch is resized, so
        # the count need not pass through exactly 20).
        while not any(int(n) >= 20 for n in re.findall(r"requests (\d+) ", "".join(progress))):
            line = proc.stderr.readline()
            assert line, f"the load test ended early: {''.join(progress)}"
            progress.append(line)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert time.monotonic() - started < 30
    assert "stage 1/1 (20 rps)" in "".join(progress) and "left" in "".join(progress)
    run = json.loads((out / "run.json").read_text())
    assert run["outcome"] == "interrupted"
    (figure,) = result_line(stdout)["stages"]
    served = server.requests()
    # Whatever was sent before the stop was answered, and the record holds all of it.
    assert figure["requests"] == len(served) == len(read_requests(out)) >= 20
    assert figure["errors"] == 0
    assert (out / "summary.md").read_text().startswith("## Load test of")
    assert "interrupted" in (out / "summary.md").read_text()
