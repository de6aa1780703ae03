"""The house rules for .github/workflows that zizmor and GitHub's parser do not check.

Each `check_*` takes the loaded workflows ({file name: Workflow}) and returns the problems it
found as sentences; an empty list means the rule holds. The tests run every rule on the real
workflows (no problem allowed) and on deliberately broken copies (the problem must be found).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
LOCAL_PREFIXES = ("$/.github/workflows/", "./.github/workflows/")
PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(\S+))?\s*$")
VERSION = re.compile(r"^v\d+\.\d+\.\d+$")
AWS_ACTION = "aws-actions/configure-aws-credentials"
# What a run: step may call: a make target, one of our scripts, or one of our python -m tools.
RUN_CALLS = re.compile(
    r"^(?:make [a-z][\w-]*|sudo scripts/[\w.-]+|scripts/[\w.-]+"
    r"|(?:python|\.venv/bin/python) -m scaleout\.[\w.]+)(?:\s|$)"
)
LEVELS = {"none": 0, "read": 1, "write": 2}


@dataclass
class Workflow:
    name: str
    data: dict[str, Any]
    text: str

    @property
    def on(self) -> Any:
        # YAML 1.1 reads the bare key `on` as True.
        return self.data.get("on", self.data.get(True))

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        return self.data.get("jobs") or {}

    def call_inputs(self) -> dict[str, dict[str, Any]]:
        on = self.on
        if isinstance(on, dict) and isinstance(on.get("workflow_call"), dict):
            return on["workflow_call"].get("inputs") or {}
        return {}

    def dispatch_inputs(self) -> dict[str, dict[str, Any]]:
        on = self.on
        if isinstance(on, dict) and isinstance(on.get("workflow_dispatch"), dict):
            return on["workflow_dispatch"].get("inputs") or {}
        return {}


def load(directory: Path = WORKFLOWS) -> dict[str, Workflow]:
    found = {}
    for path in sorted(directory.glob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        found[path.name] = Workflow(path.name, yaml.safe_load(text), text)
    return found


def mutate(workflows: dict[str, Workflow], name: str, change) -> dict[str, Workflow]:
    """A copy of `workflows` in which `change(data)` altered one workflow's data."""
    broken = copy.deepcopy(workflows)
    change(broken[name].data)
    broken[name].text = yaml.safe_dump(broken[name].data, sort_keys=False)
    return broken


def mutate_text(
    workflows: dict[str, Workflow], name: str, old: str, new: str
) -> dict[str, Workflow]:
    """A copy of `workflows` in which one workflow's text had `old` replaced by `new`."""
    broken = copy.deepcopy(workflows)
    text = broken[name].text
    assert old in text, f"{old!r} is not in {name}"
    text = text.replace(old, new)
    broken[name] = Workflow(name, yaml.safe_load(text), text)
    return broken


def steps(workflow: Workflow):
    for job_id, job in workflow.jobs.items():
        for index, step in enumerate(job.get("steps") or []):
            yield job_id, index, step


def reusable_target(job: dict[str, Any]) -> str | None:
    uses = job.get("uses") or ""
    for prefix in LOCAL_PREFIXES:
        if uses.startswith(prefix):
            return uses[len(prefix) :]
    return None


def permissions_of(job: dict[str, Any]) -> dict[str, str]:
    granted = job.get("permissions")
    return dict(granted) if isinstance(granted, dict) else {}


def needed_permissions(workflow: Workflow) -> dict[str, str]:
    """What a reusable workflow's jobs ask for, the highest level per scope."""
    needed: dict[str, str] = {}
    for job in workflow.jobs.values():
        for scope, level in permissions_of(job).items():
            if LEVELS[level] > LEVELS.get(needed.get(scope, "none"), 0):
                needed[scope] = level
    return needed


# --- the rules --------------------------------------------------------------------------------


def check_top_level_permissions_empty(workflows: dict[str, Workflow]) -> list[str]:
    return [
        f"{w.name}: top-level permissions must be {{}} (jobs ask for what they need)"
        for w in workflows.values()
        if w.data.get("permissions") != {}
    ]


def check_timeouts(workflows: dict[str, Workflow]) -> list[str]:
    problems = []
    for w in workflows.values():
        for job_id, job in w.jobs.items():
            if "steps" in job and not isinstance(job.get("timeout-minutes"), int):
                problems.append(f"{w.name}: job {job_id} has no timeout-minutes")
    return problems


