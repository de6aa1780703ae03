"""Least privilege, read back with boto3 from what ansible/site.yml and ansible/github_oidc.yml
create in the emulator: IAM, security groups, ECR, OIDC trust and the task definition; and the
GitHub deploy role's policy, proven by running the playbooks with that role's own credentials.

The module has an emulator of its own that enforces IAM (moto's server checks each request
against the caller's policies once /moto-api/reset-auth switched it on; the server mode of
moto's INITIAL_NO_AUTH_ACTION_COUNT). Before the switch: an admin user (to read the stack back),
the GitHub roles from the real github_oidc.yml, and the deploy role's credentials from
AssumeRoleWithWebIdentity. After it, site.yml provisions with the deploy role's credentials
(rolling, the default strategy); the read-only checks follow; the last test, the same way,
deploys and rolls back, switches the stack to blue/green and deploys again, and tears it down.
A call whose action the deploy role's policy lacks fails with AccessDenied naming the action.

What moto enforces, and so what the run proves (moto 5.2.5, moto/iam/access_control.py):
- the action, named by the request's SigV4 signing name ("monitoring:" for CloudWatch), for
  every call the playbooks make: the policy names every action they call;
- Deny statements on IAM role ARNs (moto resolves RoleName to the role's ARN).
What it does not, and so what the static checks below cover instead:
- resources (every other request is checked against resource "*", which no scoped ARN
  matches) and conditions (moto knows no request context, and treats an unmet condition as a
  deny): the test installs the policy with Resource "*" and no Condition, keeping its actions;
  test_github_deploy_role_scopes_its_changes_to_the_stack checks the ARNs it really names;
- actions AWS authorizes alongside a call (ecs:TagResource and the like on a create with tags,
  iam:PassRole, ec2:RunInstances for a launch template, CloudWatch alarms for target
  tracking): NOT_CALLED_HERE lists those, each with its reason; any other granted action the
  run does not call, and any listed action it does call, fails
  test_the_deploy_role_provisions_deploys_and_tears_down;
- the web identity token and the trust policy's sub/aud conditions (moto issues credentials
  for AssumeRoleWithWebIdentity without looking): test_github_roles_trust_one_repository_only.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import Emulator, assert_loopback, start_emulator, stop_process
from tests.integration.conftest import Provisioner
from tests.integration.deploy_stack import manifest, serving_api

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.playbook]

STACK = "http-scale-out-local"
GITHUB_REPOSITORY = "octo-org/http-scale-out"
ISSUER = "token.actions.githubusercontent.com"
DEPLOY_ROLE = "http-scale-out-github-deploy"
REPOSITORY = "http-scale-out"
ALTERNATE = f"{STACK}-alt"  # blue/green's second target group
BLUE_GREEN = {"project_deploy_strategy": "blue_green"}

# Statements that may name resource "*": AWS gives these actions no resource-level
# permissions, so there is no ARN to scope them to. Keyed by (role, Sid).
RESOURCE_STAR_ALLOWED = {
    # ecr:GetAuthorizationToken is account-wide: it has no resource-level permissions.
    ("http-scale-out-github-push", "EcrLogin"),
    # Describe/List calls and CloudWatch metric reads have no resource-level permissions;
    # the statement holds them to the stack's region by condition instead.
    ("http-scale-out-github-observe", "ReadTheFleetInThisRegionOnly"),
    # Describes and lists; creating VPC pieces, launch templates and task definitions, which
    # name no ARN that exists before the call; Application Auto Scaling, whose targets have
    # no ARN the policy can know: each action by name, held to the region by condition.
    ("http-scale-out-github-deploy", "NetworkAndUnscopedApisInThisRegionOnly"),
    # iam:CreateServiceLinkedRole is limited by the iam:AWSServiceName condition to the four
    # services the stack uses.
    ("http-scale-out-github-deploy", "ServiceLinkedRoles"),
}
# Statements that may use "service:*" actions: none. The deploy role names each action its
# playbooks call (its only "iam:*" is in a Deny, which these checks do not read).
SERVICE_STAR_ALLOWED: set[tuple[str, str]] = set()
# AWS-managed policies the stack's roles may carry. AWS owns their text (several name resource
# "*" because the actions they grant have no resource-level permissions); the stack only
# chooses which to attach.
AWS_MANAGED_ALLOWED = {
    # Execution role: ECR pull (GetAuthorizationToken has no resource-level permissions) and
    # CloudWatch Logs writes for the awslogs driver.
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    # Instance role: the ECS agent's registration and polling calls (ecs:Poll,
    # ecs:DiscoverPollEndpoint...), which AWS does not scope to resources.
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    # Blue/green only (project_deploy_strategy: blue_green): the role ECS assumes to change the
    # listener rules' weights and register targets in the two target groups.
    "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
}
# Actions the deploy role is granted that the emulated run below does not call, and why each
# is still needed. Any other granted action that the run does not call fails the test: drop it
# from roles/github_oidc/vars/main.yml, or say here which path calls it. So does an action
# listed here that the run calls: drop it from this list.
NOT_CALLED_HERE = {
    # Authorized by AWS alongside another call: moto checks only the action called.
    "ecs:TagResource": "CreateService, CreateCapacityProvider, RegisterTaskDefinition with tags",
    "ec2:CreateTags": "CreateVpc, CreateSubnet... with tag specifications; tag changes",
    "autoscaling:CreateOrUpdateTags": "CreateAutoScalingGroup with tags; tag changes",
    "logs:TagLogGroup": "CreateLogGroup with tags; tag changes",
    "iam:TagRole": "CreateRole with tags; tag changes",
    "iam:PassRole": "task definitions, the launch template's profile, the blue/green role",
    "ec2:RunInstances": "CreateAutoScalingGroup/UpdateAutoScalingGroup with a launch template",
    "iam:CreateServiceLinkedRole": "the first ECS, ELB, Auto Scaling use in an account",
    "cloudwatch:DeleteAlarms": "target tracking policies (Application Auto Scaling)",
    "cloudwatch:DescribeAlarms": "target tracking policies (Application Auto Scaling)",
    "cloudwatch:PutMetricAlarm": "target tracking policies (Application Auto Scaling)",
    # Update paths: a changed project_* knob or tag.
    "ecs:UntagResource": "capacity provider tags removed",
    "ecs:UpdateCapacityProvider": "capacity provider settings changed",
    "ec2:DeleteTags": "tags removed",
    "ec2:CreateLaunchTemplateVersion": "instance type, AMI or user data changed",
    "ec2:ModifyLaunchTemplate": "the new launch template version made the default",
    "ec2:RevokeSecurityGroupIngress": "ingress CIDRs changed; the blue/green test port closed",
    "ecr:PutImageTagMutability": "tag mutability changed",
    "elasticloadbalancing:RemoveTags": "tags removed",
    "elasticloadbalancing:ModifyListener": "listener default action changed",
    "elasticloadbalancing:ModifyLoadBalancerAttributes": "balancer attributes changed",
    "elasticloadbalancing:ModifyTargetGroup": "health check settings changed",
    "elasticloadbalancing:SetSecurityGroups": "balancer security groups changed",
    "elasticloadbalancing:SetSubnets": "subnets changed",
    "autoscaling:DeleteTags": "group tags removed",
    "autoscaling:SetInstanceProtection": "running instances protected from scale in",
    "logs:UntagLogGroup": "tags removed",
    "iam:UntagRole": "tags removed",
    "iam:UpdateAssumeRolePolicy": "a role's trust changed",
    "iam:UpdateRole": "a role's description changed",
    # project_cluster_scaling: asg_cpu (this run uses the default, capacity_provider).
    "autoscaling:PutScalingPolicy": "asg_cpu: the group's CPU target tracking",
    "autoscaling:DescribePolicies": "asg_cpu: the group's CPU target tracking",
    # project_deploy_strategy: blue_green paths this run does not take (it switches rolling to
    # blue_green and deploys once; it neither switches back nor rolls back a blue/green deploy).
    "elasticloadbalancing:ModifyRule": "blue_green: listener rules' target groups changed",
    "elasticloadbalancing:DeleteRule": "blue_green to rolling: the production rule removed",
    "ecs:StopServiceDeployment": "rollback while a blue/green deployment bakes",
    # The deploy's diagnostics after a failed deploy.
    "ecs:DescribeTasks": "a failed deploy: the stopped tasks' reasons",
}
# moto names an action by the request's SigV4 signing name, which for CloudWatch is not the
# IAM prefix.
SIGNING_NAMES = {"cloudwatch": "monitoring"}


@dataclass
class IamEnforcingEmulator(Emulator):
    """An emulator of this module's own: boto3 clients act as an admin user, playbooks as the
    GitHub deploy role (once `enforce` has run)."""

    admin: dict[str, str] = field(default_factory=dict)
    deploy: dict[str, str] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(**{**self.deploy, **extra})

    def client(self, service: str):
        if not self.admin:
            return super().client(service)
        import boto3

        assert_loopback(self.endpoint_url)
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.admin["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.admin["AWS_SECRET_ACCESS_KEY"],
        )

    def enforce(self) -> None:
        """From now on, check every request against the caller's IAM policies."""
        url = f"{self.endpoint_url}/moto-api/reset-auth"
        # The body is the number of requests still let through unchecked. Not a form: moto
        # reads it raw.
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            url, data=b"0", method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200


