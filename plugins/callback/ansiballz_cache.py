"""Keep the module payloads Ansible builds (AnsiballZ) from one run to the next.

Before it runs a Python module, ansible-playbook packs the module and every module_utils file it
imports into one zip payload. Finding those files means parsing each of them, which costs about
0.3 s of controller CPU per distinct module: some 5 s for the 19 modules of a no-op `site.yml`,
a third of that run's time on two CPUs. Ansible keeps the payloads only for the run, in
`<local tmp>/ansiballz_cache`; this plugin points that directory at one that lasts, so the
next run of any playbook finds them built.

Ansible names a payload after its module alone, so the lasting directory is named after a
fingerprint of everything a payload can be built from, taken once the playbook is loaded:
the versions of ansible-core and Python, each collection's MANIFEST.json (or, for a collection
without one, its meta/runtime.yml and each of its module and module_utils files), and each file
on the module and module_utils search paths as they stand then (the configured ones, the
`library` and `module_utils` next to the playbook and in the roles it uses, ansible-core's own).
A file is stamped with its size, inode, mtime and ctime, so an edit, a copy or a restored mtime
all count. Editing one of our modules, upgrading a collection or ansible-core, or running a
playbook that uses other roles' modules gives another directory. Directories not used for 30
days are removed.

The payloads are pickles, which Ansible loads as it does its own: the plugin uses a directory
only if the current user owns it and its parent and nobody else can write to either, and
otherwise says so and leaves Ansible as it is. So does any other failure, with a warning.
Removing the cache while a run is using it makes that run's later module tasks fail.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import sys
import time

from ansible import constants as C
from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import module_loader, module_utils_loader
from ansible.release import __version__ as ansible_core_version
from ansible.utils.collection_loader import AnsibleCollectionConfig

DOCUMENTATION = """
name: ansiballz_cache
type: aggregate
short_description: Keep built module payloads between runs
description:
  - Points Ansible's per-run cache of built module payloads (AnsiballZ) at a lasting directory
    named after a fingerprint of the module sources, so that later runs skip building them.
  - A run whose sources differ (an edited module, another collection or ansible-core version)
    uses another directory. Directories unused for 30 days are removed.
  - The directory and its parent must be owned by the current user and writable by nobody
    else; otherwise the plugin warns and changes nothing.
requirements:
  - enable it in ansible.cfg with C(callbacks_enabled = ansiballz_cache)
options:
  enabled:
    description: Set to false to build the payloads anew on every run, as Ansible does alone.
    type: bool
    default: true
    env:
      - name: SCALEOUT_ANSIBALLZ_CACHE
    ini:
      - section: callback_ansiballz_cache
        key: enabled
  cache_dir:
    description: Where the lasting directories are kept.
    type: path
    default: ~/.cache/http-scale-out/ansiballz
    env:
      - name: SCALEOUT_ANSIBALLZ_CACHE_DIR
    ini:
      - section: callback_ansiballz_cache
        key: cache_dir
"""

# Ansible's own name for the per-run directory, under its local tmp (module_common.py).
ANSIBALLZ_DIR = "ansiballz_cache"
UNUSED_FOR_S = 30 * 24 * 3600


def _files(top: str):
    """Every file under top (nothing if it does not exist), in a stable order."""
    for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if not name.endswith((".pyc", ".pyo")):
                yield os.path.join(dirpath, name)


def _stamp(digest, path: str) -> None:
    try:
        st = os.stat(path)
    except OSError:
        return
    # ctime too: an edit that keeps the size and puts the mtime back still changes it.
    line = f"{path}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\n"
    digest.update(line.encode("utf-8", "surrogateescape"))


def search_paths() -> list[str]:
    """The module and module_utils search paths, in order: the configured ones, those of the
    loaded playbook and its roles, and ansible-core's own."""
    paths = []
    for loader in (module_loader, module_utils_loader):
        paths += [p for p in loader.print_paths().split(os.pathsep) if p]
    return paths