def check_pins(workflows: dict[str, Workflow]) -> list[str]:
    """Every remote `uses:` is a full commit SHA with a # vX.Y.Z comment, the same everywhere."""
    problems = []
    seen: dict[str, tuple[str, str, str]] = {}
    for w in workflows.values():
        for number, line in enumerate(w.text.splitlines(), 1):
            match = USES_LINE.match(line)
            if not match:
                continue
            ref, comment = match.group(1), match.group(2)
            if ref.startswith(LOCAL_PREFIXES):
                continue
            where = f"{w.name}:{number}"
            if not PIN.match(ref):
                problems.append(f"{where}: {ref} is not pinned to a full commit SHA")
                continue
            if not comment or not VERSION.match(comment):
                problems.append(f"{where}: {ref} has no '# vX.Y.Z' comment")
                continue
            action, sha = ref.split("@")
            if action in seen and seen[action][:2] != (sha, comment):
                problems.append(
                    f"{where}: {action} is pinned to {sha} {comment} here but "
                    f"{seen[action][0]} {seen[action][1]} in {seen[action][2]}"
                )
            seen.setdefault(action, (sha, comment, where))
    return problems


def check_run_steps(workflows: dict[str, Workflow]) -> list[str]:
    """A run: step is one line that calls a make target or one of our scripts, with no
    ${{ }} in it (values come in through env:)."""
    problems = []
    for w in workflows.values():
        for job_id, index, step in steps(w):
            run = step.get("run")
            if run is None:
                continue
            where = f"{w.name}: job {job_id} step {index + 1}"
            if "${{" in run:
                problems.append(f"{where}: ${{{{ }}}} inside run: (pass it through env:)")
            if "\n" in run.strip():
                problems.append(f"{where}: run: is more than one line")
            if not RUN_CALLS.match(run.strip()):
                problems.append(f"{where}: run: calls neither make nor our scripts: {run!r}")
    return problems


def check_checkout(workflows: dict[str, Workflow]) -> list[str]:
    problems = []
    for w in workflows.values():
        for job_id, index, step in steps(w):
            checkout = str(step.get("uses", "")).startswith("actions/checkout@")
            if checkout and (step.get("with") or {}).get("persist-credentials") is not False:
                problems.append(
                    f"{w.name}: job {job_id} step {index + 1}: checkout without "
                    "persist-credentials: false"
                )
    return problems


def check_no_caches(workflows: dict[str, Workflow]) -> list[str]:
    """No cache anywhere: a poisoned cache must never reach an image or a deploy."""
    problems = []
    for w in workflows.values():
        for job_id, index, step in steps(w):
            uses = str(step.get("uses", ""))
            inputs = step.get("with") or {}
            if uses.startswith("actions/cache") or any("cache" in key for key in inputs):
                problems.append(f"{w.name}: job {job_id} step {index + 1} uses a cache")
    return problems


def check_aws_access(workflows: dict[str, Workflow]) -> list[str]:
    """AWS only through OIDC: jobs that assume a role ask for id-token: write, no other job
    does, and no step is handed keys."""
    problems = []
    for w in workflows.values():
        for job_id, job in w.jobs.items():
            if "steps" not in job:
                continue
            uses_aws = False
            for index, step in enumerate(job["steps"]):
                if str(step.get("uses", "")).startswith(AWS_ACTION + "@"):
                    uses_aws = True
                    keys = set(step.get("with") or {})
                    if {"aws-access-key-id", "aws-secret-access-key"} & keys:
                        problems.append(f"{w.name}: job {job_id} step {index + 1} uses stored keys")
                    if "role-to-assume" not in keys:
                        problems.append(f"{w.name}: job {job_id} step {index + 1} assumes no role")
            id_token = permissions_of(job).get("id-token")
            if uses_aws and id_token != "write":
                problems.append(f"{w.name}: job {job_id} talks to AWS without id-token: write")
            if not uses_aws and id_token:
                problems.append(f"{w.name}: job {job_id} asks for id-token but uses no AWS role")
    return problems


def check_callers_grant_what_reusables_need(workflows: dict[str, Workflow]) -> list[str]:
    """A caller job grants exactly the permissions its reusable workflow's jobs ask for: less
    and GitHub refuses to start it; more and the caller hands out what nobody uses."""
    problems = []
    for w in workflows.values():
        for job_id, job in w.jobs.items():
            target = reusable_target(job)
            if target is None:
                continue
            if target not in workflows:
                problems.append(f"{w.name}: job {job_id} calls missing {target}")
                continue
            needed = needed_permissions(workflows[target])
            granted = permissions_of(job)
            if granted != needed:
                problems.append(
                    f"{w.name}: job {job_id} grants {granted} but {target} needs {needed}"
                )
    return problems


