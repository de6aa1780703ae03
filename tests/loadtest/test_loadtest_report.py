"""The report from a recorded run (tests/loadtest/fixtures/scaling-run, made by make_fixture.py):
every figure in the Markdown is computed again here, from the raw files, without the package."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import math
import re
import shutil
import struct
from pathlib import Path

import pytest

from tests.loadtest.loadtest_support import run_tool

FIXTURE = Path(__file__).parent / "fixtures" / "scaling-run"
REPORT = "scaleout.loadtest.report"


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "run"
    shutil.copytree(FIXTURE, folder)
    result = run_tool(str(folder), module=REPORT)
    assert result.returncode == 0, result.stderr
    return folder


def nearest_rank(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def load_fixture():
    run = json.loads((FIXTURE / "run.json").read_text())
    with gzip.open(FIXTURE / "requests.csv.gz", "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = [json.loads(line) for line in (FIXTURE / "fleet.jsonl").read_text().splitlines()]
    return run, rows, records


def table(markdown: str, first_header: str) -> list[list[str]]:
    """The rows of the Markdown table whose first header cell is `first_header`, as cells."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def milliseconds(cell: str) -> float:
    value, unit = cell.split()
    return float(value) * (1000 if unit == "s" else 1)


def close_enough(cell: str, expected: float) -> bool:
    """The shown latency is `expected` rounded as the report rounds: to 0.1 ms below 100 ms,
    1 ms below 1 s, 10 ms above."""
    step = 0.1 if expected < 100 else (1 if expected < 1000 else 10)
    return abs(milliseconds(cell) - expected) <= step / 2 + 1e-9


def test_stage_rows_hold_the_figures_of_the_raw_requests(reported):
    run, rows, _ = load_fixture()
    markdown = (reported / "summary.md").read_text()
    shown = table(markdown, "Stage")
    assert len(shown) == len(run["stages"]) + 1  # and the "all" row
    for stage, cells in zip(run["stages"], shown, strict=False):
        mine = [r for r in rows if int(r["stage"]) == stage["index"]]
        errors = sum(1 for r in mine if r["status"] == "0" or int(r["status"]) >= 400)
        latencies = [float(r["latency_ms"]) for r in mine if r["latency_ms"]]
        assert cells[0] == str(stage["index"])
        assert cells[1] == f"{stage['rate']:g} rps"
        assert cells[4] == f"{len(mine):,}"
        achieved = len(mine) / (stage["end"] - stage["start"])
        assert float(cells[5].split()[0]) == pytest.approx(achieved, abs=0.05)
        if latencies:
            for cell, p in zip(cells[6:9], (50, 95, 99), strict=True):
                assert close_enough(cell, nearest_rank(latencies, p)), (stage["index"], p, cell)
        else:
            assert cells[6:9] == ["\u2013"] * 3
        assert cells[9].split()[0] == f"{errors:,}"
    everything = shown[-1]
    assert everything[0] == "**all**"
    assert everything[4] == f"{len(rows):,}"
    # The scaling stage really had errors, of two kinds, and the check says it failed.
    stage_two = [r["status"] for r in rows if r["stage"] == "2"]
    kinds = f"503 \u00d7 {stage_two.count('503'):,}, no response \u00d7 {stage_two.count('0'):,}"
    assert f"stage 2: {kinds}" in markdown
    assert "Error check: stage 2 over the 1 % limit." in markdown


