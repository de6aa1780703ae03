"""Stages, durations, hey's workers and the tool's refusals: no load is sent here."""

from __future__ import annotations

import math

import pytest

from scaleout.loadtest import __main__ as cli
from scaleout.loadtest import environment
from scaleout.loadtest.stages import (
    Stage,
    StageError,
    assign_workers,
    check_bounds,
    parse_duration,
    parse_stages,
)
from tests.conftest import require_tool
from tests.loadtest.loadtest_support import run_tool


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("1.5s", 1.5), ("2m", 120), ("1m30s", 90), ("1h", 3600)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-3s", "3x", "m", "1m30", "nan"])
def test_bad_durations(text):
    with pytest.raises(StageError):
        parse_duration(text)


def test_stages_take_a_default_length_and_allow_pauses():
    stages = parse_stages("10:30s, 200 ,0:2m,2.5:1m30s", default_seconds=45)
    assert [(s.rate, s.seconds) for s in stages] == [(10, 30), (200, 45), (0, 120), (2.5, 90)]


@pytest.mark.parametrize("spec", ["", "10:30s,", "x:30s", "-1:30s", "10:soon", "inf:1s"])
def test_bad_stages(spec):
    with pytest.raises(StageError):
        parse_stages(spec, default_seconds=60)


@pytest.mark.parametrize("rate", [0.5, 1, 5, 7, 50, 333, 1000])
def test_workers_times_their_pace_make_the_total_rate(rate):
    (stage,) = assign_workers([Stage(rate, 10)], worker_rate=5, max_workers=500)
    assert stage.workers == max(1, math.ceil(rate / 5))
    assert stage.worker_rate <= 5
    assert stage.workers * stage.worker_rate == pytest.approx(rate)


def test_the_worker_cap_raises_each_workers_pace():
    (stage,) = assign_workers([Stage(1000, 10)], worker_rate=5, max_workers=100)
    assert (stage.workers, stage.worker_rate) == (100, 10)


def test_a_pause_needs_no_workers():
    (stage,) = assign_workers([Stage(0, 10)], worker_rate=5, max_workers=100)
    assert stage.workers == 0


def test_limits_refuse_a_plan_too_big_or_too_long():
    stages = [Stage(100, 60), Stage(200, 60)]  # 18,000 requests over 2 minutes
    check_bounds(stages, max_requests=18_000, max_seconds=120)
    with pytest.raises(StageError, match="18,000 requests"):
        check_bounds(stages, max_requests=17_999, max_seconds=120)
    with pytest.raises(StageError, match="2m"):
        check_bounds(stages, max_requests=18_000, max_seconds=119)


def test_every_flag_is_explained():
    parser = cli.build_parser()
    for action in parser._actions:
        assert action.help, f"{action.option_strings} has no help"
    text = run_tool("--help").stdout
    assert "-q is per worker" in text
    assert "exit codes" in text


@pytest.mark.parametrize(
    "args",
    [
        ["--stages", "10:1s,fast"],
        ["--stages", "1000:10m", "--max-requests", "1000"],
        ["--stages", "1:2h"],
        ["--url", "ftp://127.0.0.1/x"],
        ["--url", "http://192.0.2.1/api", "--loopback-only", "--stages", "1:1s"],
        ["--cluster", "only-a-cluster"],
        ["--header", "no colon"],
        ["--hey", "/nonexistent/hey"],
    ],
)
def test_bad_usage_exits_2_before_any_load(args, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main([*args, "--out", str(tmp_path / "run")])
    assert stopped.value.code == 2, capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_an_output_folder_in_use_is_refused(tmp_path, capsys):
    require_tool("hey")
    (tmp_path / "old.txt").write_text("a previous run")
    assert (
        cli.main(["--stages", "1:1s", "--url", "http://127.0.0.1:9/api", "--out", str(tmp_path)])
        == 2
    )
    assert "already holds files" in capsys.readouterr().err


def test_env_finds_the_stack_as_the_roles_name_it():
    from scaleout.plan.variables import load_environment

    for name in ("local", "aws"):
        variables = load_environment(name)
        env = environment.read(name)
        assert env.stack == f"{variables['project_name']}-{variables['project_env']}"
        assert env.region == variables["project_region"]
        assert env.is_local == (name == "local")


def test_an_unknown_env_is_bad_usage(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--env", "nowhere", "--out", str(tmp_path / "run")])
    assert stopped.value.code == 2
    assert "no environment 'nowhere'" in capsys.readouterr().err
