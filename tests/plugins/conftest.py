"""Run our controller plugins through real `ansible-playbook`, with no AWS and no emulator.

`run_probe()` applies a throwaway module (written by the test into its own library directory)
on localhost with the project's ansible.cfg, so every plugin it enables is loaded as in a real
run, and returns what the module answered together with the run's output.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaleout.playbook import ANSIBLE_PLAYBOOK
from tests.conftest import ROOT

PLAYBOOK = """\
- name: Run the probe module once
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Ask the probe module for its answer
      scaleout_probe:
"""


MODULE = """\
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.scaleout_probe_answer import ANSWER


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.exit_json(changed=False, answer=ANSWER)


if __name__ == "__main__":
    main()
"""


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    library, module_utils = tmp_path / "library", tmp_path / "module_utils"
    library.mkdir()
    module_utils.mkdir()
    (library / "scaleout_probe.py").write_text(MODULE)
    answer(module_utils, "one")
    return library, module_utils


def answer(module_utils: Path, value: str) -> None:
    path = module_utils / "scaleout_probe_answer.py"
    path.write_text(f"ANSWER = {value!r}\n")
    # A later mtime than any earlier version, even on a coarse clock.
    later = time.time_ns() + len(value) * 1_000_000_000
    os.utime(path, ns=(later, later))


@dataclass
class Probe:
    answer: str
    output: str


RunProbe = Callable[..., Probe]


@pytest.fixture
def run_probe(tmp_path: Path) -> RunProbe:
    """run_probe(library, module_utils, interpreter=None, configure=True, **env) -> the probe's
    answer, and the run's output. The module runs with `interpreter`, by default the Python of
    ansible-playbook. The playbook sits beside library/ and module_utils/ (where
    ansible-playbook looks by itself); configure=True also names them in ANSIBLE_LIBRARY and
    ANSIBLE_MODULE_UTILS."""
    playbook = tmp_path / "probe.yml"
    playbook.write_text(PLAYBOOK)

    def run(
        library: Path,
        module_utils: Path,
        interpreter: str | None = None,
        configure: bool = True,
        **extra_env: str,
    ) -> Probe:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
        if configure:
            env.update(ANSIBLE_LIBRARY=str(library), ANSIBLE_MODULE_UTILS=str(module_utils))
        env.update(
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            **extra_env,
        )
        proc = subprocess.run(
            [
                str(ANSIBLE_PLAYBOOK),
                "-i",
                "localhost,",
                "-e",
                json.dumps(
                    {"ansible_python_interpreter": interpreter or "{{ ansible_playbook_python }}"}
                ),
                str(playbook),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, f"ansible-playbook failed:\n{proc.stdout}\n{proc.stderr}"
        report = json.loads(proc.stdout)
        (task,) = report["plays"][0]["tasks"]
        return Probe(task["hosts"]["localhost"]["answer"], proc.stdout + proc.stderr)

    return run
