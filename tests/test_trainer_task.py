"""`python -m trainer.task` on real shards (the pipeline on the gensim sample, learned 2,000-token
vocab): the loss falls and held-out recall beats chance; a run killed mid-way resumes from its last
checkpoint; the exported SavedModels give the in-memory embeddings in a fresh process."""
from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.pairs_run import tiny_flags

REPO = pathlib.Path(__file__).resolve().parent.parent
CHILD_ENV = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
             "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(REPO)}
# A user's process: no project on the path, Keras 3 as TensorFlow loads it by default.
PLAIN_TF_ENV = {k: v for k, v in CHILD_ENV.items()
                if k not in ("TF_USE_LEGACY_KERAS", "PYTHONPATH")}
from tests.pairs_run import TINY_TRAIN_STEPS as TRAIN_STEPS  # noqa: E402


@pytest.fixture(scope="module")
def pairs(sample_pairs):
    return sample_pairs


def _flags(pairs, model_dir, *sets: str) -> list[str]:
    return tiny_flags(pairs, model_dir, *sets)


@pytest.fixture(scope="module")
def trained(tiny_model):
    return tiny_model


def _scalars(event_dir: pathlib.Path) -> dict[str, list[tuple[int, float]]]:
    import tensorflow as tf

    series: dict[str, list] = {}
    for path in sorted(event_dir.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                series.setdefault(value.tag, []).append(
                    (event.step, float(tf.make_ndarray(value.tensor))))
    return series


def test_loss_falls_and_summaries_are_written(trained):
    result, stdout, model_dir = trained
    scalars = _scalars(model_dir / "train")
    assert {"loss", "learning_rate", "in_batch_accuracy", "examples_per_second"} <= set(scalars)
    losses = [loss for _, loss in sorted(scalars["loss"])]
    assert np.mean(losses[-3:]) < 0.7 * losses[0], losses
    assert result["step"] == TRAIN_STEPS
    assert f"step {TRAIN_STEPS}/{TRAIN_STEPS} loss" in stdout and "examples/s ETA" in stdout
    assert "resolved config" in stdout and "num_layers: 2" in stdout
    from trainer.config import from_yaml, resolve
    written = from_yaml((model_dir / "config.yaml").read_text())
    assert written.train.steps == TRAIN_STEPS and written == resolve(
        "tiny", model={"vocab_size": written.model.vocab_size},
        train={"steps": TRAIN_STEPS, "log_every": 25},
        data={"train_data": written.data.train_data, "eval_data": written.data.eval_data})


def test_held_out_recall_is_many_times_chance(trained):
    """Twice chance on about 400 held-out queries is many standard deviations above it (chance
    finds ~10 of them in the top 10, with a standard deviation of ~3). Held-out pairs carry no
    training text since the splits stopped leaking (before, 3x chance was reached partly through
    held-out sentences seen in training)."""
    result, stdout, model_dir = trained
    overall = result["eval"]["all"]
    print(json.dumps(result["eval"], indent=1))
    assert overall["recall@10"] > 2 * overall["chance_recall@10"], overall
    assert {"ict", "bfs", "wlp"} <= set(result["eval"])
    assert json.loads((model_dir / "eval_results.json").read_text())["step"] == TRAIN_STEPS
    assert "held-out retrieval at step" in stdout and "R@10" in stdout


def test_mismatched_shards_are_refused_by_the_cli(pairs, tmp_path):
    from trainer.task import main

    with pytest.raises(ValueError, match="model.vocab_size is 1000"):
        main(_flags(pairs, tmp_path, "model.vocab_size=1000"))


def test_mirrored_strategy_with_evaluation_during_training(pairs, tmp_path):
    """The distributed path (distribute_datasets_from_function, strategy.run, mirrored variables
    in evaluation and export) on this machine's one CPU."""
    from trainer.task import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = main(_flags(pairs, tmp_path, "train.steps=4", "train.steps_per_loop=2",
                             "train.eval_every=2", "train.global_batch_size=16")
                      + ["--strategy=mirrored"])
    assert result["step"] == 4 and result["chief"]
    assert out.getvalue().count("held-out retrieval at step") == 2
    assert (tmp_path / "export" / "doc_encoder" / "saved_model.pb").exists()
    assert _checkpoint_steps(tmp_path) == [4]


def _checkpoint_steps(model_dir: pathlib.Path) -> list[int]:
    """Steps of the checkpoints the `checkpoint` state file records: it is written after a save's
    files are complete, so a kill after seeing it never catches a half-written save."""
    import tensorflow as tf

    state = tf.train.get_checkpoint_state(str(model_dir / "checkpoints"))
    return sorted(int(path.rsplit("ckpt-", 1)[1])
                  for path in (state.all_model_checkpoint_paths if state else []))


def test_killed_training_resumes_from_its_last_checkpoint(pairs, tmp_path):
    import tensorflow as tf

    flags = _flags(pairs, tmp_path, "train.steps=60", "train.checkpoint_every=10",
                   "train.steps_per_loop=5", "train.log_every=5")
    command = [sys.executable, "-m", "trainer.task", *flags, "--no_export"]
    child = subprocess.Popen(command, cwd=REPO, env=CHILD_ENV, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not _checkpoint_steps(tmp_path) and time.time() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    saved = _checkpoint_steps(tmp_path)
    assert saved and saved[-1] < 60, saved
    last = saved[-1]

    # The state a restart restores: the step counter and Adam's moments of the last checkpoint.
    from trainer.config import from_yaml
    from trainer.task import build_training_state, restore_or_initialize

    config = from_yaml((tmp_path / "config.yaml").read_text())
    model, optimizer, manager = build_training_state(config, tf.distribute.get_strategy(),
                                                     str(tmp_path))
    assert restore_or_initialize(manager.checkpoint, str(tmp_path), model, None).startswith(
        "resumed from")
    assert int(optimizer.iterations) == last
    reader = tf.train.load_checkpoint(manager.latest_checkpoint)
    for index, variable in list(enumerate(optimizer.variables))[1:]:  # 0: the step, checked
        np.testing.assert_array_equal(variable.numpy(), reader.get_tensor(
            f"optimizer/_variables/{index}/.ATTRIBUTES/VARIABLE_VALUE"))
    assert any(np.abs(v.numpy()).sum() > 0 for v in optimizer.variables[1:])  # not fresh zeros

    rerun = subprocess.run(command, cwd=REPO, env=CHILD_ENV, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"resumed from {tmp_path / 'checkpoints' / f'ckpt-{last}'}" in rerun.stdout
    logged = [int(line.split()[1].split("/")[0]) for line in rerun.stdout.splitlines()
              if line.startswith("step ")]
    # Progress from the first step of the resumed run (its time), the second (rate and ETA),
    # then on the log interval (5 here).
    assert logged[:3] == [last + 1, last + 2, last + 5] and logged[-1] == 60, logged
    assert _checkpoint_steps(tmp_path)[-1] == 60


def _valid_records(pairs, n=24):
    return [r for r in pairs["records"] if r["split"] == "valid"][:n]


def _padded(rows, length):
    return np.array([list(row) + [0] * (length - len(row)) for row in rows], np.int32)


def test_export_frames_text_like_the_pipeline(pairs, trained):
    """The text signature's ids: the pipeline's ids for the same query, title and passage."""
    import tensorflow as tf

    from pipeline.tokenizer import TokenizerSpec
    from schemas.framing import tf_frame_doc as frame_doc, tf_frame_query as frame_query

    tokenizer = TokenizerSpec(str(pairs["dir"] / "vocab.txt"), True).build()
    records = [r for r in pairs["records"] if r["split"] == "train"]
    tokens = lambda texts: tokenizer.tf_tokenize(tf.constant(texts))  # noqa: E731
    queries = frame_query(tokens([r["query_text"] for r in records]), tokenizer.cls_id,
                          tokenizer.sep_id, 64)
    docs = frame_doc(tokens([r["doc_title"] for r in records]),
                     tokens([r["doc_text"] for r in records]),
                     tokenizer.cls_id, tokenizer.sep_id, 32, 288)
    np.testing.assert_array_equal(queries.numpy(), _padded([r["query_ids"] for r in records], 64))
    np.testing.assert_array_equal(docs.numpy(), _padded([r["doc_ids"] for r in records], 288))
    # Long titles and texts are cut the pipeline's way too.
    long_doc = frame_doc(tokens(["word " * 50]), tokens(["text " * 400]), 2, 3, 32, 288).numpy()
    assert long_doc.shape == (1, 288) and long_doc[0, 33] == 3 and long_doc[0, -1] == 3


LOAD_EXPORTS = """
import json, sys
import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenizer's ops)

export_dir, inputs, output = sys.argv[1:]
data = np.load(inputs)
query = tf.saved_model.load(export_dir + "/query_encoder")
doc = tf.saved_model.load(export_dir + "/doc_encoder")
results = {
    "query_text": query.signatures["serving_default"](
        text=tf.constant(data["query_text"]))["embedding"],
    "query_ids": query.signatures["encode_ids"](ids=tf.constant(data["query_ids"]))["embedding"],
    "doc_text": doc.signatures["serving_default"](
        title=tf.constant(data["doc_title"]), text=tf.constant(data["doc_text"]))["embedding"],
    "doc_ids": doc.signatures["encode_ids"](ids=tf.constant(data["doc_ids"]))["embedding"],
}
np.savez(output, **{k: v.numpy() for k, v in results.items()})
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in
                        ("trainer", "schemas", "pipeline", "official", "tf_keras"))))
"""


def test_exported_encoders_match_the_model_in_a_fresh_process(pairs, trained, tmp_path):
    result, _, model_dir = trained
    model = result["model"]
    records = _valid_records(pairs)
    inputs = {"query_text": np.array([r["query_text"] for r in records]),
              "doc_title": np.array([r["doc_title"] for r in records]),
              "doc_text": np.array([r["doc_text"] for r in records]),
              "query_ids": _padded([r["query_ids"] for r in records], 64),
              "doc_ids": _padded([r["doc_ids"] for r in records], 288)}
    np.savez(tmp_path / "inputs.npz", **inputs)
    script = tmp_path / "load_exports.py"
    script.write_text(LOAD_EXPORTS)
    run = subprocess.run([sys.executable, str(script), str(model_dir / "export"),
                          str(tmp_path / "inputs.npz"), str(tmp_path / "out.npz")],
                         cwd=tmp_path, env=PLAIN_TF_ENV,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    # Nothing of the project, tf-models-official or tf_keras was needed to load and run them.
    assert json.loads(run.stdout.strip().splitlines()[-1]) == []
    loaded = np.load(tmp_path / "out.npz")
    in_memory = {"query": model.query_tower(inputs["query_ids"]).numpy(),
                 "doc": model.doc_tower(inputs["doc_ids"]).numpy()}
    for side in ("query", "doc"):
        np.testing.assert_allclose(loaded[f"{side}_ids"], in_memory[side], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(loaded[f"{side}_text"], loaded[f"{side}_ids"], rtol=1e-5,
                                   atol=1e-5)
    info = json.loads((model_dir / "export" / "export_info.json").read_text())
    assert info["vocab_sha256"] == pairs["metadata"]["vocab_sha256"]
    assert (model_dir / "export" / "config.yaml").exists()
    assert (model_dir / "export" / "query_encoder" / "assets" / "vocab.txt").read_bytes() == (
        (pairs["dir"] / "vocab.txt").read_bytes())


def test_vocab_size_defaults_to_the_shards_unless_chosen(pairs, tmp_path):
    """Learned-vocab shards (2,000 tokens) size the embedding table unless model.vocab_size is
    set; a chosen value is kept (and then checked against the shards)."""
    from trainer.runs import resolve_config
    from trainer.task import parse_args

    train = f"--train_data={pairs['dir'] / 'train'}"
    model_dir = f"--model_dir={tmp_path}"
    shards_vocab = pairs["metadata"]["vocab_size"]
    assert shards_vocab != 30522
    assert resolve_config(parse_args([train, model_dir])).model.vocab_size == shards_vocab
    chosen = resolve_config(parse_args([train, model_dir, "--set=model.vocab_size=4096"]))
    assert chosen.model.vocab_size == 4096
    (tmp_path / "c.yaml").write_text("model:\n  vocab_size: 5000\n")
    from_file = resolve_config(parse_args([train, model_dir, f"--config_file={tmp_path}/c.yaml"]))
    assert from_file.model.vocab_size == 5000


@pytest.mark.parametrize("flags, message", [
    (["--set", "train.step=10"], "unknown config key 'train.step', did you mean 'train.steps'?"),
    (["--set", 'data.task_weights={"ictt": 1}'],
     "data.task_weights: unknown task 'ictt', did you mean 'ict'?"),
    (["--config_file", "nope.yaml"], "--config_file nope.yaml: no such file"),
    (["--train_data", "{pairs}/pair/train"], "--train_data {pairs}/pair/train: no pair shards match"),
])
def test_config_and_data_mistakes_are_one_line_before_anything_is_built(pairs, tmp_path, flags,
                                                                        message):
    """Through the real command: exit code 2, one line on stderr naming the mistake (and the
    nearest known name), nothing written to model_dir; and no TensorFlow start-up notices
    although TensorFlow was loaded (the environment leaves TF_CPP_MIN_LOG_LEVEL unset)."""
    root = str(pairs["dir"].parent)
    flags = [flag.replace("{pairs}", root) for flag in flags]
    env = {k: v for k, v in CHILD_ENV.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run(
        [sys.executable, "-m", "trainer.task", "--config=tiny", f"--model_dir={tmp_path / 'm'}",
         f"--train_data={pairs['dir'] / 'train'}", *flags], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("python -m trainer.task: ") and message.replace("{pairs}", root) in line
    assert not (tmp_path / "m").exists()


def test_ctrl_c_stops_between_host_calls_with_a_checkpoint_and_says_how_to_resume(pairs, tmp_path):
    flags = _flags(pairs, tmp_path, "train.steps=100000", "train.checkpoint_every=100000",
                   "train.steps_per_loop=5", "train.log_every=5")
    command = [sys.executable, "-m", "trainer.task", *flags, "--no_export"]
    child = subprocess.Popen(command, cwd=REPO, env=CHILD_ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        for line in child.stdout:  # the first progress line: training is under way
            if line.startswith("step "):
                break
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "stopping after the steps running now" in err
    (said,) = [line for line in out.splitlines() if line.startswith("interrupted at step ")]
    step = int(said.split()[3].split("/")[0])
    assert said.endswith("; the same command resumes from it")
    assert str(tmp_path / "checkpoints" / f"ckpt-{step}") in said
    assert _checkpoint_steps(tmp_path) == [step]
    resumed = subprocess.run(
        [*command[:-1], f"--set=train.steps={step + 2}", "--no_export"], cwd=REPO, env=CHILD_ENV,
        capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resumed from {tmp_path / 'checkpoints' / f'ckpt-{step}'}" in resumed.stdout


def test_evaluate_command_reproduces_the_training_runs_held_out_numbers(trained, tmp_path):
    """`wikipairs evaluate` in a fresh process: the run's config rebuilds the model, the latest
    checkpoint fills it, and the table is the one training computed on the same split."""
    _, _, model_dir = trained
    written = json.loads((model_dir / "eval_results.json").read_text())
    from trainer.config import from_yaml
    eval_data = from_yaml((model_dir / "config.yaml").read_text()).data.eval_data
    output = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "wikipairs.cli", "evaluate", f"--model_dir={model_dir}",
         f"--eval_data={eval_data}", f"--output={output}"],
        cwd=REPO, env=CHILD_ENV, text=True, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "ckpt-" in result.stdout and "R@10" in result.stdout
    again = json.loads(output.read_text())["results"]
    assert set(again) == set(written["results"])
    for task, metrics in written["results"].items():
        for name, value in metrics.items():
            assert again[task][name] == pytest.approx(value, abs=1e-6), (task, name)


@pytest.mark.parametrize("flags, message", [
    (["--model_dir={tmp}/nope", "--eval_data={tmp}"], "no training run at {tmp}/nope"),
    (["--model_dir={model}", "--eval_data={tmp}/nope"], "no pair shards match"),
])
def test_evaluate_command_refuses_what_is_not_there(trained, tmp_path, flags, message):
    _, _, model_dir = trained
    fill = dict(tmp=tmp_path, model=model_dir)
    result = subprocess.run(
        [sys.executable, "-m", "trainer.evaluate", *(f.format(**fill) for f in flags)],
        cwd=REPO, env=CHILD_ENV, text=True, capture_output=True, timeout=600)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"python -m trainer.evaluate: {message.format(**fill)}"), result.stderr
