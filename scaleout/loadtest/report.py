"""`python -m scaleout.loadtest.report RUN_DIR`: summary.md and timeline.png from a run folder.

The figures are figures.py's, the Markdown markdown.py's, the picture timeline.py's; this
module reads the folder and writes both files.

Exit codes: 0 written, 1 the folder holds no readable run, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import results
from .figures import fleet_figures, load
from .markdown import markdown
from .timeline import timeline


def write(folder: Path) -> str:
    """Write summary.md and timeline.png into the run folder; return the Markdown."""
    run = load(folder)
    stages = results.stage_figures(run.requests, run.meta["stages"])
    fleet = fleet_figures(run)
    text = markdown(run, stages, fleet)
    (folder / results.SUMMARY_FILE).write_text(text)
    timeline(run, fleet, folder / results.TIMELINE_FILE)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scaleout.loadtest.report",
        description="Write summary.md and timeline.png into a load test's results folder, from "
        "what it recorded (run.json, requests.csv.gz, fleet.jsonl).",
        epilog="Exit codes: 0 written, 1 the folder holds no readable run, 2 bad usage.",
    )
    parser.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="the load test's --out folder"
    )
    parser.add_argument("--print", action="store_true", help="also print the Markdown to stdout")
    args = parser.parse_args(argv)
    if not args.run_dir.is_dir():
        parser.error(f"{args.run_dir} is not a folder")
    try:
        text = write(args.run_dir)
    except (OSError, ValueError, KeyError) as exc:
        print(f"report: {args.run_dir} holds no readable run: {exc}", file=sys.stderr)
        return 1
    if args.print:
        print(text, end="")
    print(
        f"report: wrote {args.run_dir / results.SUMMARY_FILE} and "
        f"{args.run_dir / results.TIMELINE_FILE}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