class DeployRoleStack(Provisioner):
    """The stack as the GitHub deploy role provisions it, on the IAM-enforcing emulator."""

    emulator: IamEnforcingEmulator

    def __init__(self, emulator: IamEnforcingEmulator, recording: Path) -> None:
        super().__init__(emulator)
        self.recording = recording
        self.policy: dict = {}
        self.direct: dict[str, str] = {}

    def bootstrap(self) -> None:
        iam = self.client("iam")
        iam.create_user(UserName="admin")
        iam.put_user_policy(
            UserName="admin",
            PolicyName="admin",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        oidc = self.run("github_oidc.yml", github_oidc_repository=GITHUB_REPOSITORY)
        assert oidc.returncode == 0, oidc.output[-3000:]
        self.policy = document(
            iam.get_role_policy(RoleName=DEPLOY_ROLE, PolicyName=DEPLOY_ROLE)["PolicyDocument"]
        )
        self.install(self.policy)
        role = iam.get_role(RoleName=DEPLOY_ROLE)["Role"]["Arn"]
        self.emulator.admin = {
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        }
        # The playbooks' session, and one for the calls the tests make themselves as the
        # deploy role: its own access key keeps those out of deploy_role_actions.
        self.emulator.deploy = self.assume(role, "github-actions")
        self.direct = self.assume(role, "least-privilege-test")
        self.emulator.enforce()

    def assume(self, role: str, session: str) -> dict[str, str]:
        """What aws-actions/configure-aws-credentials does with the job's OIDC token. The call
        is unsigned; moto checks neither the token nor the trust policy."""
        credentials = self.client("sts").assume_role_with_web_identity(
            RoleArn=role, RoleSessionName=session, WebIdentityToken="unchecked-by-moto"
        )["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
        }

    def deploy_client(self, service: str):
        """A boto3 client with the deploy role's credentials (the tests' own session)."""
        import boto3

        assert_loopback(self.emulator.endpoint_url)
        deploy = self.direct
        return boto3.client(
            service,
            endpoint_url=self.emulator.endpoint_url,
            region_name=self.emulator.region,
            aws_access_key_id=deploy["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=deploy["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=deploy["AWS_SESSION_TOKEN"],
        )

    def install(self, policy: dict) -> None:
        """Give the deploy role `policy` as moto can enforce it (see the module docstring)."""
        self.client("iam").put_role_policy(
            RoleName=DEPLOY_ROLE,
            PolicyName=DEPLOY_ROLE,
            PolicyDocument=json.dumps(as_moto_enforces(policy)),
        )

    def deploy_role_actions(self) -> set[str]:
        """Every action the playbooks asked for with the deploy role's credentials, from
        moto's request log."""
        key = self.emulator.deploy["AWS_ACCESS_KEY_ID"]
        signing = {v: k for k, v in SIGNING_NAMES.items()}
        actions = set()
        for line in self.recording.read_text().splitlines():
            entry = json.loads(line)
            headers = {k.lower(): v for k, v in entry["headers"].items()}
            scope = headers.get("authorization", "").partition("Credential=")[2].split("/")
            if scope[0] != key:
                continue
            service = signing.get(scope[3], scope[3])
            if "x-amz-target" in headers:
                actions.add(f"{service}:{headers['x-amz-target'].rsplit('.', 1)[-1]}")
                continue
            body = entry["body"] or ""
            if entry["body_encoded"]:
                body = base64.b64decode(body).decode()
            (action,) = urllib.parse.parse_qs(body)["Action"]
            actions.add(f"{service}:{action}")
        return actions


def as_moto_enforces(policy: dict) -> dict:
    """`policy` with each Allow's actions kept, on Resource "*" and without Condition; Deny
    statements as they are (they name IAM role ARNs, which moto resolves)."""
    statements = []
    for statement in as_list(policy["Statement"]):
        if statement["Effect"] == "Deny":
            statements.append(statement)
            continue
        actions = []
        for action in as_list(statement["Action"]):
            prefix, name = action.split(":", 1)
            actions.append(f"{SIGNING_NAMES.get(prefix, prefix)}:{name}")
        statements.append({"Effect": "Allow", "Action": actions, "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def granted_actions(policy: dict) -> set[str]:
    return {
        action
        for statement in as_list(policy["Statement"])
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("iam-enforced")
    recording = directory / "requests.jsonl"
    proc, endpoint = start_emulator(
        log=directory / "emulator.log",
        env={"MOTO_ENABLE_RECORDING": "true", "MOTO_RECORDER_FILEPATH": str(recording)},
    )
    try:
        provisioner = DeployRoleStack(IamEnforcingEmulator(endpoint), recording)
        provisioner.bootstrap()
        provisioner.converge()
        yield provisioner
    finally:
        stop_process(proc)


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def document(value) -> dict:
    """A policy document as boto3 returns it: a dict, or URL-encoded JSON."""
    if isinstance(value, dict):
        return value
    return json.loads(urllib.parse.unquote(value))


def stack_roles(iam) -> list[str]:
    names = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    return [n for n in names if n.startswith(STACK) or n.startswith("http-scale-out-github-")]


def statements(stack, role: str) -> list[tuple[str, dict]]:
    """(where, statement) for every inline and customer-managed policy of `role`. The deploy
    role's inline policy is the one github_oidc.yml wrote, read before the fixture put in the
    form moto enforces."""
    iam = stack.client("iam")
    found = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        if role == DEPLOY_ROLE and name == DEPLOY_ROLE:
            text = stack.policy
        else:
            text = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        found += [(f"inline {name}", s) for s in as_list(document(text)["Statement"])]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        arn = attached["PolicyArn"]
        if arn.startswith("arn:aws:iam::aws:policy/"):
            continue  # AWS-managed: checked against AWS_MANAGED_ALLOWED
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        text = version["PolicyVersion"]["Document"]
        found += [(f"managed {arn}", s) for s in as_list(document(text)["Statement"])]
    return found


def allows(stack) -> list[tuple[str, str, dict]]:
    iam = stack.client("iam")
    return [
        (role, where, s)
        for role in stack_roles(iam)
        for where, s in statements(stack, role)
        if s["Effect"] == "Allow"
    ]


def security_group(stack, name: str) -> dict:
    groups = stack.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [name]}]
    )["SecurityGroups"]
    assert len(groups) == 1, groups
    return groups[0]


def container(stack) -> dict:
    ecs = stack.client("ecs")
    arn = ecs.describe_services(cluster=STACK, services=[STACK])["services"][0]["taskDefinition"]
    definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    (web,) = definition["containerDefinitions"]
    return web


def test_the_stack_and_the_github_roles_exist(stack):
    roles = set(stack_roles(stack.client("iam")))
    assert {f"{STACK}-execution", f"{STACK}-task", f"{STACK}-instance"} <= roles
    assert {f"http-scale-out-github-{k}" for k in ("push", "deploy", "observe")} <= roles


def test_no_statement_allows_every_action(stack):
    broad = [
        (role, where, s.get("Sid"), action)
        for role, where, s in allows(stack)
        for action in as_list(s.get("Action", []))
        if action == "*" or s.get("NotAction")
    ]
    assert broad == []


def test_resource_star_only_where_aws_has_no_resource_level_permissions(stack):
    starred = {
        (role, s.get("Sid"))
        for role, _, s in allows(stack)
        if "*" in as_list(s.get("Resource", [])) or s.get("NotResource")
    }
    assert starred <= RESOURCE_STAR_ALLOWED, starred - RESOURCE_STAR_ALLOWED


def test_the_stack_roles_have_no_inline_or_customer_policy_with_a_service_wildcard(stack):
    broad = [
        (role, where, action)
        for role, where, s in allows(stack)
        if role.startswith(STACK)
        for action in as_list(s.get("Action", []))
        if action.endswith(":*")
    ]
    assert broad == []


def test_github_deploy_role_names_its_actions(stack):
    broad = [
        (role, s.get("Sid"), action)
        for role, _, s in allows(stack)
        if (role, s.get("Sid")) not in SERVICE_STAR_ALLOWED
        for action in as_list(s.get("Action", []))
        if action.endswith(":*")
    ]
    assert broad == []


def test_stack_roles_carry_only_the_expected_aws_managed_policies(stack):
    iam = stack.client("iam")
    attached = {
        p["PolicyArn"]
        for role in stack_roles(iam)
        for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    }
    assert attached <= AWS_MANAGED_ALLOWED
    task_role = iam.list_attached_role_policies(RoleName=f"{STACK}-task")
    assert task_role["AttachedPolicies"] == []  # the service calls no AWS API


def test_github_roles_trust_one_repository_only(stack):
    iam = stack.client("iam")
    for kind in ("push", "deploy", "observe"):
        role = iam.get_role(RoleName=f"http-scale-out-github-{kind}")["Role"]
        (statement,) = as_list(document(role["AssumeRolePolicyDocument"])["Statement"])
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Principal"]["Federated"].endswith(f":oidc-provider/{ISSUER}")
        assert set(statement["Condition"]) == {"StringEquals"}  # no StringLike: no wildcards
        condition = statement["Condition"]["StringEquals"]
        subject = condition[f"{ISSUER}:sub"]
        assert isinstance(subject, str), subject
        assert subject.startswith(f"repo:{GITHUB_REPOSITORY}:")
        assert "*" not in subject and "?" not in subject
        assert condition[f"{ISSUER}:aud"] == "sts.amazonaws.com"


def test_stack_roles_are_assumable_only_by_their_aws_service(stack):
    iam = stack.client("iam")
    services = {"execution": "ecs-tasks", "task": "ecs-tasks", "instance": "ec2"}
    for suffix, service in services.items():
        role = iam.get_role(RoleName=f"{STACK}-{suffix}")["Role"]
        principals = [
            s["Principal"] for s in as_list(document(role["AssumeRolePolicyDocument"])["Statement"])
        ]
        assert principals == [{"Service": f"{service}.amazonaws.com"}]


def test_app_and_instance_groups_admit_only_the_load_balancer(stack):
    alb = security_group(stack, f"{STACK}-alb")["GroupId"]
    app = security_group(stack, f"{STACK}-app")
    ec2 = stack.client("ec2")
    template = ec2.describe_launch_template_versions(
        LaunchTemplateName=STACK, Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    instance_groups = set(template.get("SecurityGroupIds", [])) | {
        g for i in template.get("NetworkInterfaces", []) for g in i.get("Groups", [])
    }
    service = stack.client("ecs").describe_services(cluster=STACK, services=[STACK])
    task_groups = set(
        service["services"][0]["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
    )
    assert task_groups == {app["GroupId"]}
    assert instance_groups, template
    assert alb not in instance_groups | task_groups
    for group_id in instance_groups | task_groups:
        (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        assert group["IpPermissions"], group_id
        for rule in group["IpPermissions"]:
            assert rule.get("IpRanges", []) == [], rule
            assert rule.get("Ipv6Ranges", []) == [], rule
            assert rule.get("PrefixListIds", []) == [], rule
            assert [p["GroupId"] for p in rule["UserIdGroupPairs"]] == [alb], rule


def test_load_balancer_group_is_open_only_on_its_listener_ports(stack):
    elbv2 = stack.client("elbv2")
    (balancer,) = elbv2.describe_load_balancers(Names=[STACK])["LoadBalancers"]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])
    ports = {listener["Port"] for listener in listeners["Listeners"]}
    assert ports == {80}
    group = security_group(stack, f"{STACK}-alb")
    assert balancer["SecurityGroups"] == [group["GroupId"]]
    assert group["IpPermissions"]
    for rule in group["IpPermissions"]:
        assert rule["IpProtocol"] == "tcp", rule
        assert rule["FromPort"] == rule["ToPort"], rule
        assert rule["FromPort"] in ports, rule


def test_repository_is_immutable_and_scanned_on_push(stack):
    ecr = stack.client("ecr")
    (repository,) = ecr.describe_repositories(repositoryNames=["http-scale-out"])["repositories"]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}


def test_container_runs_as_non_root_read_only_without_capabilities(stack):
    web = container(stack)
    user = web.get("user", "")
    assert user.split(":")[0] not in {"", "0", "root"}, user
    assert user == "10001"
    assert web.get("readonlyRootFilesystem") is True
    assert web.get("privileged", False) is False
    capabilities = web.get("linuxParameters", {}).get("capabilities", {})
    assert capabilities.get("add", []) == []
    assert capabilities.get("drop") == ["ALL"]


def test_instances_require_metadata_tokens(stack):
    data = stack.client("ec2").describe_launch_template_versions(
        LaunchTemplateName=STACK, Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    # IMDSv2 only: a request forged through the app cannot read the instance role's keys.
    assert data.get("MetadataOptions", {}).get("HttpTokens") == "required", data


def deploy_role_statements(stack) -> list[dict]:
    return as_list(stack.policy["Statement"])


def test_github_deploy_role_scopes_its_changes_to_the_stack(stack):
    account = stack.client("sts").get_caller_identity()["Account"]
    stack_arns = (STACK, f":repository/{REPOSITORY}", "::parameter/aws/service/ecs/")
    for statement in deploy_role_statements(stack):
        resources = as_list(statement["Resource"])
        if statement["Effect"] == "Deny":
            assert all(f"::{account}:" in arn for arn in resources), statement
        elif resources == ["*"]:
            assert (DEPLOY_ROLE, statement["Sid"]) in RESOURCE_STAR_ALLOWED, statement
            assert statement.get("Condition"), statement
        else:
            for arn in resources:
                assert any(part in arn for part in stack_arns), (statement["Sid"], arn)
    # IAM's limit for a role's inline policies, whitespace not counted.
    assert len(json.dumps(stack.policy, separators=(",", ":"))) <= 10240


def test_the_deploy_role_cannot_change_the_github_roles(stack):
    iam = stack.deploy_client("iam")
    tag = [{"Key": "least-privilege-test", "Value": "x"}]
    with pytest.raises(iam.exceptions.ClientError, match="AccessDenied") as denied:
        iam.tag_role(RoleName=DEPLOY_ROLE, Tags=tag)
    assert "iam:TagRole" in str(denied.value)
    # The same call on one of the stack's roles is allowed: the Deny is what refused it above.
    iam.tag_role(RoleName=f"{STACK}-task", Tags=tag)
    iam.untag_role(RoleName=f"{STACK}-task", TagKeys=["least-privilege-test"])


def test_a_policy_without_an_action_the_deploy_calls_fails_naming_it(stack):
    """The proof that the run can fail: one action taken away, and the deploy stops there."""
    live = service(stack)["taskDefinition"]
    image = push_image(stack, "denied")
    without = {
        **stack.policy,
        "Statement": [
            {**s, "Action": [a for a in as_list(s["Action"]) if a != "ecs:RegisterTaskDefinition"]}
            for s in deploy_role_statements(stack)
        ],
    }
    assert granted_actions(without) == granted_actions(stack.policy) - {
        "ecs:RegisterTaskDefinition"
    }
    stack.install(without)
    try:
        run = stack.run("deploy.yml", **deploy_vars(image))
    finally:
        stack.install(stack.policy)
    assert run.returncode != 0
    assert "not authorized to perform: ecs:RegisterTaskDefinition" in run.output, run.output[-3000:]
    assert service(stack)["taskDefinition"] == live


def test_the_deploy_role_provisions_deploys_and_tears_down(stack):
    """site.yml ran in the fixture (rolling). Here, in this order and all with the deploy
    role's credentials: a rolling deploy and its rollback; site.yml again with blue_green and
    a blue/green deploy; teardown. Then every granted action must have been called or be in
    NOT_CALLED_HERE, and none in NOT_CALLED_HERE may have been called."""
    deploy_and_roll_back(stack)
    switch_to_blue_green_and_deploy(stack)
    tear_down(stack)

    granted, called = granted_actions(stack.policy), stack.deploy_role_actions()
    called.discard("sts:GetCallerIdentity")  # needs no permission: AWS always allows it
    assert called - granted == set()  # what enforcement already proved, said plainly
    assert set(NOT_CALLED_HERE) <= granted, set(NOT_CALLED_HERE) - granted
    assert granted - called - set(NOT_CALLED_HERE) == set(), "granted but never called"
    assert called & set(NOT_CALLED_HERE) == set(), "called: no longer NOT_CALLED_HERE"


def deploy_and_roll_back(stack) -> None:
    before = service(stack)["taskDefinition"]
    deploy = stack.run("deploy.yml", **deploy_vars(push_image(stack, "v2")))
    assert deploy.returncode == 0, deploy.output[-3000:]
    assert service(stack)["taskDefinition"] != before
    back = stack.run("rollback.yml", ecs_deploy_poll_interval=0.5, ecs_deploy_timeout=60)
    assert back.returncode == 0, back.output[-3000:]
    assert service(stack)["taskDefinition"] == before


def switch_to_blue_green_and_deploy(stack) -> None:
    """The module's one stack, switched rather than provisioned afresh: the switch creates
    what a first blue/green provision creates (second target group, test listener, listener
    rules, ECS's role, with the same calls) and updates the service where a first provision
    creates it, and both calls are in the run already. deploy.yml then finds the blue/green
    resources by name and checks the contract on the service started here (the emulator runs
    no tasks) before ECS moves production."""
    stack.converge(**BLUE_GREEN)
    assert service(stack)["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert production_weights(stack) == {STACK: 100, ALTERNATE: 0}
    before = service(stack)["taskDefinition"]
    with serving_api() as url:
        deploy = stack.run(
            "deploy.yml",
            **deploy_vars(push_image(stack, "v3")),
            **BLUE_GREEN,
            project_contract_url=url,
        )
    assert deploy.returncode == 0, deploy.output[-3000:]
    assert f"the contract check of {url} passed" in deploy.output
    assert service(stack)["taskDefinition"] != before
    assert production_weights(stack) == {STACK: 0, ALTERNATE: 100}


def tear_down(stack) -> None:
    down = stack.run("teardown.yml")
    assert down.returncode == 0, down.output[-3000:]
    state = stack.snapshot()
    assert [c for c in state["clusters"] if c["status"] == "ACTIVE"] == []
    assert state["groups"] == [] and state["load_balancers"] == [] and state["roles"] == {}
    assert state["target_groups"] == []  # the blue/green second group too


def production_weights(stack) -> dict[str, int]:
    """Target group name -> weight in the forward of the production listener's rule."""
    elbv2 = stack.client("elbv2")
    (balancer,) = elbv2.describe_load_balancers(Names=[STACK])["LoadBalancers"]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])
    (production,) = [x for x in listeners["Listeners"] if x["Port"] == 80]
    rules = elbv2.describe_rules(ListenerArn=production["ListenerArn"])["Rules"]
    (rule,) = [r for r in rules if not r["IsDefault"]]
    (forward,) = [a for a in rule["Actions"] if a["Type"] == "forward"]
    return {
        g["TargetGroupArn"].split(":targetgroup/")[1].split("/")[0]: g["Weight"]
        for g in forward["ForwardConfig"]["TargetGroups"]
    }


def service(stack) -> dict:
    return stack.client("ecs").describe_services(cluster=STACK, services=[STACK])["services"][0]


def push_image(stack, tag: str) -> str:
    """What the push role's job does (the deploy role may not): put an image into ECR."""
    ecr = stack.client("ecr")
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest(tag), imageTag=tag)
    (repository,) = ecr.describe_repositories(repositoryNames=[REPOSITORY])["repositories"]
    return f"{repository['repositoryUri']}:{tag}"


def deploy_vars(image: str) -> dict:
    return {"ecs_deploy_image": image, "ecs_deploy_poll_interval": 0.5, "ecs_deploy_timeout": 60}