def test_fleet_rows_hold_the_figures_of_the_raw_record(reported):
    run, rows, records = load_fixture()
    t0 = run["started"]
    samples = [r for r in records if r["kind"] == "sample"]
    service = [(r["ts"] - t0, r["service"]) for r in samples]
    first_busy = run["stages"][0]["start"]
    load_end = max(s["end"] for s in run["stages"] if s["rate"] > 0)
    base_t, base = [(t, s) for t, s in service if t <= first_busy][-1]
    minimum = next(r for r in records if r["kind"] == "discovered")["scalable_target"]["min"]

    # First scale-out: the earlier of the first poll seeing more desired tasks and the
    # Application Auto Scaling activity that asked for them.
    polled = next(t for t, s in service if t > base_t and s["desired"] > base["desired"])
    asked = [
        r["at"] - t0
        for r in records
        if r["kind"] == "event"
        and r["source"] == "application-autoscaling"
        and int(re.search(r"desired count to (\d+)", r["message"]).group(1)) > base["desired"]
    ]
    scale_out = min([polled, *asked])
    peak_running = max(s["running"] for _, s in service)
    peak_at = next(t for t, s in service if s["running"] == peak_running)
    peak_instances = max(r["asg"]["in_service"] for r in samples)
    back = next(
        t
        for t, s in service
        if t >= load_end
        and t > scale_out
        and s["desired"] <= minimum
        and s["running"] <= minimum
        and not s["pending"]
    )

    fleet = dict(table((reported / "summary.md").read_text(), "Fleet"))
    assert fleet["Tasks when the load began"].startswith(
        f"{base['desired']} desired, {base['running']} running (minimum {minimum})"
    )
    assert fleet["First scale-out"].startswith(
        f"{clock(scale_out - first_busy)} after the load began"
    )
    assert fleet["First scale-out"].endswith(f"desired {base['desired']} \u2192 4")
    assert fleet["Peak tasks"].startswith(f"{peak_running} running at {clock(peak_at)}")
    assert fleet["Peak instances"].startswith(f"{peak_instances} in service")
    assert fleet["Back to minimum"] == f"{clock(back - load_end)} after the load ended"

    # Errors while scaling: requests sent from the poll before a desired-count change until a
    # poll sees running == desired, nothing pending, and no further change.
    windows, opened = [], None
    for (t1, before), (t2, after) in itertools.pairwise(service):
        changed = after["desired"] != before["desired"]
        if opened is None and changed:
            opened = t1
        if (
            opened is not None
            and not changed
            and after["running"] == after["desired"]
            and not after["pending"]
        ):
            windows.append((opened, t2))
            opened = None
    inside = [r for r in rows if any(a <= float(r["t"]) <= b for a, b in windows)]
    errors = sum(1 for r in inside if r["status"] == "0" or int(r["status"]) >= 400)
    assert fleet["Errors while scaling"].startswith(
        f"{errors:,} of {len(inside):,} requests ({100 * errors / len(inside):.2f} %) "
        f"in {len(windows)} windows"
    )


def test_the_markdown_is_fit_for_a_github_step_summary(reported):
    markdown = (reported / "summary.md").read_text()
    assert len(markdown.encode()) < 1024 * 1024  # GitHub's limit per step
    assert "](" not in markdown  # no link or image that would break outside the run folder
    assert markdown.count("<details>") == markdown.count("</details>") == 1
    # Every table row has as many cells as its header.
    width = None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        cells = len(re.split(r"(?<!\\)\|", line.strip()[1:-1]))
        width = width or cells
        assert cells == width, line


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_timeline_is_drawn(reported):
    from matplotlib import image

    width, height = png_size(reported / "timeline.png")
    assert width >= 1200 and height > width * 0.7  # four panels, stacked
    pixels = image.imread(reported / "timeline.png")[..., :3]
    # Not blank: a good part of the picture is drawn (shading, lines, text).
    assert (pixels.min(axis=2) < 0.9).mean() > 0.2

    # The scale-out marker's green and the running tasks' blue are both on it.
    def has(rgb):
        return (abs(pixels - [c / 255 for c in rgb]).max(axis=2) < 0.03).sum() > 20

    assert has((0x2C, 0xA0, 0x2C)) and has((0x1F, 0x77, 0xB4))


def test_an_empty_interrupted_run_is_still_reported(tmp_path):
    run = {
        "url": "http://127.0.0.1:9/api",
        "method": "GET",
        "started": 1_790_000_000.0,
        "ended": 1_790_000_000.4,
        "outcome": "interrupted",
        "failure": "",
        "stages": [
            {
                "index": 1,
                "rate": 50.0,
                "seconds": 60.0,
                "workers": 10,
                "worker_rate": 5.0,
                "start": 0.0,
                "end": 0.4,
                "batches": 0,
                "planned": 0,
                "stopped_batches": 0,
            }
        ],
        "hey": {"batch_seconds": 1.0},
        "checks": {"max_error_percent": 1.0},
        "fleet": None,
    }
    (tmp_path / "run.json").write_text(json.dumps(run))
    with gzip.open(tmp_path / "requests.csv.gz", "wt") as handle:
        handle.write("t,latency_ms,status,stage\n")
    result = run_tool(str(tmp_path), "--print", module=REPORT)
    assert result.returncode == 0, result.stderr
    assert "interrupted" in result.stdout
    assert (
        "| 1 | 50 rps | 10 \u00d7 5/s | 0s | 0 | 0.0 rps | \u2013 | \u2013 | \u2013 | 0 (\u2013) |"
        in result.stdout
    )
    png_size(tmp_path / "timeline.png")


def test_a_folder_without_a_run_exits_1_and_bad_usage_2(tmp_path):
    assert run_tool(str(tmp_path), module=REPORT).returncode == 1
    assert run_tool(str(tmp_path / "nowhere"), module=REPORT).returncode == 2
