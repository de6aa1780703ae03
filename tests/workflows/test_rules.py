"""The house rules (rules.py) hold for the real workflows, and each one catches a broken copy."""

from __future__ import annotations

import pytest

from tests.workflows import rules


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.__name__)
def test_the_workflows_keep_the_rule(workflows, rule):
    assert rule(workflows) == []


def test_the_expected_workflows_exist(workflows):
    assert set(workflows) == {
        "ci.yml",
        "deploy.yml",
        "provision.yml",
        "load-test.yml",
        "reusable-test.yml",
        "reusable-build.yml",
        "reusable-deploy.yml",
        "reusable-provision.yml",
        "reusable-load-test.yml",
    }


def first_step(data, job, prefix):
    return next(s for s in data["jobs"][job]["steps"] if str(s.get("uses", "")).startswith(prefix))


def first_run(data, job):
    return next(s for s in data["jobs"][job]["steps"] if "run" in s)


def grant_write_all(data):
    data["permissions"] = "write-all"


def drop_timeout(data):
    del data["jobs"]["build"]["timeout-minutes"]


def expression_in_run(data):
    first_run(data, "deploy")["run"] = 'make deploy ENV=aws IMAGE="${{ inputs.image }}"'


def inline_script(data):
    first_run(data, "deploy")["run"] = "aws ecs update-service --cluster x --service y"


def persist_credentials(data):
    first_step(data, "build", "actions/checkout@")["with"] = {}


def cache_in_build(data):
    first_step(data, "build", "actions/setup-python@")["with"]["cache"] = "pip"


def stored_keys(data):
    step = first_step(data, "deploy", "aws-actions/configure-aws-credentials@")
    step["with"]["aws-access-key-id"] = "${{ secrets.AWS_ACCESS_KEY_ID }}"


def id_token_for_tests(data):
    data["jobs"]["test"]["permissions"]["id-token"] = "write"


def caller_without_id_token(data):
    del data["jobs"]["deploy"]["permissions"]["id-token"]


def dispatch_input_dropped(data):
    del data["jobs"]["load-test"]["with"]["concurrency"]


def cancel_running_deploy(data):
    data["jobs"]["deploy"]["concurrency"]["cancel-in-progress"] = True


def one_group_for_all(data):
    data["jobs"]["deploy"]["concurrency"]["group"] = "deploys"


def deploy_before_build(data):
    data["jobs"]["deploy"]["needs"] = ["test"]


def build_without_tests(data):
    del data["jobs"]["build"]["needs"]


def missing_make_target(data):
    first_run(data, "test")["run"] = "make no-such-target"


BREAKAGES = [
    ("ci.yml", grant_write_all, rules.check_top_level_permissions_empty),
    ("reusable-build.yml", drop_timeout, rules.check_timeouts),
    ("reusable-deploy.yml", expression_in_run, rules.check_run_steps),
    ("reusable-deploy.yml", inline_script, rules.check_run_steps),
    ("reusable-build.yml", persist_credentials, rules.check_checkout),
    ("reusable-build.yml", cache_in_build, rules.check_no_caches),
    ("reusable-deploy.yml", stored_keys, rules.check_aws_access),
    ("reusable-test.yml", id_token_for_tests, rules.check_aws_access),
    ("deploy.yml", caller_without_id_token, rules.check_callers_grant_what_reusables_need),
    ("load-test.yml", dispatch_input_dropped, rules.check_call_inputs),
    ("reusable-deploy.yml", cancel_running_deploy, rules.check_deploy_concurrency),
    ("reusable-deploy.yml", one_group_for_all, rules.check_deploy_concurrency),
    ("deploy.yml", deploy_before_build, rules.check_deploy_graph),
    ("deploy.yml", build_without_tests, rules.check_deploy_graph),
    ("reusable-test.yml", missing_make_target, rules.check_make_targets_exist),
]


@pytest.mark.parametrize(
    ("name", "breakage", "rule"),
    BREAKAGES,
    ids=[f"{name}-{breakage.__name__}" for name, breakage, _ in BREAKAGES],
)
def test_a_broken_copy_is_caught(workflows, name, breakage, rule):
    broken = rules.mutate(workflows, name, breakage)
    problems = rule(broken)
    assert problems, f"{rule.__name__} missed {breakage.__name__} in {name}"
    assert any(name in problem for problem in problems), problems


CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ("actions/checkout@v7 # v7.0.1", "is not pinned to a full commit SHA"),
        (CHECKOUT, "has no '# vX.Y.Z' comment"),
        (CHECKOUT + " # v7", "has no '# vX.Y.Z' comment"),
        (
            "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0",
            "08c6903cd8c0fde910a37f88322edcfb5dd907a8 v5.0.0",
        ),
    ],
)
def test_a_loose_pin_is_caught(workflows, new, problem):
    broken = rules.mutate_text(workflows, "reusable-build.yml", CHECKOUT + " # v7.0.1", new)
    problems = rules.check_pins(broken)
    assert any(problem in p and "reusable-build.yml" in p for p in problems), problems
