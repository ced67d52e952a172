"""`python -m pipeline.run` as a fresh process, as a user runs it (tests that need the real
command: reruns in new processes, a run killed with SIGKILL)."""
from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The sample job of tests/pairs_run.sample_job, as flags.
SAMPLE_FLAGS = ("--vocab_size=2000", "--split_fractions=0.6,0.2,0.2", "--keep_text",
                "--ict_per_article=16", "--bfs_per_article=8", "--wlp_max_per_target=8")


def job_command(output_dir, *flags: str) -> list[str]:
    from pipeline.sample_data import sample_path

    return [sys.executable, "-m", "pipeline.run", f"--input={sample_path()}",
            f"--output_dir={output_dir}", *SAMPLE_FLAGS, *flags]


def run_job_process(output_dir, *flags: str, timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(job_command(output_dir, *flags), cwd=REPO, text=True,
                            capture_output=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result
