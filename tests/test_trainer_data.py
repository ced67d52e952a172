"""Training batches from real shards (the pipeline on the gensim sample, learned 2,000-token vocab):
static shapes, task mixing, refusal of shards that do not fit the model, and the train step
compiled with XLA on them."""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

from pipeline.sample_data import sample_path
from tests.pairs_run import run_job

pytestmark = pytest.mark.slow  # runs the job, trains or starts subprocesses

FRACTIONS = (0.6, 0.2, 0.2)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    return run_job([str(sample_path())], tmp_path_factory.mktemp("job"), None, vocab_size=2000,
                   split_fractions=FRACTIONS)


@pytest.fixture(scope="module")
def config(pairs):
    from trainer.config import resolve

    return resolve("tiny", model={"vocab_size": pairs["metadata"]["vocab_size"]},
                   data={"train_data": str(pairs["dir"] / "train")})


def _batches(pairs, config, n, **data_overrides):
    from trainer.data import find_shards, train_dataset

    data = dataclasses.replace(config.data, **data_overrides)
    dataset = train_dataset(find_shards(data.train_data), data, config.model, 32, seed=0)
    return dataset, [{k: v.numpy() for k, v in batch.items()} for batch in dataset.take(n)]


def test_batches_are_static_padded_int32_records(pairs, config):
    import tensorflow as tf

    dataset, batches = _batches(pairs, config, 3)
    spec = dataset.element_spec
    assert spec["query_ids"] == tf.TensorSpec([32, 64], tf.int32)
    assert spec["doc_ids"] == tf.TensorSpec([32, 288], tf.int32)
    assert spec["doc_key"] == tf.TensorSpec([32], tf.int32)
    train = {(tuple(r["query_ids"]), tuple(r["doc_ids"])): r for r in pairs["records"]
             if r["split"] == "train"}
    for batch in batches:
        for query, doc, key in zip(batch["query_ids"], batch["doc_ids"], batch["doc_key"]):
            record = train[(tuple(query[query > 0]), tuple(doc[doc > 0]))]
            assert record["doc_article_id"] == key


def _task_of(pairs):
    return {tuple(r["query_ids"]): r["task"] for r in pairs["records"] if r["split"] == "train"}


def test_tasks_are_mixed_uniformly_or_by_weight(pairs, config):
    task_of = _task_of(pairs)
    _, batches = _batches(pairs, config, 40)
    counts = collections.Counter(task_of[tuple(q[q > 0])] for b in batches for q in b["query_ids"])
    total = sum(counts.values())
    # wlp has 37 train pairs, ict 218: mixed uniformly all three still come about a third each.
    assert all(0.25 < counts[task] / total < 0.42 for task in ("ict", "bfs", "wlp")), counts
    _, batches = _batches(pairs, config, 5, task_weights={"wlp": 1.0})
    assert {task_of[tuple(q[q > 0])] for b in batches for q in b["query_ids"]} == {"wlp"}


def test_mixing_weights():
    from trainer.data import mixing_weights

    assert mixing_weights(["bfs", "ict"], {}) == {"bfs": 0.5, "ict": 0.5}
    assert mixing_weights(["bfs", "ict", "wlp"], {"ict": 3, "wlp": 1}) == {"ict": 0.75, "wlp": 0.25}
    with pytest.raises(ValueError, match="no shards: \\['xyz'\\]"):
        mixing_weights(["ict"], {"xyz": 1})
    with pytest.raises(ValueError, match="no task"):
        mixing_weights(["ict"], {"ict": 0})


@pytest.mark.parametrize("model, sha, message", [
    ({"vocab_size": 1000}, "", "vocabulary of \\d+ tokens but model.vocab_size is 1000"),
    ({"max_doc_len": 128}, "", "doc sequences up to 288 tokens but model.max_doc_len is 128"),
    ({"max_query_len": 32}, "", "query sequences up to 64 tokens but model.max_query_len is 32"),
    ({}, "ab" * 32, "vocab sha256"),
])
def test_shards_that_do_not_fit_the_model_are_refused(pairs, config, model, sha, message):
    from trainer.data import check_shards, find_shards

    shards = find_shards(str(pairs["dir"] / "train"))
    with pytest.raises(ValueError, match=f"(?s)refusing the shards in .*{message}"):
        check_shards(shards, dataclasses.replace(config.model, **model), sha)
    assert check_shards(shards, config.model, pairs["metadata"]["vocab_sha256"]).vocab_size == (
        pairs["metadata"]["vocab_size"])


