"""The one Python reader of the inventory's variables (scaleout.plan.variables, which the plan,
the load test and `make up` use) agrees with what Ansible itself renders, for every variable of
every environment."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from scaleout.plan.variables import (
    Unresolved,
    environment_files,
    load_environment,
    load_vars,
    resolve,
)
from tests.conftest import ROOT, require_tool
from tests.plan.plan_support import INVENTORIES

# What the reader leaves to Ansible: lookups of the environment, per environment.
UNRESOLVED = {"local": {"project_endpoint_url"}, "aws": set()}


def ansible_values(env: str, names: list[str]) -> dict:
    """Each variable as Ansible renders it for localhost in ansible/inventories/<env>."""
    ansible = ROOT / ".venv" / "bin" / "ansible"
    if not ansible.exists():
        ansible = require_tool("ansible", "the inventory test asks Ansible for its values")
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EMULATOR_", "ANSIBLE_"))
    }
    environ.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_NOCOLOR="1",
    )
    proc = subprocess.run(
        [
            str(ansible),
            "localhost",
            "-i",
            str(INVENTORIES / env),
            "-m",
            "ansible.builtin.debug",
            "-a",
            json.dumps({"msg": "{{ query('ansible.builtin.vars', *names) }}"}),
            "-e",
            json.dumps({"names": names}),
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (play,) = json.loads(proc.stdout)["plays"]
    (task,) = play["tasks"]
    return dict(zip(names, task["hosts"]["localhost"]["msg"], strict=True))


@pytest.mark.playbook
@pytest.mark.parametrize("env", ["local", "aws"])
def test_the_reader_agrees_with_ansible_on_every_variable(env):
    raw = load_environment(env)
    names = sorted(raw)
    assert len(names) > 40, names
    rendered = ansible_values(env, names)
    unresolved = set()
    for name in names:
        mine = resolve(raw[name], raw)
        if isinstance(mine, Unresolved):
            unresolved.add(name)
            continue
        assert mine == rendered[name], name
    assert unresolved == UNRESOLVED[env]


def test_one_base_file_and_a_small_override_per_environment():
    for env in ("local", "aws"):
        base, override = environment_files(env)
        assert base.resolve() == INVENTORIES / "base.yml"
        assert override.name == "10-environment.yml"
        # The override holds only what differs between the environments.
        assert set(load_vars(override)) == {
            "project_env",
            "project_endpoint_url",
            "project_contract_url",
        }
    local, aws = (set(load_environment(e)) for e in ("local", "aws"))
    assert local == aws


def test_an_override_wins_over_the_base(tmp_path):
    (tmp_path / "base.yml").write_text("project_env: base\nproject_max_tasks: 4\n")
    folder = tmp_path / "test" / "group_vars" / "all"
    folder.mkdir(parents=True)
    (folder / "00-base.yml").symlink_to(tmp_path / "base.yml")
    (folder / "10-environment.yml").write_text("project_env: test\n")
    assert load_environment("test", tmp_path) == {"project_env": "test", "project_max_tasks": 4}


def test_files_are_found_as_ansible_finds_them(tmp_path):
    """A group_vars/all folder wins over all.yml; inside it, every vars file by name, a
    subfolder in place, hidden files and backups skipped (ansible-core's DataLoader)."""
    group_vars = tmp_path / "test" / "group_vars"
    folder = group_vars / "all"
    (folder / "20-more").mkdir(parents=True)
    (group_vars / "all.yml").write_text("project_env: stale\n")
    (folder / "10-environment.yml").write_text("project_env: test\nproject_max_tasks: 2\n")
    (folder / "20-more" / "a.json").write_text('{"project_max_tasks": 3}')
    (folder / "30-secrets").write_text("project_secret_name: s\n")
    (folder / ".hidden.yml").write_text("project_env: hidden\n")
    (folder / "40-old.yml~").write_text("project_env: backup\n")
    (folder / "50-notes.txt").write_text("project_env: text\n")
    names = [p.relative_to(folder).as_posix() for p in environment_files("test", tmp_path)]
    assert names == ["10-environment.yml", "20-more/a.json", "30-secrets"]
    assert load_environment("test", tmp_path) == {
        "project_env": "test",
        "project_max_tasks": 3,
        "project_secret_name": "s",
    }
