"""python -m scaleout.ci.push_image against the emulator's ECR.

What is tested for real: finding the repository, the decision to skip a tag that is already
there (ECR tags are immutable here), reading the digest back, the printed image and the lines
written to $GITHUB_OUTPUT, and the exit codes. What is not: the layer upload itself. The
emulator does not serve the registry protocol, so where a push must happen the tests hand
push_once a stand-in pusher that registers the image through ECR's PutImage API, as a registry
would on a real push; the Docker SDK call it replaces is not exercised here.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid

import pytest

from scaleout.ci.push_image import PushError, Result, push_once, write_outputs
from tests.conftest import ROOT

pytestmark = pytest.mark.emulator


def manifest(seed: str) -> str:
    layer = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "size": 7, "digest": layer},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 7, "digest": layer}],
    })  # fmt: skip


@pytest.fixture
def repository(emulator):
    ecr = emulator.client("ecr")
    name = f"push-{uuid.uuid4().hex[:8]}"
    uri = ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")["repository"][
        "repositoryUri"
    ]
    yield ecr, name, uri
    ecr.delete_repository(repositoryName=name, force=True)


def put(ecr, name: str, tag: str, seed: str) -> str:
    image = ecr.put_image(repositoryName=name, imageManifest=manifest(seed), imageTag=tag)
    return image["image"]["imageId"]["imageDigest"]


def cli(emulator, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scaleout.ci.push_image", *args],
        cwd=ROOT, env=emulator.env(**env), capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


def test_an_existing_tag_is_not_pushed_again_and_its_digest_is_output(
    emulator, repository, tmp_path
):
    ecr, name, uri = repository
    digest = put(ecr, name, "abc123", "first build")
    outputs = tmp_path / "github_output"
    outputs.write_text("earlier=kept\n")

    # No Docker engine is touched: the CLI decides from ECR alone that there is nothing to push.
    proc = cli(emulator, "--source", "http-scale-out:absent-locally", "--repository", name,
               "--tag", "abc123", GITHUB_OUTPUT=str(outputs))  # fmt: skip

    assert proc.returncode == 0, proc.stderr
    assert "already there" in proc.stderr
    assert json.loads(proc.stdout) == {"image": f"{uri}@{digest}", "digest": digest,
                                       "pushed": False}  # fmt: skip
    assert outputs.read_text().splitlines() == [
        "earlier=kept",
        f"image={uri}@{digest}",
        f"digest={digest}",
        "pushed=false",
    ]


def test_a_new_tag_is_pushed_once_and_the_pushed_digest_returned(repository):
    ecr, name, uri = repository
    put(ecr, name, "older", "older build")
    calls = []

    def registry_stand_in(client, source, target_uri, tag):
        calls.append((source, target_uri, tag))
        put(client, name, tag, "new build")

    result = push_once(ecr, "http-scale-out:new", name, "new", pusher=registry_stand_in)

    assert calls == [("http-scale-out:new", uri, "new")]
    (detail,) = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "new"}])[
        "imageDetails"
    ]
    assert result == Result(uri, "new", detail["imageDigest"], pushed=True)
    assert result.image == f"{uri}@{detail['imageDigest']}"


def test_a_push_that_ecr_does_not_list_afterwards_is_an_error(repository):
    ecr, name, _ = repository
    with pytest.raises(PushError, match="does not list it"):
        push_once(ecr, "http-scale-out:x", name, "lost", pusher=lambda *args: None)


def test_a_missing_repository_fails_with_exit_code_1(emulator):
    proc = cli(emulator, "--source", "x:y", "--repository", "no-such-repo", "--tag", "t")
    assert proc.returncode == 1
    assert "no ECR repository named 'no-such-repo'" in proc.stderr
    assert proc.stdout == ""


def test_missing_arguments_are_bad_usage(emulator):
    proc = cli(emulator, "--source", "x:y", "--repository", "r")
    assert proc.returncode == 2
    assert "--tag" in proc.stderr


def test_outputs_say_whether_the_image_was_pushed(tmp_path):
    path = tmp_path / "out"
    write_outputs(Result("1.dkr.ecr.eu-west-1.amazonaws.com/r", "t", "sha256:ab", True), path)
    assert "pushed=true" in path.read_text().splitlines()
