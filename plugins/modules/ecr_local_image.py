#!/usr/bin/python
"""Ansible module: record a locally built image in an ECR repository of the emulator."""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

DOCUMENTATION = r"""
---
module: ecr_local_image
short_description: Record a local Docker image in an emulated ECR repository
description:
  - For the C(local) environment only. The emulator (moto) implements ECR's API but not the
    registry protocol, so C(docker push) cannot reach it. This module records the image the way
    a push would leave it in ECR's API - a manifest under a tag, with the config and layer
    digests of the local image - with PutImage, so that deploys and the emulated
    CannotPullContainerError see the same image as the local Docker engine.
  - The tag is derived from the image id when not given, so the same image is recorded once
    and a re-run changes nothing (the repository's tags are immutable).
  - Refuses a real AWS endpoint (empty C(endpoint_url)): on AWS, push with Docker.
options:
  repository:
    description: Name of the ECR repository.
    type: str
    required: true
  image_id:
    description: The local image's id (C(sha256:...)), i.e. its config digest.
    type: str
    required: true
  layers:
    description: The image's layer digests (C(RootFS.Layers) of C(docker image inspect)).
    type: list
    elements: str
    required: true
  tag:
    description: Tag to record; default C(local-) and the first 12 hex digits of the image id.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Record the image built for make up
  ecr_local_image:
    repository: http-scale-out
    image_id: "{{ __image.image.Id }}"
    layers: "{{ __image.image.RootFS.Layers }}"
    endpoint_url: http://127.0.0.1:5000
    region: eu-west-1
"""

RETURN = r"""
image_uri:
  description: The image by digest, as a task definition names it.
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/http-scale-out@sha256:0a1b...
tag:
  description: The tag the image is recorded under.
  returned: always
  type: str
digest:
  description: The image (manifest) digest ECR reports.
  returned: unless check mode stopped before recording
  type: str
"""


def manifest(image_id: str, layers: list[str]) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 0,
                "digest": image_id,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar",
                    "size": 0,
                    "digest": layer,
                }
                for layer in layers
            ],
        },
        separators=(",", ":"),
    )


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "repository": {"type": "str", "required": True},
            "image_id": {"type": "str", "required": True},
            "layers": {"type": "list", "elements": "str", "required": True},
            "tag": {"type": "str"},
        },
        supports_check_mode=True,
    )
    params = module.params
    if not params.get("endpoint_url"):
        module.fail_json(msg="ecr_local_image records images in the emulator only: on AWS, push")
    image_id = params["image_id"]
    if not image_id.startswith("sha256:") or len(image_id) != 71:
        module.fail_json(msg=f"image_id must be sha256:<64 hex digits>, got {image_id!r}")
    tag = params["tag"] or f"local-{image_id[7:19]}"
    ecr = module.client("ecr")
    try:
        repo = ecr.describe_repositories(repositoryNames=[params["repository"]])["repositories"][0]
    except BOTO_ERRORS as exc:
        module.fail_json_aws(exc, msg=f"cannot find the ECR repository {params['repository']}")
    uri = repo["repositoryUri"]
    try:
        found = ecr.describe_images(
            repositoryName=params["repository"], imageIds=[{"imageTag": tag}]
        )["imageDetails"]
    except ecr.exceptions.ImageNotFoundException:
        found = []
    except BOTO_ERRORS as exc:
        module.fail_json_aws(exc, msg="cannot look up the image")
    if found:
        digest = found[0]["imageDigest"]
        module.exit_json(changed=False, tag=tag, digest=digest, image_uri=f"{uri}@{digest}")
    if module.check_mode:
        module.exit_json(changed=True, tag=tag, image_uri=f"{uri}:{tag}")
    try:
        image = ecr.put_image(
            repositoryName=params["repository"],
            imageManifest=manifest(image_id, params["layers"]),
            imageManifestMediaType="application/vnd.docker.distribution.manifest.v2+json",
            imageTag=tag,
        )["image"]
    except BOTO_ERRORS as exc:
        module.fail_json_aws(exc, msg="cannot record the image")
    digest = image["imageId"]["imageDigest"]
    module.exit_json(changed=True, tag=tag, digest=digest, image_uri=f"{uri}@{digest}")


if __name__ == "__main__":
    main()
