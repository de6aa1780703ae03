"""`python -m scaleout.plan`: the capacity plan and policy check, before anything is created.

Reads the stack's variables from the inventory the playbooks use (the files of
ansible/inventories/<env>/group_vars/all/: base.yml, then the environment's overrides), works
out how many tasks fit on an instance, whether the maximum task count is reachable, how long
a deploy and a scale-out take at most, and what the stack costs per hour at its minimum and
maximum, then lists what will fail or surprise. Needs no AWS account and makes no AWS call.

Exit codes: 0 no errors (warnings allowed), 1 errors found (or a variable the plan needs is
missing or unusable), 2 bad usage (unknown flag, unreadable vars file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import render, timing
from .model import Load, Plan, benchmark_task_rps, build
from .settings import read_settings
from .variables import (
    UsageError,
    VariableError,
    apply_overrides,
    environment_files,
    load_environment,
    load_vars,
)

ROOT = Path(__file__).resolve().parents[2]
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m scaleout.plan",
        description=__doc__.split("\n\n")[1],
        epilog="Exit codes: 0 ok (warnings allowed), 1 errors found, 2 bad usage.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--env",
        default="local",
        help="environment whose inventory to read: the files of "
        "ansible/inventories/ENV/group_vars/all/, in Ansible's order (default: local)",
    )
    p.add_argument(
        "--vars",
        type=Path,
        metavar="FILE",
        help="read the variables from FILE (YAML or JSON; - for standard input) instead of "
        "the environment's group_vars",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one variable (repeatable); VALUE is read as YAML, the project_ prefix "
        "may be left out, and NAME.KEY sets one key of a mapping, e.g. --set max_tasks=20 "
        "--set container_environment.APP_DRAIN_SECONDS=5",
    )
    p.add_argument(
        "--loadtest-rps",
        type=float,
        metavar="RPS",
        help="the peak request rate (requests per second, whole test) the load test will ask "
        "for: flags a project_max_tasks too low to serve it",
    )
    p.add_argument(
        "--loadtest-stages",
        metavar="SPEC",
        help="the load test's STAGES (RATE[:LENGTH],...): its highest RATE is used as "
        "--loadtest-rps",
    )
    p.add_argument(
        "--task-rps",
        type=float,
        metavar="RPS",
        help="requests per second one task serves at 100%% of its CPU (default: the per-core "
        "figure for our service in benchmarks/RESULTS.md, scaled to project_task_cpu)",
    )
    p.add_argument(
        "--assume",
        action="append",
        default=[],
        metavar="NAME=SECONDS",
        help="change a timing assumption (repeatable): "
        + ", ".join(f"{k} ({v:g} s)" for k, (v, _) in timing.ASSUMPTIONS.items()),
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument(
        "--json", action="store_true", help="print the plan as one JSON object (for workflows)"
    )
    out.add_argument(
        "--markdown",
        action="store_true",
        help="print Markdown tables (for $GITHUB_STEP_SUMMARY)",
    )
    out.add_argument(
        "--quiet",
        action="store_true",
        help="print only the findings and the verdict (for ansible/site.yml)",
    )
    return p


def peak_rate(spec: str) -> float:
    rates = []
    for item in spec.split(","):
        rate = item.partition(":")[0].strip()
        try:
            rates.append(float(rate))
        except ValueError:
            raise UsageError(f"--loadtest-stages: {rate!r} is not a request rate") from None
    return max(rates)


def assumptions(pairs: list[str]) -> timing.Assumptions:
    overrides = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in timing.ASSUMPTIONS:
            raise UsageError(f"--assume {pair!r}: NAME is one of {', '.join(timing.ASSUMPTIONS)}")
        try:
            overrides[name] = float(value)
        except ValueError:
            raise UsageError(f"--assume {pair!r}: {value!r} is not seconds") from None
        if overrides[name] < 0:
            raise UsageError(f"--assume {pair!r}: seconds cannot be negative")
    return timing.Assumptions.with_overrides(overrides)


def shown_path(path: Path) -> str:
    """A vars file as a person would type it: from the checkout, past links (00-base.yml is
    base.yml)."""
    if str(path) == "-":
        return "standard input"
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def make_plan(args: argparse.Namespace) -> tuple[Plan, str]:
    if args.vars:
        files = [args.vars]
        variables = apply_overrides(load_vars(args.vars), args.set)
    else:
        files = environment_files(args.env)
        variables = apply_overrides(load_environment(args.env), args.set)
    settings = read_settings(variables)
    rps = args.loadtest_rps
    if args.loadtest_stages:
        rps = peak_rate(args.loadtest_stages)
    if rps is not None and rps <= 0:
        raise UsageError("the load test rate must be above 0")
    task_rps, task_source = args.task_rps, "--task-rps"
    if task_rps is not None and task_rps <= 0:
        raise UsageError("--task-rps must be above 0")
    if task_rps is None:
        found = benchmark_task_rps(RESULTS_MD, settings.task_cpu)
        if found:
            task_rps, task_source = found
    load = Load(rps, task_rps, task_source if task_rps else "")
    shown = " then ".join(shown_path(path) for path in files)
    return build(settings, assumptions=assumptions(args.assume), load=load), shown


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        plan, source = make_plan(args)
    except UsageError as exc:
        print(f"plan: {exc}", file=sys.stderr)
        return 2
    except VariableError as exc:
        problems = [{"variable": name, "problem": why} for name, why in exc.problems]
        if args.json:
            print(json.dumps({"verdict": "errors", "errors": len(problems), "problems": problems}))
        else:
            for item in problems:
                print(f"ERROR   {item['variable']}: {item['problem']}")
            print(f"Verdict: FAIL, the plan cannot read {len(problems)} variable(s)")
        return 1

    if args.json:
        print(json.dumps(render.as_json(plan, source), indent=2))
    elif args.markdown:
        sys.stdout.write(render.markdown(plan, source))
    elif args.quiet:
        sys.stdout.write(render.quiet(plan))
    else:
        sys.stdout.write(render.text(plan, source))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and not args.markdown:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(render.markdown(plan, source))
    return 1 if plan.errors else 0


if __name__ == "__main__":
    sys.exit(main())