def test_shards_are_found_by_directory_or_glob(pairs):
    from trainer.data import find_shards

    by_dir = find_shards(str(pairs["dir"] / "valid"))
    assert sorted(by_dir.files_by_task) == ["bfs", "ict", "wlp"]
    assert by_dir.pairs_dir == str(pairs["dir"])
    assert list(find_shards(str(pairs["dir"] / "valid" / "ict-*")).files_by_task) == ["ict"]
    with pytest.raises(FileNotFoundError, match="no pair shards"):
        find_shards(str(pairs["dir"] / "nothing"))


def test_train_step_compiles_with_xla_on_static_batches(pairs, config):
    """Our stand-in for 'runs on TPU': the whole step (towers, loss, gradients, Adam) under
    jit_compile=True on the real dataset's fully static batches."""
    import tensorflow as tf

    from trainer.data import find_shards, train_dataset
    from trainer.model import build_model
    from trainer.train_lib import make_optimizer, make_replica_step

    config = dataclasses.replace(config, loss=dataclasses.replace(
        config.loss, remove_accidental_hits=True, symmetric=True))
    dataset = train_dataset(find_shards(config.data.train_data), config.data, config.model, 32)
    model = build_model(config.model)
    optimizer = make_optimizer(config.train)
    step = tf.function(make_replica_step(model, optimizer, config, 32), jit_compile=True)
    losses = [float(step(batch)["loss"]) for batch in dataset.take(3)]
    assert np.all(np.isfinite(losses)) and int(optimizer.iterations) == 3
    compiled = step.experimental_get_compiler_ir(next(iter(dataset)))(stage="hlo")
    assert "HloModule" in compiled


def _write_shards(directory, sizes: list[int]) -> tuple[list[str], list[bytes]]:
    """Real GZIP pair shards of `sizes` records each (unequal, as a pipeline's shards are)."""
    import tensorflow as tf

    from schemas.pairs import COMPRESSION, serialize_example, shard_name

    files, records, pair = [], [], 0
    for index, size in enumerate(sizes):
        path = str(directory / shard_name("ict", index, len(sizes)))
        with tf.io.TFRecordWriter(path, COMPRESSION) as writer:
            for _ in range(size):
                record = serialize_example({
                    "schema_version": 1, "task": "ict", "pair_id": f"ict-{pair}",
                    "query_ids": [2, 100 + pair, 3], "doc_ids": [2, 7, 3, 200 + pair, 3],
                    "query_article_id": pair, "doc_article_id": pair,
                    "query_title": "q", "doc_title": "d"})
                writer.write(record)
                records.append(record)
                pair += 1
        files.append(path)
    return files, records


