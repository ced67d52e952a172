"""Run the pair stage from a corpus directory in a Beam TestPipeline and read the shards back."""
from __future__ import annotations

import json
import os
import pathlib

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from tests.corpus_run import local_test_pipeline  # noqa: E402
from pipeline.corpus_stage import CorpusConfig  # noqa: E402
from pipeline.sampling import PairConfig  # noqa: E402
from pipeline.pairs_stage import PairsStageConfig  # noqa: E402
from pipeline.run import build  # noqa: E402
from schemas.pairs import FEATURES, METADATA_FILE, PAIRS_DIR, TEXT_FEATURES  # noqa: E402

IN_MEMORY = ("--direct_running_mode=in_memory",)  # one process: the tests' default


def run_pairs(corpus_dir: pathlib.Path, output_dir: pathlib.Path, vocab: str | None = None,
              pair_config: PairConfig = PairConfig(), **config) -> dict:
    """The pair stage on an existing corpus: {'metadata': ..., 'records': [...], 'dir': ...}."""
    return _run(CorpusConfig(inputs=(), output_dir=str(corpus_dir)), str(corpus_dir),
                output_dir, vocab, pair_config, config)


def run_job(inputs: list[str], output_dir: pathlib.Path, vocab: str | None = None,
            pair_config: PairConfig = PairConfig(), beam_args: tuple[str, ...] = IN_MEMORY,
            **config) -> dict:
    """The whole job, dumps to shards, in one pipeline (`beam_args`: the DirectRunner's mode)."""
    return _run(CorpusConfig(inputs=tuple(inputs), output_dir=str(output_dir)), None,
                output_dir, vocab, pair_config, config, beam_args)


def _run(corpus: CorpusConfig, corpus_dir, output_dir, vocab, pair_config, config,
         beam_args: tuple[str, ...] = IN_MEMORY) -> dict:
    stage = PairsStageConfig(output_dir=str(output_dir), pairs=pair_config, vocab=vocab, **config)
    with local_test_pipeline(*beam_args) as p:
        build(p, corpus, stage, corpus_dir=corpus_dir)
    return read_job(output_dir)


def read_job(output_dir: pathlib.Path) -> dict:
    """What a run wrote under output_dir: {'metadata': ..., 'records': [...], 'dir': ...}."""
    pairs_dir = output_dir / PAIRS_DIR
    metadata = json.loads((pairs_dir / METADATA_FILE).read_text())
    return {"metadata": metadata, "records": read_records(pairs_dir), "dir": pairs_dir}


def read_records(pairs_dir: pathlib.Path) -> list[dict]:
    """Every record of every shard, parsed with the raw protobuf API (no schema assumptions), plus
    the split and shard it came from."""
    import tensorflow as tf

    records = []
    for shard in sorted(pairs_dir.glob("*/*.tfrecord.gz")):
        for raw in tf.data.TFRecordDataset(str(shard), compression_type="GZIP"):
            example = tf.train.Example.FromString(raw.numpy())
            row = {"split": shard.parent.name, "shard": shard.name}
            for name, feature in example.features.feature.items():
                kind, dtype = {**FEATURES, **TEXT_FEATURES}[name]
                values = (list(feature.int64_list.value) if dtype == "int64"
                          else [v.decode() for v in feature.bytes_list.value])
                row[name] = values if kind == "list" else values[0]
            records.append(row)
    return records


TINY_TRAIN_STEPS = 200


def sample_job(output_dir: pathlib.Path, beam_args: tuple[str, ...] = IN_MEMORY) -> dict:
    """The whole job on the bundled sample with a learned 2,000-token vocab, 60/20/20 splits and
    more pairs per article than the defaults (a few hundred pairs are too few to generalise)."""
    from pipeline.sample_data import sample_path

    return run_job([str(sample_path())], output_dir, None, beam_args=beam_args, vocab_size=2000,
                   split_fractions=(0.6, 0.2, 0.2), keep_text=True, pair_config=PairConfig(
                       ict_per_article=16, bfs_per_article=8, wlp_max_per_target=8))


def tiny_flags(pairs: dict, model_dir, *sets: str) -> list[str]:
    """`python -m trainer.task` flags training `tiny` on `pairs` (a run_job result)."""
    return [f"--train_data={pairs['dir'] / 'train'}", f"--eval_data={pairs['dir'] / 'valid'}",
            f"--model_dir={model_dir}", "--config=tiny",
            f"--set=model.vocab_size={pairs['metadata']['vocab_size']}",
            *(f"--set={s}" for s in sets)]
