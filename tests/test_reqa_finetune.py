"""ReQA fine-tuning: the split by question, the pair shards (schema, framing, metadata, the SQuAD
subsets for evaluation), and `trainer.task --init_checkpoint` starting from a pre-trained run."""
from __future__ import annotations

import contextlib
import io
import json
import pathlib
import re

import numpy as np
import pytest

from wikipairs.reqa.finetune_pairs import FinetuneConfig, convert, frame, split_questions
from wikipairs.reqa.squad import read_squad

REPO = pathlib.Path(__file__).resolve().parent.parent
HANDMADE = REPO / "tests" / "data" / "reqa_handmade.json"


@pytest.mark.parametrize("fraction,train,valid", [(0.01, 10, 1), (0.05, 50, 5), (0.8, 800, 80)])
def test_paper_splits_by_question(fraction, train, valid):
    ids = [f"q{i}" for i in range(1000)]
    split = split_questions(ids, fraction, seed=3)
    counts = {s: sum(1 for v in split.values() if v == s) for s in ("train", "valid", "test")}
    assert counts == {"train": train - valid, "valid": valid, "test": 1000 - train}
    assert split_questions(list(reversed(ids)), fraction, seed=3) == split  # order-free
    assert split_questions(ids, fraction, seed=4) != split  # the seed matters


def test_framing_matches_the_pipeline_layout():
    config = FinetuneConfig(max_query_len=6, max_doc_len=10, max_sentence_tokens=3)
    query, doc, query_cut, doc_cut = frame(101, 102, [1, 2, 3, 4, 5], [7, 8, 9, 10], [20, 21, 22,
                                                                                     23, 24], config)
    assert query == [101, 1, 2, 3, 4, 102] and query_cut
    assert doc == [101, 7, 8, 9, 102, 20, 21, 22, 23, 102] and doc_cut  # room 10 - 3 - 3 = 4
    assert len(doc) == config.max_doc_len


@pytest.fixture(scope="module")
def reqa_shards(sample_pairs, tmp_path_factory):
    out = tmp_path_factory.mktemp("reqa_shards")
    summary = convert(str(HANDMADE), str(sample_pairs["dir"]), str(out),
                      FinetuneConfig(train_fraction=0.8, seed=0))
    return out, summary


def test_shards_hold_question_and_sentence_with_context(reqa_shards, sample_pairs):
    from pipeline.tokenizer import TokenizerSpec
    from tests.pairs_run import read_records

    out, summary = reqa_shards
    records = read_records(out / "pairs")
    # 5 answerable questions, q4 with two target sentences: 6 pairs; 80% of 5 questions train.
    assert sum(summary["pairs"].values()) == len(records) == 6
    assert summary["questions"] == {"train": 4, "valid": 0, "test": 1}
    metadata = json.loads((out / "pairs" / "metadata.json").read_text())
    assert metadata["vocab_sha256"] == sample_pairs["metadata"]["vocab_sha256"]
    assert metadata["counts"]["train"]["reqa"] == summary["pairs"]["train"]
    tokenizer = TokenizerSpec(str(out / "pairs" / "vocab.txt"), True).build()
    q6 = next(r for r in records if r["pair_id"] == "reqa/q6/4")
    assert tokenizer.decode(q6["query_ids"]) == "what does quillon export ?"
    cls, sep = tokenizer.cls_id, tokenizer.sep_id
    sentence, context = tokenizer.tokenize(["It exports wool and timber.",
                                            "Quillon is a port town. It exports wool and timber."])
    assert q6["doc_ids"] == [cls, *sentence, sep, *context, sep]
    assert {r["task"] for r in records} == {"reqa"}
    assert {r["pair_id"] for r in records if r["pair_id"].startswith("reqa/q4/")} == {
        "reqa/q4/1", "reqa/q4/2"}


