"""plugins/module_python.py: modules run as under plain Python, and compiled code is reused only
for the very source it was compiled from."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from plugins import module_python
from tests.conftest import ROOT, in_ci
from tests.plugins.conftest import RunProbe, answer

pytestmark = pytest.mark.playbook

SOURCE = (
    b"def where():\n    return __file__\n\n\n"
    b"def code_file():\n    return where.__code__.co_filename\n"
)


class Counting:
    """zipimport's compile step, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, pathname: str, source: bytes) -> types.CodeType:
        self.calls += 1
        return compile(source, pathname, "exec", dont_inherit=True)


def run(code: types.CodeType) -> dict:
    namespace: dict = {"__file__": code.co_filename}
    exec(code, namespace)  # noqa: S102 - the code under test, compiled from SOURCE above
    return namespace


def test_a_later_run_loads_the_code_instead_of_compiling(tmp_path: Path) -> None:
    first_run, later_run = Counting(), Counting()
    first = module_python.caching_compiler(str(tmp_path), first_run)
    code = first("/tmp/a/AnsiballZ_x.py/payload.zip/ansible/module_utils/x.py", SOURCE)
    # The same file asked for twice in one process (zipimport does that) is compiled once.
    assert first("/tmp/a/AnsiballZ_x.py/payload.zip/ansible/module_utils/x.py", SOURCE) is code
    assert first_run.calls == 1
    assert len(list(tmp_path.iterdir())) == 1

    # Another run unpacks its payload elsewhere: same code, this run's file name.
    later = module_python.caching_compiler(str(tmp_path), later_run)
    path = "/tmp/b/AnsiballZ_x.py/payload.zip/ansible/module_utils/x.py"
    loaded = later(path, SOURCE)
    assert later_run.calls == 0
    assert loaded.co_code == code.co_code
    assert run(loaded)["code_file"]() == path


def test_other_source_or_another_file_is_compiled(tmp_path: Path) -> None:
    compiler = Counting()
    module_python.caching_compiler(str(tmp_path), compiler)("/r/p.zip/a.py", SOURCE)
    later = module_python.caching_compiler(str(tmp_path), compiler)
    changed = later("/r/p.zip/a.py", SOURCE + b"ANSWER = 2\n")
    assert run(changed)["ANSWER"] == 2
    later("/r/p.zip/b.py", SOURCE)
    assert compiler.calls == 3
    assert len(list(tmp_path.iterdir())) == 3


def test_a_damaged_entry_is_compiled_again(tmp_path: Path) -> None:
    compiler = Counting()
    module_python.caching_compiler(str(tmp_path), compiler)("/r/p.zip/a.py", SOURCE)
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(b"\xe3 not marshal data")
    code = module_python.caching_compiler(str(tmp_path), compiler)("/r/p.zip/a.py", SOURCE)
    assert compiler.calls == 2
    assert "where" in run(code)


def test_under_a_group_writable_umask_the_directories_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCALEOUT_PYC_CACHE_DIR", str(tmp_path / "home" / ".cache" / "pyc"))
    before = os.umask(0o002)
    try:
        directory = module_python.cache_dir()
    finally:
        os.umask(before)
    assert directory is not None
    level = Path(directory)
    while level != tmp_path:
        assert (level.stat().st_mode & 0o777) == 0o700, level
        level = level.parent


def test_code_compiled_with_o_is_not_run_without(tmp_path: Path) -> None:
    """-O drops asserts: a process without it must not get the code a -O process cached."""
    script = (
        "import sys, zipimport\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from plugins import module_python\n"
        "compile_cached = module_python.caching_compiler(\n"
        "    module_python.cache_dir(), zipimport._compile_source)\n"
        "namespace = {}\n"
        "exec(compile_cached('/r/p.zip/a.py', b'checked = False\\n"
        "try:\\n    assert False\\nexcept AssertionError:\\n    checked = True\\n'),"
        " namespace)\n"
        "print(namespace['checked'])\n"
    )
    env = {**os.environ, "SCALEOUT_PYC_CACHE_DIR": str(tmp_path / "pyc")}

    def checked(*flags: str) -> str:
        proc = subprocess.run(
            [sys.executable, *flags, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()

    assert checked("-O") == "False"
    assert checked() == "True"
    assert checked("-O") == "False"


def test_without_a_module_file_it_runs_standard_input() -> None:
    """Ansible's pipelining sends the module on standard input."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "plugins/module_python.py")],
        input="import sys\nprint('from stdin', sys.argv)\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "from stdin ['']"


def test_a_directory_other_users_can_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCALEOUT_PYC_CACHE_DIR", str(tmp_path / "pyc"))
    assert module_python.cache_dir() is not None
    (tmp_path / "pyc").chmod(0o777)
    assert module_python.cache_dir() is None
    monkeypatch.setenv("SCALEOUT_PYC_CACHE_DIR", "")
    assert module_python.cache_dir() is None


@pytest.mark.slow
def test_a_module_run_through_it_sees_its_current_sources(
    run_probe: RunProbe,
    sources: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    launcher = tmp_path / "module-python"
    # What `make venv` writes (Makefile, MAKE_MODULE_PYTHON).
    launcher.write_text(
        f"#!{sys.executable}\nimport runpy\n"
        f"runpy.run_path({str(ROOT / 'plugins/module_python.py')!r}, run_name='__main__')\n"
    )
    launcher.chmod(0o755)
    pyc = tmp_path / "pyc"
    env = {"SCALEOUT_PYC_CACHE_DIR": str(pyc), "SCALEOUT_ANSIBALLZ_CACHE": "false"}

    def entries() -> dict[str, tuple[int, int]]:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in pyc.glob("*/*")}

    assert run_probe(*sources, interpreter=str(launcher), **env).answer == "one"
    kept = entries()
    assert len(kept) > 10  # the module, its module_utils and ansible.module_utils.basic's
    assert run_probe(*sources, interpreter=str(launcher), **env).answer == "one"
    # Loaded, not compiled and written again (a write replaces the file: a new inode).
    assert entries() == kept

    answer(sources[1], "two")
    assert run_probe(*sources, interpreter=str(launcher), **env).answer == "two"
    assert len(entries().keys() - kept.keys()) == 1


@pytest.mark.slow
def test_the_inventories_use_it_when_make_venv_wrote_it() -> None:
    python = Path(sys.executable)
    launcher = python.parent / "module-python"
    for environment in ("local", "aws"):
        proc = subprocess.run(
            [
                str(python.parent / "ansible"),
                "localhost",
                "-i",
                str(ROOT / f"ansible/inventories/{environment}"),
                "-m",
                "ansible.builtin.debug",
                "-a",
                "var=ansible_python_interpreter",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        if launcher.is_file():
            assert f'"ansible_python_interpreter": "{launcher}"' in proc.stdout, proc.stdout
        else:
            assert "module-python" not in proc.stdout, proc.stdout
    if in_ci():
        assert launcher.is_file(), "make venv writes module-python; CI runs make test"
