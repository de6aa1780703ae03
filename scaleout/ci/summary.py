"""`python -m scaleout.ci.summary`: run a command and report it in the GitHub job summary.

    python -m scaleout.ci.summary --title Deploy -- make deploy ENV=aws IMAGE=...

Streams the command's output as it comes, then appends to $GITHUB_STEP_SUMMARY (when set) a
Markdown section: the verdict (succeeded or failed, with the exit code), the service URL when
the command handed one on, the Markdown files given with --attach, and the output itself (its
end, when it is long) in a collapsed block, which is where an Ansible --diff shows. The URL is
also written to $GITHUB_OUTPUT as `url=`. Exits with the command's own exit code (2 for bad
usage).

The URL is data, not a line of output: the command gets SCALEOUT_OUTCOME_FILE, the path of a
file to write a JSON object to (`{"url": "http://..."}`; roles/ecs_deploy does after a deploy),
and the summary reads it when the command ends.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# GitHub caps a step summary at 1 MiB; keep well inside it.
MAX_OUTPUT_CHARS = 60_000
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
OUTCOME_FILE = "SCALEOUT_OUTCOME_FILE"


def read_outcome(path: Path) -> dict:
    """What the command handed on in its outcome file: a JSON object, or {} when it wrote
    none (or something else)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def outcome_url(outcome: dict) -> str:
    url = outcome.get("url", "")
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else ""


def render(title: str, command: list[str], code: int, output: str, url: str,
           attachments: list[Path]) -> str:  # fmt: skip
    verdict = "succeeded" if code == 0 else f"failed (exit code {code})"
    icon = "✅" if code == 0 else "❌"
    parts = [f"## {icon} {title}: {verdict}", ""]
    if url:
        parts += [f"Service URL: {url}", ""]
    parts += ["```console", "$ " + " ".join(command), "```", ""]
    for path in attachments:
        if path.is_file():
            parts += [path.read_text(encoding="utf-8", errors="replace").rstrip(), ""]
        else:
            parts += [f"_{path} was not written._", ""]
    text = ANSI.sub("", output)
    if len(text) > MAX_OUTPUT_CHARS:
        text = "[... the start is cut: see the job log ...]\n" + text[-MAX_OUTPUT_CHARS:]
    fence = "````" if "```" in text else "```"
    parts += ["<details><summary>Output</summary>", "", fence, text.rstrip(), fence, "",
              "</details>", ""]  # fmt: skip
    return "\n".join(parts)


def run(command: list[str], outcome: Path) -> tuple[int, str]:
    """Run `command`, echoing its output (stdout and stderr merged) as it comes; it may write
    its outcome to `outcome`."""
    lines: list[str] = []
    env = {**os.environ, OUTCOME_FILE: str(outcome)}
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=env,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
    return proc.returncode, "".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scaleout.ci.summary",
        description="Run a command; report its verdict, URL and output in the job summary.",
    )
    parser.add_argument("--title", required=True, help="heading of the summary section")
    parser.add_argument(
        "--attach",
        action="append",
        default=[],
        type=Path,
        metavar="FILE.md",
        help="Markdown file to include in the summary after the command ran (repeatable)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("give the command to run after --")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="summary-") as scratch:
        outcome = Path(scratch) / "outcome.json"
        try:
            code, output = run(args.command, outcome)
        except OSError as exc:
            print(f"summary: cannot run {args.command[0]}: {exc}", file=sys.stderr)
            code, output = 127, str(exc)
        url = outcome_url(read_outcome(outcome))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as out:
            out.write(render(args.title, args.command, code, output, url, args.attach))
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output and url:
        with Path(github_output).open("a", encoding="utf-8") as out:
            out.write(f"url={url}\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