@pytest.mark.parametrize("pipelines", [2, 3])
@pytest.mark.parametrize("num_files", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", [0, None])
def test_input_pipelines_partition_the_records(tmp_path, pipelines, num_files, seed):
    """Fewer files than pipelines (record-level split), as many, and more but not a multiple
    (file-level split of unequal files): every record reaches exactly one pipeline. Before the fix
    the record-level split came after a racing interleave: 2 files over 3 pipelines gave ~190
    duplicates of 637 records."""
    import tensorflow as tf

    from trainer.data import _records

    files, records = _write_shards(tmp_path, [150 + 37 * i for i in range(num_files)])
    shares = [collections.Counter(_records(files, tf.distribute.InputContext(
        num_input_pipelines=pipelines, input_pipeline_id=i), seed).as_numpy_iterator())
        for i in range(pipelines)]
    assert sum(shares, collections.Counter()) == collections.Counter(records)
    assert all(shares), [sum(s.values()) for s in shares]  # no pipeline left without records


# --- which shards are read: exactly those metadata.json lists ------------------------------------


@pytest.fixture
def pairs_copy(pairs, tmp_path):
    import shutil

    copy = tmp_path / "pairs"
    shutil.copytree(pairs["dir"], copy)
    return copy


def _listed_train_files(pairs_dir) -> list[str]:
    import json

    metadata = json.loads((pairs_dir / "metadata.json").read_text())
    return sorted(str(pairs_dir / name) for name in metadata["shard_files"]
                  if name.startswith("train/"))


def test_a_shard_metadata_does_not_list_is_refused_or_ignored(pairs_copy, capsys):
    """A held-out shard copied into train/ (or another run's shard left there) is never trained
    on: refused by default, left out with a warning when asked."""
    import shutil

    from trainer.data import find_shards

    held_out = pairs_copy / "valid" / "ict-00000-of-00001.tfrecord.gz"
    foreign = pairs_copy / "train" / "ict-00000-of-00002.tfrecord.gz"
    shutil.copy(held_out, foreign)
    with pytest.raises(ValueError, match="1 shard file in .*train that .*metadata.json does not "
                                         "list, not this run's \\(ict-00000-of-00002"):
        find_shards(str(pairs_copy / "train"))
    with pytest.raises(ValueError, match="does not list"):
        find_shards(str(pairs_copy / "train" / "ict-*"))
    shards = find_shards(str(pairs_copy / "train"), "ignore")
    assert sorted(f for files in shards.files_by_task.values() for f in files) == (
        _listed_train_files(pairs_copy))
    assert str(foreign) not in shards.files_by_task["ict"]
    assert "warning: leaving out 1 shard file" in capsys.readouterr().err


def test_the_count_trained_on_is_the_listed_shards(pairs, pairs_copy):
    import json

    from trainer.data import find_shards

    metadata = json.loads((pairs_copy / "metadata.json").read_text())
    counts = metadata["counts"]["train"]
    assert find_shards(str(pairs_copy / "train")).records == sum(counts.values())
    assert find_shards(str(pairs_copy / "train" / "wlp-*")).records == counts["wlp"]


@pytest.mark.parametrize("damage", ["cut", "another run's shard", "missing", "no metadata"])
def test_a_damaged_or_unfinished_split_is_refused_naming_the_file(pairs_copy, damage):
    from trainer.data import find_shards

    shard = pairs_copy / "train" / "ict-00000-of-00001.tfrecord.gz"
    if damage == "cut":
        shard.write_bytes(shard.read_bytes()[:-100])
        error, message = ValueError, f"{shard}: [\\d,]+ bytes, metadata.json lists [\\d,]+: cut"
    elif damage == "another run's shard":
        shard.write_bytes((pairs_copy / "train" / "bfs-00000-of-00001.tfrecord.gz").read_bytes())
        error, message = ValueError, f"{shard}: [\\d,]+ bytes, metadata.json lists"
    elif damage == "missing":
        shard.unlink()
        error, message = FileNotFoundError, f"{shard} is listed in .*metadata.json but missing"
    else:
        (pairs_copy / "metadata.json").unlink()
        error, message = FileNotFoundError, (f"{pairs_copy / 'metadata.json'} is missing "
                                             "\\(9 shard file\\(s\\) there without it")
    with pytest.raises(error, match=message):
        find_shards(str(pairs_copy / "train"))


def test_the_trainer_command_refuses_a_foreign_shard_in_one_line(pairs_copy, tmp_path):
    import shutil
    import subprocess
    import sys

    from tests.job_process import REPO

    shutil.copy(pairs_copy / "valid" / "ict-00000-of-00001.tfrecord.gz",
                pairs_copy / "train" / "ict-00000-of-00002.tfrecord.gz")
    result = subprocess.run(
        [sys.executable, "-m", "trainer.task", f"--train_data={pairs_copy / 'train'}",
         f"--model_dir={tmp_path / 'model'}", "--config=tiny"],
        cwd=REPO, text=True, capture_output=True, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert "does not list, not this run's (ict-00000-of-00002" in last


def test_a_shard_damaged_inside_ends_training_naming_it(pairs_copy, tmp_path):
    """Same size as listed (a flipped byte), so only reading finds it: the run stops with one line
    naming the shard, not a DataLossError that names no file."""
    import subprocess
    import sys

    from tests.job_process import REPO

    shard = pairs_copy / "train" / "ict-00000-of-00001.tfrecord.gz"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    result = subprocess.run(
        [sys.executable, "-m", "trainer.task", f"--train_data={pairs_copy / 'train'}",
         f"--model_dir={tmp_path / 'model'}", "--config=tiny", "--set=train.steps=20",
         "--set=train.global_batch_size=16", "--no_export"],
        cwd=REPO, text=True, capture_output=True, timeout=600)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{shard}: unreadable from record "), result.stderr[-3000:]
