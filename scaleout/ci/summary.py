"""`python -m scaleout.ci.summary`: run a command and report it in the GitHub job summary.

    python -m scaleout.ci.summary --title Deploy -- make deploy ENV=aws IMAGE=...

Streams the command's output as it comes, then appends to $GITHUB_STEP_SUMMARY (when set) a
Markdown section: the verdict (succeeded or failed, with the exit code), the service URL when
the output names one (a line `url=http...` or `URL: http...`, also as an Ansible debug
`"msg": "url=http..."`, or a JSON line with a "url" key),
the Markdown files given with --attach, and the output itself (its end, when it is long) in a
collapsed block, which is where an Ansible --diff shows. The URL is also written to
$GITHUB_OUTPUT as `url=`. Exits with the command's own exit code (2 for bad usage).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

# GitHub caps a step summary at 1 MiB; keep well inside it.
MAX_OUTPUT_CHARS = 60_000
# `url=http://...` or `URL: http://...` on a line of its own, or as an Ansible debug message.
URL_LINE = re.compile(
    r'^\s*(?:"msg":\s*")?(?:url|service url)\s*[:=]\s*(https?://[^\s"]+)"?\s*$', re.IGNORECASE
)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def find_url(lines: list[str]) -> str:
    """The last service URL the output announced, or ''."""
    url = ""
    for raw in lines:
        line = ANSI.sub("", raw).strip()
        match = URL_LINE.match(line)
        if match:
            url = match.group(1)
            continue
        if line.startswith("{") and '"url"' in line:
            try:
                value = json.loads(line).get("url", "")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                url = value
    return url


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


def run(command: list[str]) -> tuple[int, str]:
    """Run `command`, echoing its output (stdout and stderr merged) as it comes."""
    lines: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
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
    try:
        code, output = run(args.command)
    except OSError as exc:
        print(f"summary: cannot run {args.command[0]}: {exc}", file=sys.stderr)
        code, output = 127, str(exc)
    url = find_url(output.splitlines())
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
