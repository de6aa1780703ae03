"""python -m scaleout.ci.summary: the verdict, URL and output of a step in the job summary."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scaleout.ci.summary import MAX_OUTPUT_CHARS, outcome_url, read_outcome
from tests.conftest import ROOT


def summary(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, str, str]:
    step_summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    env = {"PATH": "/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(step_summary),
           "GITHUB_OUTPUT": str(outputs)}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "scaleout.ci.summary", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    read = lambda path: path.read_text() if path.exists() else ""  # noqa: E731
    return proc, read(step_summary), read(outputs)


def test_a_passing_step_reports_success_its_url_and_output(tmp_path):
    # The URL is handed on as data, in the file SCALEOUT_OUTCOME_FILE names.
    script = (
        "import json, os; print('TASK [deploy] ok'); print('done');"
        "open(os.environ['SCALEOUT_OUTCOME_FILE'], 'w').write(json.dumps({'url': 'http://alb.example/'}))"
    )
    proc, text, outputs = summary(tmp_path, "--title", "Deploy", "--", sys.executable, "-c",
                                  script)  # fmt: skip
    assert proc.returncode == 0
    assert "TASK [deploy] ok" in proc.stdout  # streamed to the job log too
    assert text.startswith("## ✅ Deploy: succeeded\n")
    assert "Service URL: http://alb.example/" in text
    assert "done" in text
    assert outputs == "url=http://alb.example/\n"


def test_a_failing_step_keeps_its_exit_code_and_says_failed(tmp_path):
    script = "import sys; print('FAILED: rolled back'); sys.exit(3)"
    proc, text, outputs = summary(tmp_path, "--title", "Deploy", "--", sys.executable, "-c",
                                  script)  # fmt: skip
    assert proc.returncode == 3
    assert "## ❌ Deploy: failed (exit code 3)" in text
    assert "FAILED: rolled back" in text
    assert outputs == ""


def test_attached_markdown_is_included_and_a_missing_one_is_named(tmp_path):
    report = tmp_path / "report.md"
    report.write_text("| stage | rps |\n|---|---|\n| 1 | 50 |\n")
    proc, text, _ = summary(tmp_path, "--title", "Load test", "--attach", str(report),
                            "--attach", str(tmp_path / "missing.md"), "--", "true")  # fmt: skip
    assert proc.returncode == 0
    assert "| 1 | 50 |" in text
    assert "missing.md was not written" in text


def test_long_output_keeps_its_end(tmp_path):
    script = f"print('x' * {MAX_OUTPUT_CHARS * 2}); print('THE END')"
    _, text, _ = summary(tmp_path, "--title", "Provision", "--", sys.executable, "-c", script)
    assert "THE END" in text
    assert "the start is cut" in text
    assert len(text) < MAX_OUTPUT_CHARS + 2000


def test_a_command_that_cannot_start_fails(tmp_path):
    proc, text, _ = summary(tmp_path, "--title", "X", "--", "/no/such/program")
    assert proc.returncode == 127
    assert "failed (exit code 127)" in text


def test_no_command_is_bad_usage(tmp_path):
    proc, _, _ = summary(tmp_path, "--title", "X")
    assert proc.returncode == 2


def test_a_url_in_the_output_alone_is_not_taken(tmp_path):
    script = "print('url=http://scraped.example/')"
    proc, text, outputs = summary(tmp_path, "--title", "Deploy", "--", sys.executable, "-c",
                                  script)  # fmt: skip
    assert proc.returncode == 0
    assert "Service URL" not in text
    assert outputs == ""


@pytest.mark.parametrize(
    ("written", "url"),
    [
        ('{"url": "http://a/"}', "http://a/"),
        ('{"url": "https://b.example/api", "verdict": "completed"}', "https://b.example/api"),
        ('{"url": "ftp://e/"}', ""),
        ('["http://f/"]', ""),
        ("{not json", ""),
        (None, ""),
    ],
)
def test_the_outcome_file_gives_the_url(tmp_path, written, url):
    path = tmp_path / "outcome.json"
    if written is not None:
        path.write_text(written)
    assert outcome_url(read_outcome(path)) == url
