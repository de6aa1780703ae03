"""`python -m scaleout.ci.push_image`: push a local image to ECR under one tag, once.

ECR repositories of this stack have immutable tags, and the tag is the commit SHA: when the tag
is already in the repository (a re-run of the same commit), the push is skipped and the digest
already there is used. Either way the image is printed as REPOSITORY_URI@DIGEST (what deploys
take), and written to $GITHUB_OUTPUT as `image=`, `digest=`, `pushed=` when that is set.

Credentials and region come from the usual AWS chain (in workflows: the OIDC push role);
AWS_ENDPOINT_URL points boto3 at the emulator. Exit codes: 0 pushed or already there, 1 failed
(no such repository, no such local image, push refused), 2 bad usage.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class PushError(Exception):
    """The push cannot be done; the message says why."""


@dataclass(frozen=True)
class Result:
    repository_uri: str
    tag: str
    digest: str
    pushed: bool

    @property
    def image(self) -> str:
        return f"{self.repository_uri}@{self.digest}"


def existing_digest(ecr: Any, repository: str, tag: str) -> str | None:
    """The digest the tag points to in the repository, or None when the tag is not there."""
    try:
        response = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ecr.exceptions.ImageNotFoundException:
        return None
    except ecr.exceptions.RepositoryNotFoundException as exc:
        raise PushError(f"no ECR repository named {repository!r} (provision first)") from exc
    details = response.get("imageDetails", [])
    return details[0]["imageDigest"] if details else None


def repository_uri(ecr: Any, repository: str) -> str:
    try:
        response = ecr.describe_repositories(repositoryNames=[repository])
    except ecr.exceptions.RepositoryNotFoundException as exc:
        raise PushError(f"no ECR repository named {repository!r} (provision first)") from exc
    return response["repositories"][0]["repositoryUri"]


def docker_push(ecr: Any, source: str, uri: str, tag: str) -> None:
    """Log in to the registry with a token from ECR, tag `source` as uri:tag and push it."""
    import docker  # the Docker SDK; imported here so that the skip path needs no engine

    auth = ecr.get_authorization_token()["authorizationData"][0]
    username, password = base64.b64decode(auth["authorizationToken"]).decode().split(":", 1)
    client = docker.from_env()
    try:
        image = client.images.get(source)
    except docker.errors.ImageNotFound as exc:
        raise PushError(f"no local image {source!r} (make image builds it)") from exc
    image.tag(uri, tag)
    credentials = {"username": username, "password": password}
    for line in client.images.push(uri, tag, auth_config=credentials, stream=True, decode=True):
        if "error" in line:
            raise PushError(f"the registry refused the push: {line['error']}")


Pusher = Callable[[Any, str, str, str], None]


def push_once(
    ecr: Any, source: str, repository: str, tag: str, pusher: Pusher = docker_push
) -> Result:
    """Push `source` as repository:tag unless the tag exists; return where the image is."""
    uri = repository_uri(ecr, repository)
    digest = existing_digest(ecr, repository, tag)
    if digest is not None:
        return Result(uri, tag, digest, pushed=False)
    pusher(ecr, source, uri, tag)
    digest = existing_digest(ecr, repository, tag)
    if digest is None:
        raise PushError(f"pushed {uri}:{tag}, but ECR does not list it")
    return Result(uri, tag, digest, pushed=True)


def write_outputs(result: Result, path: str | os.PathLike[str]) -> None:
    """Append the result to a GitHub Actions output file ($GITHUB_OUTPUT)."""
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(f"image={result.image}\n")
        out.write(f"digest={result.digest}\n")
        out.write(f"pushed={'true' if result.pushed else 'false'}\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scaleout.ci.push_image",
        description="Push a local image to ECR under a tag unless the tag is already there, "
        "and print REPOSITORY_URI@DIGEST.",
    )
    parser.add_argument("--source", required=True, help="local image to push, NAME:TAG")
    parser.add_argument("--repository", required=True, help="ECR repository name")
    parser.add_argument("--tag", required=True, help="tag to push under (the commit SHA)")
    parser.add_argument(
        "--region", default=None, help="AWS region (default: the AWS chain, e.g. $AWS_REGION)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.source and args.repository and args.tag):
        print("push_image: --source, --repository and --tag must not be empty", file=sys.stderr)
        return 2
    import boto3
    import botocore.exceptions

    ecr = boto3.client("ecr", region_name=args.region)
    try:
        result = push_once(ecr, args.source, args.repository, args.tag)
    except PushError as exc:
        print(f"push_image: {exc}", file=sys.stderr)
        return 1
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        print(f"push_image: AWS refused: {exc}", file=sys.stderr)
        return 1
    verb = "pushed" if result.pushed else "already there, not pushed again"
    print(f"push_image: {result.repository_uri}:{result.tag} {verb}", file=sys.stderr)
    print(json.dumps({"image": result.image, "digest": result.digest, "pushed": result.pushed}))
    if os.environ.get("GITHUB_OUTPUT"):
        write_outputs(result, os.environ["GITHUB_OUTPUT"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