def test_squad_subsets_keep_every_paragraph_and_their_split_questions(reqa_shards):
    out, summary = reqa_shards
    full = read_squad(str(HANDMADE))
    seen = []
    for split in ("train", "valid", "test"):
        part = read_squad(str(out / f"squad_{split}.json"))
        assert [p.context for p in part] == [p.context for p in full]
        ids = [q.qid for p in part for q in p.questions if not q.is_impossible]
        assert len(ids) == summary["questions"][split]
        seen += ids
    assert sorted(seen) == ["q1", "q2", "q4", "q5", "q6"]


def test_the_cli_validates_reqa_shards(reqa_shards):
    from wikipairs.cli.main import main

    out, _ = reqa_shards
    assert main(["validate", str(out / "pairs")]) == 0


def test_stats_of_reqa_shards_shows_the_reqa_task_alone(reqa_shards, capsys):
    from wikipairs.cli.main import main

    out, summary = reqa_shards
    assert main(["stats", str(out / "pairs"), "--quiet"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[2].split() == ["records", "reqa", "total"]
    train = f"{summary['pairs']['train']:,}"
    assert table[3].split() == ["train", train, train]  # the reqa column and the total


def _finetune_flags(shards_dir, model_dir, init, *sets):
    return [f"--train_data={shards_dir / 'pairs' / 'train'}", f"--model_dir={model_dir}",
            "--config=finetune", f"--init_checkpoint={init}", "--set=train.steps=4",
            "--set=train.global_batch_size=4", "--set=train.steps_per_loop=2",
            "--set=train.log_every=2", *(f"--set={s}" for s in sets)]


def test_finetuning_starts_from_the_pretrained_weights(reqa_shards, tiny_model, tmp_path):
    """With learning rate 0, the fine-tuned export must embed exactly as the pre-trained one:
    the weights came from --init_checkpoint, and the model config (tiny's 2 layers, shared tower)
    came with them although the preset is `finetune` (BERT-base sized)."""
    from trainer.task import main
    from wikipairs.retrieval.encoders import Encoders

    out, _ = reqa_shards
    pretrained_dir = tiny_model[2]
    model_dir = tmp_path / "ft"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = main(_finetune_flags(out, model_dir, pretrained_dir, "train.learning_rate=0.0"))
    assert result["step"] == 4
    assert "initialised the model from" in printed.getvalue()
    assert "num_layers: 2" in (model_dir / "config.yaml").read_text()
    texts = ["what does quillon export?", "the capital of zorvania"]
    before = Encoders.load(str(pretrained_dir)).encode_queries(texts)
    after = Encoders.load(str(model_dir)).encode_queries(texts)
    np.testing.assert_allclose(after, before, atol=1e-6)


def test_finetuning_refuses_shards_of_another_vocabulary(tiny_model, sample_pairs, tmp_path):
    """Same size, other order: the ids would mean other tokens."""
    from trainer.task import main

    vocab = (sample_pairs["dir"] / "vocab.txt").read_text().splitlines()
    shuffled = vocab[:5] + list(reversed(vocab[5:]))
    (tmp_path / "vocab.txt").write_text("\n".join(shuffled) + "\n")
    convert(str(HANDMADE), str(tmp_path / "vocab.txt"), str(tmp_path / "other"),
            FinetuneConfig(train_fraction=0.8))
    with pytest.raises(ValueError, match="tokenized with vocab sha256 .* the model in "
                                         "--init_checkpoint was trained with"):
        main(_finetune_flags(tmp_path / "other", tmp_path / "ft", tiny_model[2]))


def test_a_missing_init_checkpoint_is_named(reqa_shards, tmp_path, capsys):
    from trainer.task import main

    out, _ = reqa_shards
    with pytest.raises(SystemExit) as stopped:
        main(_finetune_flags(out, tmp_path / "ft", tmp_path / "nowhere"))
    assert stopped.value.code == 2
    assert re.search(r"--init_checkpoint .*nowhere: neither a training run's",
                     capsys.readouterr().err)
