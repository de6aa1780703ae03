"""The interpreter our inventories run Ansible modules with: Python, plus a bytecode cache.

Usage (what the inventories' `ansible_python_interpreter` expands to):
    <python> plugins/module_python.py <module file> [args...]

Ansible ships a module to its interpreter as a zip of the module and the module_utils it
imports, and Python imports those through zipimport, which cannot cache bytecode: each module
process compiles ansible.module_utils.basic and the amazon.aws helpers from source, twice over
(Python 3.11's zipimport compiles a file once to find it and once more to load it). That is
about a fifth of an AWS module's start-up, and a no-op `site.yml` starts some 24 of them.

This launcher keeps the compiled code of every source file imported from a zip, keyed by the
Python bytecode version and optimization level (-O), the file's path inside the zip and a
SHA-256 of its source, so the code is only ever reused for the very source it was compiled
from. Everything else is as under plain Python: the module file runs as `__main__` with its
own directory first on sys.path.

The cache is `~/.cache/http-scale-out/pyc` (SCALEOUT_PYC_CACHE_DIR to move it; set it to an
empty value to switch the cache off). Loading cached code runs it, so the cache is not used
unless its directory and that directory's parent belong to the current user and nobody else
can write to them. An entry is written once; entries written more than 30 days ago are removed
when a new one is written (a file still in use is then compiled and written again). Without a
module file (Ansible's pipelining sends the module on standard input), or on a Python without
zipimport's compile hook, it runs plain Python. It takes no interpreter options: the first
argument is the module file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import runpy
import stat
import sys
import time
import types
import zipimport

DEFAULT_DIR = "~/.cache/http-scale-out/pyc"
UNUSED_FOR_S = 30 * 24 * 3600


def cache_dir() -> str | None:
    """The cache directory, made (mode 0700, whatever the umask) if missing; None when switched
    off or not safe to use."""
    path = os.environ.get("SCALEOUT_PYC_CACHE_DIR", DEFAULT_DIR)
    if not path:
        return None
    path = os.path.abspath(os.path.expanduser(path))
    # Code compiled with -O drops asserts: never hand it to a process without -O, or back.
    path = os.path.join(path, f"{importlib.util.MAGIC_NUMBER.hex()}-O{sys.flags.optimize}")
    try:
        missing = []
        probe = path
        while not os.path.lexists(probe):
            missing.append(probe)
            probe = os.path.dirname(probe)
        for level in reversed(missing):
            os.mkdir(level, 0o700)
        for level in (path, os.path.dirname(path)):
            st = os.lstat(level)
            if (
                not stat.S_ISDIR(st.st_mode)
                or st.st_uid != os.geteuid()
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            ):
                return None
    except OSError:
        return None
    return path


def _retarget(code: types.CodeType, filename: str) -> types.CodeType:
    """The same code, as if compiled from `filename` (tracebacks name this run's file)."""
    consts = tuple(
        _retarget(const, filename) if isinstance(const, types.CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def _prune(directory: str) -> None:
    now = time.time()
    for entry in os.scandir(directory):
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > UNUSED_FOR_S:
                os.unlink(entry.path)
        except OSError:
            pass


def caching_compiler(directory: str, compile_source):
    """A stand-in for zipimport's compile step that keeps what it compiles in `directory`."""
    seen: dict[str, types.CodeType] = {}
    pruned = False

    def compile_cached(pathname: str, source: bytes) -> types.CodeType:
        nonlocal pruned
        # pathname is <this run's temporary zip>/<path inside it>: only the inner path lasts.
        inner = pathname.rsplit(".zip" + os.sep, 1)[-1]
        key = hashlib.sha256(inner.encode("utf-8", "surrogateescape") + b"\0" + source)
        name = key.hexdigest()
        code = seen.get(name)
        if code is not None:
            return code
        entry = os.path.join(directory, name)
        code = None
        try:
            with open(entry, "rb") as cached:
                # Trusted: cache_dir() only hands out a directory no other user can write.
                loaded = marshal.load(cached)  # noqa: S302
            if isinstance(loaded, types.CodeType):
                code = _retarget(loaded, pathname)
        except (OSError, EOFError, ValueError, TypeError):
            pass
        if code is None:
            code = compile_source(pathname, source)
            try:
                part = f"{entry}.{os.getpid()}"
                with open(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
                    marshal.dump(code, f)
                os.replace(part, entry)
                if not pruned:
                    pruned = True
                    _prune(directory)
            except OSError:
                pass
        seen[name] = code
        return code

    return compile_cached


def main() -> None:
    if len(sys.argv) < 2:
        # Pipelining: the module comes on standard input, which plain Python reads.
        os.execv(sys.executable, [sys.executable])  # noqa: S606
    directory = cache_dir()
    compile_source = getattr(zipimport, "_compile_source", None)
    if directory is not None and compile_source is not None:
        zipimport._compile_source = caching_compiler(directory, compile_source)
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    # As plain Python does it (the AnsiballZ wrapper removes exactly this entry).
    sys.path[0] = os.path.dirname(os.path.realpath(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
