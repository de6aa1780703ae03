"""What this project's own Ansible modules share: the errors a boto3 call raises, how they end
(with a diff) and how they stop when the resource they act on does not exist (yet).

Imported by the modules as `ansible.module_utils.scaleout_modules` (ansible.cfg points
`module_utils` here); Ansible ships it to the module with the module.
"""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError

    # What a boto3 call raises: the modules catch these and fail with fail_json_aws.
    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore


def exit_with_diff(module, changed, before, after, **result):
    """exit_json with `changed`, the result, and a before/after diff when --diff asks for it."""
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(changed=changed, **result)


def missing_parent(module, what):
    """Stop because `what` (a cluster, an Auto Scaling group) does not exist.

    In check mode the parent may be missing only because an earlier task of the same run was
    itself only checked, so report the change that would happen instead of failing: this keeps
    `--check` on a fresh account from crashing. Outside check mode it is an error.
    """
    if module.check_mode:
        module.warn(f"{what} does not exist (yet): reporting the change that would be made")
        module.exit_json(changed=True)
    module.fail_json(msg=f"{what} does not exist")
