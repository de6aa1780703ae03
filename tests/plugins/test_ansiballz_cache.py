"""plugins/callback/ansiballz_cache.py: built module payloads last between runs, and never
outlive the sources they were built from.

Each test gives the probe module a cache directory of its own. Ansible names a cached payload
after the module alone, so what matters most is the second test: a changed module_utils file
must reach the module, although the module itself did not change.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.plugins.conftest import MODULE, RunProbe, answer

pytestmark = [pytest.mark.slow, pytest.mark.playbook]

PAYLOAD = "ansible.legacy.scaleout_probe-ZIP_DEFLATED-none"


def payloads(cache: Path) -> list[Path]:
    return sorted(cache.glob(f"*/{PAYLOAD}"))


def test_a_second_run_uses_the_payload_the_first_built(
    run_probe: RunProbe, sources: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache))
    assert first.answer == "one"
    (payload,) = payloads(cache)
    built = payload.stat()
    assert (cache.stat().st_mode & 0o777) == 0o700

    second = run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache))
    assert second.answer == "one"
    # Ansible writes a payload to a new file and renames it: a rebuilt one has a new inode.
    again = payload.stat()
    assert (again.st_ino, again.st_mtime_ns) == (built.st_ino, built.st_mtime_ns)


@pytest.mark.parametrize("configure", [True, False], ids=["configured-paths", "beside-playbook"])
def test_a_changed_source_is_built_into_a_new_payload(
    run_probe: RunProbe, sources: tuple[Path, Path], tmp_path: Path, configure: bool
) -> None:
    cache = tmp_path / "cache"
    library, module_utils = sources

    def ask() -> str:
        return run_probe(
            *sources, configure=configure, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache)
        ).answer

    assert ask() == "one"
    answer(module_utils, "two")
    assert ask() == "two"
    assert len(payloads(cache)) == 2

    # Same size, and the mtime put back as it was: still another source.
    helper = module_utils / "scaleout_probe_answer.py"
    before = helper.stat()
    helper.write_text("ANSWER = 'six'\n")
    os.utime(helper, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert helper.stat().st_size == before.st_size
    assert ask() == "six"

    # And the module itself.
    module = library / "scaleout_probe.py"
    module.write_text(MODULE.replace("answer=ANSWER", "answer=ANSWER[::-1]"))
    assert ask() == "xis"
    assert len(payloads(cache)) == 4


def test_two_runs_at_once_share_the_directory(
    sources: tuple[Path, Path], tmp_path: Path, run_probe: RunProbe
) -> None:
    cache = tmp_path / "cache"
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(run_probe, *sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache))
            for _ in range(2)
        ]
        assert [run.result().answer for run in runs] == ["one", "one"]
    assert len(payloads(cache)) == 1


def test_under_a_group_writable_umask_the_directories_are_private(
    run_probe: RunProbe, sources: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "home" / ".cache" / "ansiballz"
    before = os.umask(0o002)  # the run inherits it
    try:
        probe = run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache))
    finally:
        os.umask(before)
    assert probe.answer == "one"
    assert "ansiballz_cache" not in probe.output
    (payload,) = payloads(cache)
    for level in (cache.parent.parent, cache.parent, cache, payload.parent):
        assert (level.stat().st_mode & 0o777) == 0o700, level


def test_a_directory_other_users_can_write_is_not_used(
    run_probe: RunProbe, sources: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    probe = run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache))
    assert probe.answer == "one"
    assert "can be written by other users" in probe.output
    assert list(cache.iterdir()) == []


def test_switched_off_it_keeps_nothing(
    run_probe: RunProbe, sources: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    probe = run_probe(
        *sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache), SCALEOUT_ANSIBALLZ_CACHE="false"
    )
    assert probe.answer == "one"
    assert not cache.exists()


def test_what_a_dead_run_left_is_removed_and_another_runs_writing_is_not(
    run_probe: RunProbe, sources: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache))
    (payload,) = payloads(cache)
    payload.write_bytes(b"")  # a dead run's payload, never written out
    two_hours_ago = time.time() - 7200
    stale = payload.parent / "other-module-ZIP_DEFLATED-none-part"
    stale.write_bytes(b"half")
    os.utime(stale, (two_hours_ago, two_hours_ago))
    writing = payload.parent / "third-module-ZIP_DEFLATED-none-part"
    writing.write_bytes(b"")  # just opened by a run going on now

    assert run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache)).answer == "one"
    assert payload.stat().st_size > 0
    assert not stale.exists()
    assert writing.exists()


def test_directories_unused_for_30_days_are_removed(
    run_probe: RunProbe, sources: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    old, recent = cache / ("0" * 24), cache / ("1" * 24)
    for path, days in ((old, 31), (recent, 29)):
        path.mkdir(parents=True, mode=0o700)
        when = time.time() - days * 24 * 3600
        os.utime(path, (when, when))
    cache.chmod(0o700)

    assert run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache)).answer == "one"
    assert not old.exists()
    assert recent.exists()
    assert len(payloads(cache)) == 1
