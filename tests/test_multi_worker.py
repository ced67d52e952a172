"""`python -m trainer.task --strategy=multi_worker_mirrored` as two local worker processes (a
TF_CONFIG cluster on two localhost ports), the way a multi-host run starts: both train one model
over 2 replicas with the same losses, the chief alone writes checkpoints, summaries and exports,
and the other worker leaves nothing behind (its throwaway write directory is removed)."""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from tests.local_ports import free_port
from tests.pairs_run import tiny_flags

REPO = pathlib.Path(__file__).resolve().parent.parent
STEPS = 10
LOSS_LINE = re.compile(rf"^step (\d+)/{STEPS} loss (\S+) ", re.MULTILINE)


def test_a_worker_write_dir_is_removed_however_the_run_ends(tmp_path, monkeypatch):
    """trainer.runs.run_write_dir, on its own: the chief writes to model_dir and keeps it; any
    other worker gets a fresh temporary directory, gone after a run that ends or fails."""
    from trainer.runs import run_write_dir

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # tempfile reads TMPDIR again
    with run_write_dir(True, str(tmp_path / "model")) as write_dir:
        pathlib.Path(write_dir).mkdir()
        (pathlib.Path(write_dir) / "ckpt").write_text("kept")
    assert (tmp_path / "model" / "ckpt").read_text() == "kept"
    with pytest.raises(RuntimeError), run_write_dir(False, str(tmp_path / "model")) as write_dir:
        assert pathlib.Path(write_dir).parent == tmp_path
        assert pathlib.Path(write_dir).name.startswith("wikipairs_worker_")
        (pathlib.Path(write_dir) / "ckpt").write_text("thrown away")
        raise RuntimeError("the run failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


@pytest.mark.slow
def test_two_workers_train_one_model_and_only_the_chief_writes(sample_pairs, tmp_path):
    cluster = {"worker": [f"localhost:{free_port()}", f"localhost:{free_port()}"]}
    workers = []
    for index in range(2):
        temp_dir = tmp_path / f"tmp{index}"  # each worker's TMPDIR: what it leaves there shows
        temp_dir.mkdir()
        env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
               "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(REPO), "TMPDIR": str(temp_dir),
               "TF_CONFIG": json.dumps({"cluster": cluster,
                                        "task": {"type": "worker", "index": index}})}
        # Separate model dirs, so that anything the second worker wrote to its own would show.
        command = [sys.executable, "-m", "trainer.task", "--strategy=multi_worker_mirrored",
                   *tiny_flags(sample_pairs, tmp_path / f"model{index}", f"train.steps={STEPS}",
                               "train.log_every=2", "train.steps_per_loop=2",
                               "train.checkpoint_every=5", "train.global_batch_size=16")]
        workers.append((subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True), temp_dir))
    outputs = []
    for process, _ in workers:
        try:
            stdout, stderr = process.communicate(timeout=600)
        finally:
            for other, _ in workers:  # one worker failing leaves the other waiting for it
                if other.poll() is None and process.returncode != 0:
                    other.kill()
        assert process.returncode == 0, stderr[-3000:]
        outputs.append(stdout)

    for stdout in outputs:
        assert "with 2 replica(s), global batch 16" in stdout, stdout
    chief_losses, worker_losses = (LOSS_LINE.findall(stdout) for stdout in outputs)
    assert chief_losses and chief_losses[-1][0] == str(STEPS)
    assert chief_losses == worker_losses  # one model: the same loss on every step logged

    chief_dir, worker_dir = tmp_path / "model0", tmp_path / "model1"
    assert sorted(p.name for p in (chief_dir / "checkpoints").glob("*.index")) == [
        "ckpt-10.index", "ckpt-5.index"]
    assert (chief_dir / "export" / "doc_encoder" / "saved_model.pb").exists()
    assert any((chief_dir / "train").glob("events.out.tfevents.*"))
    assert "exported:" in outputs[0] and "exported:" not in outputs[1]
    assert not worker_dir.exists() or not any(worker_dir.iterdir())
    for _, temp_dir in workers:
        assert sorted(p.name for p in temp_dir.glob("wikipairs_worker_*")) == []