def check_call_inputs(workflows: dict[str, Workflow]) -> list[str]:
    """Callers pass every required input, only declared ones, and dispatch forms hand each of
    their inputs through under the same name."""
    problems = []
    for w in workflows.values():
        dispatch = w.dispatch_inputs()
        for job_id, job in w.jobs.items():
            target = reusable_target(job)
            if target is None or target not in workflows:
                continue
            declared = workflows[target].call_inputs()
            given = job.get("with") or {}
            for name in given:
                if name not in declared:
                    problems.append(f"{w.name}: job {job_id} passes {name}, unknown to {target}")
            for name, spec in declared.items():
                if spec.get("required") and name not in given:
                    problems.append(f"{w.name}: job {job_id} misses required input {name}")
                if not spec.get("description"):
                    problems.append(f"{target}: input {name} has no description")
            for name in dispatch:
                if given.get(name) != f"${{{{ inputs.{name} }}}}":
                    problems.append(f"{w.name}: dispatch input {name} is not passed to {target}")
    return problems


def check_deploy_concurrency(workflows: dict[str, Workflow]) -> list[str]:
    """Jobs that change an environment share one concurrency group per environment and never
    cancel a running one."""
    problems = []
    for name in ("reusable-deploy.yml", "reusable-provision.yml"):
        w = workflows.get(name)
        if w is None:
            problems.append(f"{name} is missing")
            continue
        for job_id, job in w.jobs.items():
            group = (job.get("concurrency") or {}).get("group", "")
            if "inputs.environment" not in str(group):
                problems.append(f"{name}: job {job_id} has no concurrency group per environment")
            if (job.get("concurrency") or {}).get("cancel-in-progress") is not False:
                problems.append(f"{name}: job {job_id} may cancel a running change")
            if not job.get("environment"):
                problems.append(f"{name}: job {job_id} runs outside a GitHub environment")
    return problems


def check_deploy_graph(workflows: dict[str, Workflow]) -> list[str]:
    """A merge to main tests, then builds, then deploys the image built, by digest."""
    w = workflows.get("deploy.yml")
    if w is None:
        return ["deploy.yml is missing"]
    problems = []
    on = w.on if isinstance(w.on, dict) else {}
    if (on.get("push") or {}).get("branches") != ["main"] or set(on) != {"push"}:
        problems.append("deploy.yml must run on pushes to main only")
    jobs = w.jobs
    calls = {job_id: reusable_target(job) for job_id, job in jobs.items()}
    wanted = {"reusable-test.yml", "reusable-build.yml", "reusable-deploy.yml"}
    if set(calls.values()) != wanted:
        problems.append(f"deploy.yml must call exactly {sorted(wanted)}, calls {calls}")
        return problems
    by_target = {target: job_id for job_id, target in calls.items()}
    test = by_target["reusable-test.yml"]
    build = by_target["reusable-build.yml"]
    deploy = by_target["reusable-deploy.yml"]

    def needs(job_id: str) -> set[str]:
        value = jobs[job_id].get("needs") or []
        return {value} if isinstance(value, str) else set(value)

    if test not in needs(build):
        problems.append("deploy.yml: the build does not wait for the tests")
    if not {test, build} <= needs(deploy):
        problems.append("deploy.yml: the deploy does not wait for the tests and the build")
    image = (jobs[deploy].get("with") or {}).get("image", "")
    if image != f"${{{{ needs.{build}.outputs.image }}}}":
        problems.append("deploy.yml: the deploy does not take the image the build pushed")
    build_outputs = workflows["reusable-build.yml"].on["workflow_call"].get("outputs") or {}
    if "image" not in build_outputs:
        problems.append("reusable-build.yml: no image output")
    return problems


def make_targets(root: Path = ROOT) -> set[str]:
    targets = set()
    for path in [root / "Makefile", *sorted((root / "mk").glob("*.mk"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^([a-z][\w-]*)\s*:(?!=)", line)
            if match:
                targets.add(match.group(1))
    return targets


def check_make_targets_exist(workflows: dict[str, Workflow]) -> list[str]:
    """Every `make X` a step runs is a target of the Makefile or an mk/*.mk fragment."""
    known = make_targets()
    problems = []
    for w in workflows.values():
        for job_id, index, step in steps(w):
            for target in re.findall(r"\bmake ([a-z][\w-]*)", str(step.get("run", ""))):
                if target not in known:
                    problems.append(f"{w.name}: job {job_id} step {index + 1}: no make {target}")
    return problems


RULES = [
    check_top_level_permissions_empty,
    check_timeouts,
    check_pins,
    check_run_steps,
    check_checkout,
    check_no_caches,
    check_aws_access,
    check_callers_grant_what_reusables_need,
    check_call_inputs,
    check_deploy_concurrency,
    check_deploy_graph,
    check_make_targets_exist,
]
