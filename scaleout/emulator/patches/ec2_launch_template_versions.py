"""DeleteLaunchTemplateVersions exists, as in real EC2.

Real AWS: DeleteLaunchTemplateVersions (LaunchTemplateName or LaunchTemplateId, Versions: up to
200 version numbers) deletes those versions of the template and answers per version, in
`SuccessfullyDeletedLaunchTemplateVersions` or `UnsuccessfullyDeletedLaunchTemplateVersions`
(with a `ResponseError` code from AWS's list: launchTemplateNameDoesNotExist,
launchTemplateIdDoesNotExist, launchTemplateVersionDoesNotExist, unexpectedError, ...). The
default version cannot be deleted (DeleteLaunchTemplate removes a template with all its
versions). Deleted version numbers are not reused: the next version gets the next number, a
deleted one is no longer described, and naming it is InvalidLaunchTemplateId.VersionNotFound.

moto 5.2.5: has no DeleteLaunchTemplateVersions (the server answers 500). amazon.aws
ec2_launch_template calls it with `state: absent` to delete every non-default version before
the template itself, so `make teardown` failed on the emulator once the launch template had
a second version (after any change of instance type, AMI, security groups or user data).

The AWS API lists no error code for "the default version"; the emulator answers
unexpectedError there. Which template a name or id finds, and its versions, stay moto's: a
deleted version is kept in moto's list (moto finds versions by position) but marked deleted,
and is hidden from every lookup.

Proved by tests/emulator/test_patches.py::test_delete_launch_template_versions_* (and,
against --no-patches, test_plain_moto_lacks_delete_launch_template_versions).
"""

from __future__ import annotations

import contextlib
from typing import Any

from ._patching import wrap

MAX_VERSIONS = 200


def _deleted(version: Any) -> bool:
    return getattr(version, "deleted", False)


def _item(template: Any, name: str | None, template_id: str | None, number: Any) -> dict:
    item: dict[str, Any] = {
        "LaunchTemplateId": template.id if template else template_id,
        "LaunchTemplateName": template.name if template else name,
    }
    with contextlib.suppress(TypeError, ValueError):
        item["VersionNumber"] = int(number)
    return {k: v for k, v in item.items() if v is not None}


def _error(item: dict, code: str, message: str) -> dict:
    return {**item, "ResponseError": {"Code": code, "Message": message}}


def _delete_launch_template_versions(_original: Any, self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidParameterValue, MissingParameterError

    name = self._get_param("LaunchTemplateName")
    template_id = self._get_param("LaunchTemplateId")
    numbers = self._get_param("Versions", [])
    self.error_on_dryrun()
    if not numbers:
        raise MissingParameterError("LaunchTemplateVersion")
    if len(numbers) > MAX_VERSIONS:
        raise InvalidParameterValue(
            f"You can delete up to {MAX_VERSIONS} launch template versions in a single request."
        )
    if not name and not template_id:
        raise MissingParameterError("launch template ID or launch template name")

    backend = self.ec2_backend
    if name:
        template_id = backend.launch_template_name_to_ids.get(name) or template_id
    template = backend.launch_templates.get(template_id) if template_id else None
    deleted, failed = [], []
    for number in numbers:
        item = _item(template, name, template_id, number)
        if template is None:
            code = "launchTemplateNameDoesNotExist" if name else "launchTemplateIdDoesNotExist"
            failed.append(_error(item, code, "The specified launch template does not exist."))
            continue
        version = _version(template, number)
        if version is None:
            failed.append(
                _error(
                    item,
                    "launchTemplateVersionDoesNotExist",
                    "The specified launch template version does not exist.",
                )
            )
        elif template.is_default(version):
            failed.append(
                _error(
                    item,
                    "unexpectedError",
                    "Cannot delete the default version of a launch template; make another "
                    "version the default, or delete the launch template.",
                )
            )
        else:
            version.deleted = True
            deleted.append(item)
    return ActionResult(
        {
            "SuccessfullyDeletedLaunchTemplateVersions": deleted,
            "UnsuccessfullyDeletedLaunchTemplateVersions": failed,
        }
    )


def _version(template: Any, number: Any) -> Any:
    """The live version with this number, or None."""
    try:
        index = int(number) - 1
    except (TypeError, ValueError):
        return None
    if not 0 <= index < len(template.versions):
        return None
    version = template.versions[index]
    return None if _deleted(version) else version


def _get_version(original: Any, self: Any, num: Any) -> Any:
    from moto.ec2.exceptions import InvalidLaunchTemplateVersionNotFound

    if str(num).lower() == "$latest":
        return self.latest_version()
    version = original(self, num)
    if _deleted(version):
        raise InvalidLaunchTemplateVersionNotFound(template_id=self.id, version=num)
    return version


def _latest_version(_original: Any, self: Any) -> Any:
    # The default version is never deleted, so there is always one left.
    return next(v for v in reversed(self.versions) if not _deleted(v))


def _describe_launch_template_versions(original: Any, self: Any, *args: Any, **kwargs: Any):
    return [(t, v) for t, v in original(self, *args, **kwargs) if not _deleted(v)]


def _modify_launch_template(
    original: Any,
    self: Any,
    default_version: str,
    template_name: str | None = None,
    template_id: str | None = None,
) -> Any:
    """A deleted version cannot become the default (moto checks the number only)."""
    from moto.ec2.exceptions import InvalidLaunchTemplateVersionNotFound

    found = self.launch_template_name_to_ids.get(template_name) if template_name else template_id
    template = self.launch_templates.get(found) if found else None
    if template is not None and _version(template, default_version) is None:
        raise InvalidLaunchTemplateVersionNotFound(version=default_version)
    return original(self, default_version, template_name=template_name, template_id=template_id)


def apply() -> None:
    from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateBackend
    from moto.ec2.responses import EC2Response

    wrap(EC2Response, "delete_launch_template_versions")(_delete_launch_template_versions)
    wrap(LaunchTemplate, "get_version")(_get_version)
    wrap(LaunchTemplate, "latest_version")(_latest_version)
    wrap(LaunchTemplateBackend, "describe_launch_template_versions")(
        _describe_launch_template_versions
    )
    wrap(LaunchTemplateBackend, "modify_launch_template")(_modify_launch_template)
