"""Write every task result of a run to a JSON file, beside the human output.

`scaleout.playbook` (the one playbook runner of the tools, tests and benchmarks) sets
SCALEOUT_RESULTS_FILE and reads the file when ansible-playbook ends, so that what a run did is
read as data, never scraped from the recap, while stdout stays what a person reads. Without
that variable the plugin does nothing.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: results_file
type: aggregate
short_description: Every task result of the run, as JSON in a file
description:
  - Appends one record per task result (host, play, task name, action, status, the result)
    and, at the end, the per-host stats, to the file named by SCALEOUT_RESULTS_FILE.
  - Does nothing when the variable is unset.
requirements:
  - enable it in ansible.cfg with C(callbacks_enabled = results_file)
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "results_file"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._path = os.environ.get("SCALEOUT_RESULTS_FILE", "")
        self._play = ""
        self._results: list[dict] = []

    def v2_playbook_on_play_start(self, play) -> None:
        self._play = play.get_name()

    def _record(self, result, status: str) -> None:
        if not self._path:
            return
        task = result._task
        self._results.append(
            {
                "host": result._host.get_name(),
                "play": self._play,
                "task": task.get_name(),
                "action": task.action,
                "status": status,
                "result": self._clean(result._result),
            }
        )

    def _clean(self, value):
        """The result as plain JSON: what the default callback shows, values it cannot
        encode as text. A no_log result is already censored by Ansible."""
        return json.loads(json.dumps(value, default=str))

    def v2_runner_on_ok(self, result) -> None:
        self._record(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        self._record(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result) -> None:
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result) -> None:
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats) -> None:
        if not self._path:
            return
        hosts = sorted(stats.processed)
        summary = {host: stats.summarize(host) for host in hosts}
        with open(self._path, "w", encoding="utf-8") as out:
            json.dump({"results": self._results, "stats": summary}, out)
