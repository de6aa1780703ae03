"""ansible/github_oidc.yml (roles/github_oidc) against the emulator: the OIDC provider and the
push, deploy and observe roles, trusted only by one repository's branch or environment.

Runs the real ansible-playbook with the `local` inventory, then reads IAM back with boto3.
"""

from __future__ import annotations

import uuid

import pytest

from scaleout import playbook
from scaleout.playbook import PlaybookRun
from tests.conftest import Emulator, assert_loopback

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]

ISSUER = "token.actions.githubusercontent.com"
REPOSITORY = "octo-org/http-scale-out"


def play(emulator: Emulator, *args: str, **extra: object) -> PlaybookRun:
    assert_loopback(emulator.endpoint_url)
    return playbook.run("github_oidc.yml", *args, extra_vars=extra, env=emulator.env(), timeout=300)


def changed(run: PlaybookRun) -> int:
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return run.stats["localhost"]["changed"]


@pytest.fixture
def project() -> dict[str, str]:
    name = f"gh-{uuid.uuid4().hex[:8]}"
    return {
        "github_oidc_repository": REPOSITORY,
        "github_oidc_project": name,
        "github_oidc_resource_prefix": f"{name}-local",
    }


def providers(iam) -> list[str]:
    return [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]


def test_roles_are_created_once_pinned_to_the_repository_and_torn_down(emulator, project):
    iam = emulator.client("iam")
    name = project["github_oidc_project"]
    account = emulator.client("sts").get_caller_identity()["Account"]

    # --check on an account without the roles says what it would do, and does nothing.
    assert changed(play(emulator, "--check", **project)) > 0
    assert not {f"{name}-github-{kind}" for kind in ("push", "deploy", "observe")} & {
        r["RoleName"] for r in iam.list_roles()["Roles"]
    }

    assert changed(play(emulator, **project)) > 0
    assert changed(play(emulator, **project)) == 0
    assert changed(play(emulator, "--check", **project)) == 0

    provider_arn = f"arn:aws:iam::{account}:oidc-provider/{ISSUER}"
    assert provider_arn in providers(iam)
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]

    subjects = {
        "push": f"repo:{REPOSITORY}:ref:refs/heads/main",
        "deploy": f"repo:{REPOSITORY}:environment:production",
        "observe": f"repo:{REPOSITORY}:environment:production",
    }
    for kind, subject in subjects.items():
        role = iam.get_role(RoleName=f"{name}-github-{kind}")["Role"]
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Principal"] == {"Federated": provider_arn}
        # Exact matches (StringEquals), never StringLike wildcards: one repository, one ref.
        assert statement["Condition"] == {
            "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com", f"{ISSUER}:sub": subject}
        }
        assert (
            iam.list_instance_profiles_for_role(RoleName=role["RoleName"])["InstanceProfiles"] == []
        )

    push = policy_of(iam, f"{name}-github-push")
    repository_arn = f"arn:aws:ecr:{emulator.region}:{account}:repository/{name}"
    for statement in push["Statement"]:
        if statement["Resource"] == "*":
            assert statement["Action"] == "ecr:GetAuthorizationToken"
        else:
            assert statement["Resource"] == repository_arn
            assert all(action.startswith("ecr:") for action in statement["Action"])

    deploy = policy_of(iam, f"{name}-github-deploy")
    denied = next(s for s in deploy["Statement"] if s["Effect"] == "Deny")
    assert f"arn:aws:iam::{account}:role/{name}-github-deploy" in denied["Resource"]
    for document in (deploy, policy_of(iam, f"{name}-github-observe")):
        for statement in document["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            assert "*" not in actions
            if statement["Effect"] == "Allow" and statement["Resource"] == "*":
                # Whatever takes no resource ARN is held to a condition (region, service name).
                assert statement.get("Condition"), statement

    assert changed(play(emulator, **project, github_oidc_state="absent",
                        github_oidc_remove_provider=True)) > 0  # fmt: skip
    assert changed(play(emulator, **project, github_oidc_state="absent",
                        github_oidc_remove_provider=True)) == 0  # fmt: skip
    names = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert not {f"{name}-github-{kind}" for kind in subjects} & names
    assert provider_arn not in providers(iam)


def policy_of(iam, role: str) -> dict:
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    return iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]


def test_a_changed_branch_updates_the_trust_policy(emulator, project):
    iam = emulator.client("iam")
    role = f"{project['github_oidc_project']}-github-push"
    try:
        assert changed(play(emulator, **project)) > 0
        assert changed(play(emulator, **project, github_oidc_branch="release")) == 1
        (statement,) = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Condition"]["StringEquals"][f"{ISSUER}:sub"] == (
            f"repo:{REPOSITORY}:ref:refs/heads/release"
        )
    finally:
        play(emulator, **project, github_oidc_state="absent")


@pytest.mark.parametrize("repository", ["octo-org", "octo org/x"])
def test_a_repository_that_is_not_owner_slash_name_is_refused(emulator, project, repository):
    proc = play(emulator, **{**project, "github_oidc_repository": repository})
    assert proc.returncode != 0
    assert "github_oidc_repository must be OWNER/NAME" in proc.stdout
    names = {r["RoleName"] for r in emulator.client("iam").list_roles()["Roles"]}
    assert f"{project['github_oidc_project']}-github-push" not in names