def fingerprint(paths: list[str]) -> str:
    """A digest of everything a module payload can be built from."""
    digest = hashlib.sha256()
    digest.update(f"{ansible_core_version}\0{sys.version}\0{sys.executable}\n".encode())
    for root in AnsibleCollectionConfig.collection_paths:
        base = os.path.join(root, "ansible_collections")
        try:
            namespaces = sorted(os.listdir(base))
        except OSError:
            continue
        for namespace in namespaces:
            try:
                names = sorted(os.listdir(os.path.join(base, namespace)))
            except OSError:
                continue
            for name in names:
                collection = os.path.join(base, namespace, name)
                manifest = os.path.join(collection, "MANIFEST.json")
                if os.path.isfile(manifest):
                    _stamp(digest, manifest)
                    continue
                # A collection checked out from source has no manifest: stamp its files, and
                # its routing, which can send a module_utils import elsewhere.
                _stamp(digest, os.path.join(collection, "meta", "runtime.yml"))
                for sub in ("modules", "module_utils"):
                    for path in _files(os.path.join(collection, "plugins", sub)):
                        _stamp(digest, path)
    for top in paths:
        digest.update(f"{top}\n".encode("utf-8", "surrogateescape"))
        for path in _files(top):
            _stamp(digest, path)
    return digest.hexdigest()[:24]


def _private_dir(path: str) -> str | None:
    """Make path and any missing parent with mode 0700 (whatever the umask); the reason path
    cannot be trusted, or None. Trusted: path and its parent are directories of this user that
    nobody else can write."""
    missing = []
    probe = path
    while not os.path.lexists(probe):
        missing.append(probe)
        probe = os.path.dirname(probe)
    for level in reversed(missing):
        os.mkdir(level, 0o700)
    for level in (path, os.path.dirname(path)):
        st = os.lstat(level)
        if not stat.S_ISDIR(st.st_mode):
            return f"{level} is not a directory"
        if st.st_uid != os.geteuid():
            return f"{level} belongs to another user"
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"{level} can be written by other users"
    return None


def _tidy(directory: str) -> None:
    """Remove what a run that died left behind in directory: a payload Ansible was still
    writing an hour ago (it writes `<name>-part`, then renames it), or an empty payload. A
    `-part` file younger than that may be another run's, still being written."""
    now = time.time()
    for entry in os.scandir(directory):
        st = entry.stat(follow_symlinks=False)
        part = entry.name.endswith("-part")
        stale_part = part and now - st.st_mtime > 3600
        empty = st.st_size == 0 and not part and not entry.name.endswith(".lock")
        if stale_part or empty:
            os.unlink(entry.path)


def _prune(base: str, keep: str) -> None:
    now = time.time()
    for entry in os.scandir(base):
        if entry.name == keep or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > UNUSED_FOR_S:
                shutil.rmtree(entry.path)
        except OSError:
            pass


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ansiballz_cache"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super().__init__(display=display, options=options)
        self._linked = False

    def v2_playbook_on_start(self, playbook) -> None:
        # Before the first task of the first playbook: no worker has built a payload yet.
        if self._linked or not self.get_option("enabled"):
            return
        self._linked = True
        try:
            self._link()
        except OSError as exc:
            self._display.warning(f"ansiballz_cache: not used ({exc}); modules are built anew.")

    def _link(self) -> None:
        base = os.path.abspath(os.path.expanduser(self.get_option("cache_dir")))
        reason = _private_dir(base)
        if reason is not None:
            self._display.warning(f"ansiballz_cache: not used, {reason}.")
            return
        name = fingerprint(search_paths())
        target = os.path.join(base, name)
        reason = _private_dir(target)
        if reason is not None:
            self._display.warning(f"ansiballz_cache: not used, {reason}.")
            return
        os.utime(target)  # marks it as in use for the pruning below
        _tidy(target)
        per_run = os.path.join(C.DEFAULT_LOCAL_TMP, ANSIBALLZ_DIR)
        if os.path.lexists(per_run):
            # Something built into the per-run directory already: leave it as it is.
            self._display.warning(f"ansiballz_cache: not used, {per_run} exists already.")
            return
        # Ansible removes its local tmp with shutil.rmtree at exit, which removes the link
        # itself and not what it points at.
        os.symlink(target, per_run)
        self._display.vvv(f"ansiballz_cache: module payloads kept in {target}")
        try:
            _prune(base, name)
        except OSError as exc:
            self._display.warning(f"ansiballz_cache: could not remove old directories ({exc}).")
