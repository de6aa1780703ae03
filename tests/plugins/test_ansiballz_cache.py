"""plugins/callback/ansiballz_cache.py: built module payloads last between runs, and never
outlive the sources they were built from.

Each test gives the probe module a cache directory of its own. Ansible names a cached payload
after the module alone, so what matters most is the second test: a changed module_utils file
must reach the module, although the module itself did not change.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.plugins.conftest import MODULE, RunProbe, answer

pytestmark = pytest.mark.slow

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


def test_a_changed_module_utils_file_is_built_into_a_new_payload(
    run_probe: RunProbe, sources: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    library, module_utils = sources
    assert run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache)).answer == "one"

    answer(module_utils, "two")
    assert run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache)).answer == "two"
    assert len(payloads(cache)) == 2

    # And the module itself: a new file of the same size still counts.
    module = library / "scaleout_probe.py"
    module.write_text(MODULE.replace("answer=ANSWER", "answer=ANSWER[::-1]"))
    later = time.time_ns() + 10_000_000_000
    os.utime(module, ns=(later, later))
    assert run_probe(*sources, SCALEOUT_ANSIBALLZ_CACHE_DIR=str(cache)).answer == "owt"
    assert len(payloads(cache)) == 3


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
