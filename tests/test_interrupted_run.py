"""A run of `python -m pipeline.run` killed with SIGKILL in its pair stage: every file it left
under a final name is complete, and every reader of a pairs directory (`wikipairs validate`,
`stats`, `show`, `export`, `python -m trainer.task`) refuses the directory with one line naming
the missing metadata.json, exit status non-zero. A rerun into the same directory (another
--records_per_shard) leaves exactly the shards its metadata.json lists."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from schemas.pairs import METADATA_FILE, PAIRS_DIR, SHARD_SUFFIX
from tests.job_process import REPO, job_command, run_job_process

pytestmark = pytest.mark.slow  # runs the job (twice) and the trainer

KILLED_FLAGS = ("--records_per_shard=5", "--direct_running_mode=in_memory")  # many small shards


def _kill_in_pair_stage(output_dir) -> int:
    """Start the job and SIGKILL its process group once the first shard has its final name;
    returns how many shards were there. Retried if the job got to metadata.json first."""
    pairs = output_dir / PAIRS_DIR
    for _ in range(3):
        process = subprocess.Popen(job_command(output_dir, *KILLED_FLAGS), cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        deadline = time.monotonic() + 600
        try:
            while process.poll() is None and time.monotonic() < deadline:
                if any(pairs.glob(f"*/*{SHARD_SUFFIX}")):
                    os.killpg(process.pid, signal.SIGKILL)
                    break
                time.sleep(0.005)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if not (pairs / METADATA_FILE).exists():
            return len(list(pairs.glob(f"*/*{SHARD_SUFFIX}")))
    pytest.fail("the job wrote metadata.json before it could be killed, three times")


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("killed")
    shards = _kill_in_pair_stage(output_dir)
    assert shards > 0
    return output_dir


def test_every_shard_under_its_final_name_is_complete(killed):
    import tensorflow as tf

    for shard in (killed / PAIRS_DIR).glob(f"*/*{SHARD_SUFFIX}"):
        records = sum(1 for _ in tf.data.TFRecordDataset(str(shard), "GZIP"))  # raises if cut
        assert records > 0, shard


@pytest.mark.parametrize("command", ["validate", "stats", "show", "export"])
@pytest.mark.parametrize("where", ["output_dir", "pairs_dir", "split_dir"])
def test_the_cli_refuses_the_unfinished_directory(killed, tmp_path, capsys, command, where):
    from wikipairs.cli.main import main

    split_dir = sorted((killed / PAIRS_DIR).glob(f"*/*{SHARD_SUFFIX}"))[0].parent  # has shards
    path = {"output_dir": killed, "pairs_dir": killed / PAIRS_DIR, "split_dir": split_dir}[where]
    extra = [str(tmp_path / "pairs.jsonl")] if command == "export" else []
    status = main([command, str(path), *extra, "--quiet"])
    out, err = capsys.readouterr()
    assert status != 0 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert f"{killed / PAIRS_DIR / METADATA_FILE} is missing" in err
    assert "did not finish" in err
    assert not (tmp_path / "pairs.jsonl").exists()


def test_a_shard_named_directly_is_still_read(killed, capsys):
    """The choice for shard files given by name: read as they are, without metadata.json."""
    from wikipairs.cli.main import main

    shard = sorted((killed / PAIRS_DIR).glob(f"*/*{SHARD_SUFFIX}"))[0]
    assert main(["validate", str(shard), "--quiet"]) == 0
    assert "no metadata.json" in capsys.readouterr().out


def test_the_trainer_refuses_the_unfinished_directory(killed, tmp_path):
    split_dir = sorted((killed / PAIRS_DIR).glob(f"*/*{SHARD_SUFFIX}"))[0].parent
    result = subprocess.run(
        [sys.executable, "-m", "trainer.task", f"--train_data={split_dir}",
         f"--model_dir={tmp_path / 'model'}", "--config=tiny"],
        cwd=REPO, text=True, capture_output=True, timeout=300)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert f"{killed / PAIRS_DIR / METADATA_FILE} is missing" in last, result.stderr[-3000:]
    assert not (tmp_path / "model" / "checkpoints").exists()


def test_a_rerun_leaves_exactly_the_listed_shards(killed, capsys):
    """Run last (it finishes the killed directory): the killed run's 5-record shards, its
    temporary files and its vocab are gone; the files are the ones metadata.json lists."""
    import json

    from wikipairs.cli.main import main

    result = run_job_process(killed)
    assert "of an earlier run" in result.stderr
    pairs = killed / PAIRS_DIR
    metadata = json.loads((pairs / METADATA_FILE).read_text())
    on_disk = sorted(str(p.relative_to(pairs)) for p in pairs.rglob("*") if p.is_file())
    assert on_disk == sorted([*metadata["shard_files"], METADATA_FILE, "vocab.txt"])
    assert main(["validate", str(killed), "--quiet"]) == 0, capsys.readouterr().out
