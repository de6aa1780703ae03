#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: an IAM OpenID Connect identity provider (neither amazon.aws 10.1.2 nor
community.aws 10.0.0 has one)."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

DOCUMENTATION = r"""
---
module: iam_oidc_provider
short_description: Manage an IAM OpenID Connect identity provider
description:
  - Create, update or delete an IAM OIDC identity provider, such as GitHub Actions'
    C(https://token.actions.githubusercontent.com).
  - The provider is found by its URL; an account holds at most one provider per URL.
  - Client IDs (audiences) and, when given, thumbprints are converged to the listed values.
options:
  url:
    description: The issuer URL, starting with C(https://).
    type: str
    required: true
  client_ids:
    description: Audiences that may use the provider (C(sts.amazonaws.com) for GitHub Actions).
    type: list
    elements: str
    default: [sts.amazonaws.com]
  thumbprints:
    description:
      - SHA-1 thumbprints of the issuer's certificate chain.
      - Left empty, IAM verifies well-known issuers (GitHub included) through its own trusted
        root CAs; existing thumbprints are then left alone.
    type: list
    elements: str
    default: []
  tags:
    description: Tags to set on the provider; other tags are removed when O(purge_tags=true).
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). Ignored when O(tags) is not given.
    type: bool
    default: true
  state:
    description: Whether the provider should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Trust GitHub Actions' OIDC tokens
  iam_oidc_provider:
    url: https://token.actions.githubusercontent.com
    client_ids: [sts.amazonaws.com]
"""

RETURN = r"""
arn:
  description: The provider's ARN (empty when absent).
  returned: always
  type: str
provider:
  description: The provider as IAM describes it.
  returned: when state=present
  type: dict
  contains:
    url: {description: Issuer URL without the scheme, type: str}
    client_ids: {description: Audiences, type: list}
    thumbprints: {description: Thumbprints, type: list}
    tags: {description: Tags, type: dict}
"""


try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore


def _host_path(url: str) -> str:
    """IAM stores and returns the URL without its scheme."""
    return url.split("://", 1)[-1].rstrip("/")


def find_provider(iam, url: str) -> tuple[str, dict] | tuple[None, None]:
    wanted = _host_path(url)
    for entry in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        arn = entry["Arn"]
        if arn.endswith(":oidc-provider/" + wanted):
            return arn, iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    return None, None


def describe(arn: str, current: dict) -> dict:
    return {
        "arn": arn,
        "url": current.get("Url", ""),
        "client_ids": sorted(current.get("ClientIDList", [])),
        "thumbprints": sorted(current.get("ThumbprintList", [])),
        "tags": boto3_tag_list_to_ansible_dict(current.get("Tags", [])),
    }


def ensure_present(module: AnsibleAWSModule, iam) -> dict:
    params = module.params
    client_ids = sorted(set(params["client_ids"]))
    thumbprints = sorted({t.lower() for t in params["thumbprints"]})
    arn, current = find_provider(iam, params["url"])

    if arn is None:
        if module.check_mode:
            return {"changed": True, "arn": ""}
        request = {"Url": params["url"], "ClientIDList": client_ids}
        if thumbprints:
            request["ThumbprintList"] = thumbprints
        if params["tags"]:
            request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
        arn = iam.create_open_id_connect_provider(**request)["OpenIDConnectProviderArn"]
        current = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        return {"changed": True, "arn": arn, "provider": describe(arn, current)}

    changed = False
    have = describe(arn, current)
    if thumbprints and thumbprints != have["thumbprints"]:
        changed = True
        if not module.check_mode:
            iam.update_open_id_connect_provider_thumbprint(
                OpenIDConnectProviderArn=arn, ThumbprintList=thumbprints
            )
    for client_id in sorted(set(client_ids) - set(have["client_ids"])):
        changed = True
        if not module.check_mode:
            iam.add_client_id_to_open_id_connect_provider(
                OpenIDConnectProviderArn=arn, ClientID=client_id
            )
    for client_id in sorted(set(have["client_ids"]) - set(client_ids)):
        changed = True
        if not module.check_mode:
            iam.remove_client_id_from_open_id_connect_provider(
                OpenIDConnectProviderArn=arn, ClientID=client_id
            )
    if params["tags"] is not None:
        to_set, to_remove = compare_aws_tags(have["tags"], params["tags"], params["purge_tags"])
        if to_set or to_remove:
            changed = True
            if not module.check_mode:
                if to_remove:
                    iam.untag_open_id_connect_provider(
                        OpenIDConnectProviderArn=arn, TagKeys=to_remove
                    )
                if to_set:
                    iam.tag_open_id_connect_provider(
                        OpenIDConnectProviderArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_set)
                    )
    if changed and not module.check_mode:
        current = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    return {"changed": changed, "arn": arn, "provider": describe(arn, current)}


def ensure_absent(module: AnsibleAWSModule, iam) -> dict:
    arn, _ = find_provider(iam, module.params["url"])
    if arn is None:
        return {"changed": False, "arn": ""}
    if not module.check_mode:
        try:
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        except is_boto3_error_code("NoSuchEntity"):
            return {"changed": False, "arn": ""}
    return {"changed": True, "arn": arn}


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "client_ids": {"type": "list", "elements": "str", "default": ["sts.amazonaws.com"]},
            "thumbprints": {"type": "list", "elements": "str", "default": [], "no_log": False},
            "tags": {"type": "dict"},
            "purge_tags": {"type": "bool", "default": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        supports_check_mode=True,
    )
    if not module.params["url"].startswith("https://"):
        module.fail_json(msg=f"url must start with https://, got {module.params['url']!r}")
    iam = module.client("iam")
    try:
        if module.params["state"] == "present":
            result = ensure_present(module, iam)
        else:
            result = ensure_absent(module, iam)
    except BOTO_ERRORS as exc:
        module.fail_json_aws(exc, msg="IAM OIDC provider request failed")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
