"""The experiment config: presets, YAML file and --set overrides, errors that name the key."""
from __future__ import annotations

import pytest

from trainer.config import (ExperimentConfig, apply_overrides, from_yaml, parse_set_flags,
                            resolve, to_yaml)


def test_presets_follow_the_paper():
    base = resolve("base")
    assert (base.model.num_layers, base.model.hidden_size, base.model.output_dim) == (12, 768, 512)
    assert (base.model.max_query_len, base.model.max_doc_len) == (64, 288)
    assert (base.train.global_batch_size, base.train.steps) == (8192, 100_000)
    assert (base.train.learning_rate, base.train.warmup_fraction) == (1e-4, 0.1)
    assert base.model.pooling == "cls" and not base.model.share_towers
    finetune = resolve("finetune")
    assert (finetune.train.global_batch_size, finetune.train.learning_rate,
            finetune.train.steps) == (512, 5e-5, 2000)
    tiny = resolve("tiny")
    assert (tiny.model.num_layers, tiny.model.hidden_size, tiny.train.global_batch_size) == (
        2, 64, 32)
    assert tiny.model.share_towers and tiny.model.pooling == "mean"
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        resolve("huge")


def test_file_then_set_flags_override_the_preset(tmp_path):
    config_file = tmp_path / "exp.yaml"
    config_file.write_text("model:\n  pooling: cls\n  temperature: 1\n"
                           "train:\n  steps: 50\n  learning_rate: 3e-4\n"
                           "data:\n  task_weights: {ict: 2, bfs: 1}\n")
    config = resolve("tiny", str(config_file), ["train.steps=7", "model.share_towers=false",
                                                "train.learning_rate=1e-4"])
    assert config.model.pooling == "cls" and not config.model.share_towers
    assert config.model.temperature == 1.0 and isinstance(config.model.temperature, float)
    assert config.train.steps == 7 and config.train.learning_rate == 1e-4
    assert config.data.task_weights == {"ict": 2, "bfs": 1}
    assert config.model.num_layers == 2  # untouched preset value


def test_set_flags_parse_yaml_scalars():
    assert parse_set_flags(["a.b=1", "a.c=0.5", "d=mean", "a.e=false", "f="]) == {
        "a": {"b": 1, "c": 0.5, "e": False}, "d": "mean", "f": ""}
    with pytest.raises(ValueError, match="key.sub=value"):
        parse_set_flags(["train.steps"])


@pytest.mark.parametrize("overrides, message", [
    ({"model": {"layers": 3}}, "unknown config key 'model.layers'"),
    ({"train": {"steps": "many"}}, "'train.steps' wants int"),
    ({"train": {"steps": True}}, "'train.steps' wants int"),
    ({"model": 3}, "'model' is a section"),
])
def test_bad_overrides_name_the_key(overrides, message):
    with pytest.raises(ValueError, match=message):
        apply_overrides(ExperimentConfig(), overrides)


def test_resolved_config_round_trips_through_yaml():
    config = resolve("tiny", assignments=["data.task_weights={ict: 1.0}", "loss.symmetric=true"])
    assert from_yaml(to_yaml(config)) == config
