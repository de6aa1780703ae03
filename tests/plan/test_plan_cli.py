"""`python -m scaleout.plan`: exit codes, output modes, the JSON shape, the step summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from scaleout.plan.__main__ import main, parser
from tests.plan.plan_support import ORIGINAL_DESIGN, ROOT, read_local_vars


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_default_environment_passes_and_prints_the_table(capsys):
    code, out, _ = run(capsys)
    assert code == 0
    for heading in ("Capacity", "Time bounds", "Cost per hour", "Verdict: OK"):
        assert heading in out
    assert "max tasks reachable" in out
    # The files Ansible reads, in its order, past the link to the shared base.
    assert (
        "variables from ansible/inventories/base.yml then "
        "ansible/inventories/local/group_vars/all/10-environment.yml" in out
    )


def test_original_design_exits_1(capsys):
    code, out, _ = run(capsys, "--vars", str(ORIGINAL_DESIGN))
    assert code == 1
    assert "ERROR   max-tasks-unreachable" in out
    assert "ERROR   launch-configuration" in out
    assert "Verdict: FAIL" in out


def test_warnings_alone_exit_0(capsys):
    code, out, _ = run(capsys, "--set", "deploy_strategy=blue_green")
    assert code == 0
    assert "WARNING cpu-target-under-blue-green" in out
    assert "Verdict: OK with 1 warning(s)" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--no-such-flag"],
        ["--env", "nowhere"],
        ["--set", "no_equals_sign"],
        ["--assume", "warp_speed=1"],
        ["--assume", "app_start=soon"],
        ["--loadtest-stages", "fast:30s"],
        ["--task-rps", "0"],
        ["--json", "--markdown"],
    ],
)
def test_bad_usage_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as exited:
        sys.exit(main(argv))
    assert exited.value.code == 2
    assert capsys.readouterr().err


def test_unusable_variable_exits_1_and_names_it(capsys, tmp_path):
    broken = tmp_path / "all.yml"
    variables = {**read_local_vars(), "project_max_tasks": "lots"}
    variables["project_min_tasks"] = '{{ lookup("env", "MIN") }}'
    broken.write_text(yaml.safe_dump(variables))
    code, out, _ = run(capsys, "--vars", str(broken))
    assert code == 1
    assert "project_max_tasks" in out
    assert "project_min_tasks" in out
    code, out, _ = run(capsys, "--vars", str(broken), "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["verdict"] == "errors"
    assert {p["variable"] for p in doc["problems"]} == {"project_max_tasks", "project_min_tasks"}


def test_json_shape(capsys):
    code, out, _ = run(capsys, "--json", "--loadtest-rps", "100", "--task-rps", "50")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {
        "env",
        "vars_file",
        "verdict",
        "errors",
        "warnings",
        "summary",
        "capacity",
        "timing",
        "cost_per_hour_usd",
        "assumptions_seconds",
        "findings",
        "variables_read",
    }
    assert doc["verdict"] == "ok"
    assert doc["capacity"]["max_tasks_reachable"] is True
    assert set(doc["capacity"]["tasks_per_instance"]) == {
        "cpu",
        "memory",
        "network",
        "total",
        "limited_by",
    }
    assert set(doc["cost_per_hour_usd"]["at_max"]) == {
        "compute",
        "load_balancer",
        "public_ipv4",
        "total",
        "lcus",
        "public_ipv4_addresses",
    }
    assert doc["cost_per_hour_usd"]["at_max"]["lcus"] == pytest.approx(4.0)
    assert doc["timing"]["deploy_at_min_tasks"]["seconds"] > 0
    assert "project_max_tasks" in doc["variables_read"]


def test_json_findings_name_their_variables(capsys):
    code, out, _ = run(capsys, "--json", "--vars", str(ORIGINAL_DESIGN))
    assert code == 1
    doc = json.loads(out)
    assert doc["verdict"] == "errors"
    assert doc["errors"] == 3
    unreachable = next(f for f in doc["findings"] if f["code"] == "max-tasks-unreachable")
    assert unreachable["severity"] == "error"
    assert "project_max_tasks" in unreachable["variables"]
    assert doc["capacity"]["max_tasks_capacity"] == 15


def test_load_test_flags(capsys):
    code, out, _ = run(capsys, "--loadtest-stages", "10:30s,1000:2m,10", "--task-rps", "100")
    assert code == 1
    assert "max-tasks-below-load-test" in out
    code, out, _ = run(capsys, "--loadtest-rps", "200", "--task-rps", "100")
    assert code == 0


def test_set_overrides_short_and_dotted_names(capsys):
    code, out, _ = run(capsys, "--set", "max_tasks=9")
    assert code == 1
    assert "project_max_tasks is 9" in out
    code, out, _ = run(
        capsys, "--set", "container_environment.APP_SHUTDOWN_GRACE_SECONDS=40", "--quiet"
    )
    assert code == 1
    assert "app-killed-before-exit" in out


def test_quiet_prints_only_findings_and_verdict(capsys):
    code, out, _ = run(capsys, "--quiet")
    assert code == 0
    assert out == "Findings: none\n\nVerdict: OK\n"


def test_markdown_and_step_summary(capsys, monkeypatch, tmp_path):
    code, out, _ = run(capsys, "--markdown")
    assert code == 0
    assert "| capacity | value | how |" in out
    assert "**Verdict: OK**" in out
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(capsys, "--json")
    assert code == 0
    json.loads(out)  # stdout stays pure JSON
    assert "| time bound | value | how |" in summary.read_text()


def test_help_explains_every_flag():
    text = parser().format_help()
    for flag in (
        "--env",
        "--vars",
        "--set",
        "--loadtest-rps",
        "--loadtest-stages",
        "--task-rps",
        "--assume",
        "--json",
        "--markdown",
        "--quiet",
    ):
        assert flag in text
    assert "Exit codes" in text


def test_module_entry_point_runs():
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    done = subprocess.run(
        [sys.executable, "-m", "scaleout.plan", "--env", "aws", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["env"] == "aws"


def test_variables_as_json_on_standard_input():
    """What ansible/site.yml does: every project_* variable as Ansible resolved it."""
    variables = read_local_vars()
    variables["project_stack_name"] = "http-scale-out-local"
    variables["project_max_tasks"] = 99
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    done = subprocess.run(
        [sys.executable, "-m", "scaleout.plan", "--vars", "-", "--quiet"],
        cwd=ROOT,
        env=env,
        input=json.dumps(variables),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "project_max_tasks is 99" in done.stdout
    assert done.stdout.rstrip().endswith("Verdict: FAIL, 1 error(s), 0 warning(s)")
