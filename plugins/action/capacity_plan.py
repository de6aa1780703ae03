"""Action plugin: run the capacity plan (scaleout.plan) in the controller's own process.

The plan is pure computation on the variables, so it needs no module process: running it here
instead of `python -m scaleout.plan` under ansible.builtin.command saves two interpreter
start-ups at the head of every run, before any AWS call. The result has the same shape as the
command's (rc, stdout, stdout_lines, stderr): rc 0 no errors, 1 errors found, 2 bad usage.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset({"variables", "project_root"})

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        root = str(self._task.args.get("project_root") or "")
        variables = self._task.args.get("variables")
        if not root or not isinstance(variables, dict):
            result.update(
                failed=True, msg="capacity_plan needs project_root and a dict of variables"
            )
            return result
        if root not in sys.path:
            sys.path.insert(0, root)
        try:
            from scaleout.plan.__main__ import main
        except ImportError as exc:
            result.update(failed=True, msg=f"cannot import scaleout.plan from {root}: {exc}")
            return result

        out, err = io.StringIO(), io.StringIO()
        with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as handle:
            json.dump(variables, handle)
            handle.flush()
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    rc = main(["--vars", handle.name, "--quiet"])
                except SystemExit as exc:  # argparse's usage errors
                    rc = exc.code if isinstance(exc.code, int) else 2
        stdout = out.getvalue()
        result.update(
            changed=False,
            rc=rc,
            stdout=stdout,
            stdout_lines=stdout.splitlines(),
            stderr=err.getvalue(),
        )
        return result
