"""The host loop's plain logic: loop sizes, progress line, precision, learning-rate schedule."""
from __future__ import annotations

import pytest

from pipeline.progress import format_duration
from trainer.runs import first_step_line, precision_policy, progress_line, steps_this_loop


@pytest.mark.parametrize("step, total, per_loop, intervals, expected", [
    (0, 100, 10, (25,), 10),
    (20, 100, 10, (25,), 5),  # stops on the checkpoint step
    (95, 100, 10, (50,), 5),  # stops at the end
    (0, 100, 10, (0, 4), 4),  # 0 = interval off
    (7, 100, 1000, (), 93),
])
def test_steps_this_loop(step, total, per_loop, intervals, expected):
    assert steps_this_loop(step, total, per_loop, *intervals) == expected


def test_progress_line_has_rate_and_eta():
    line = progress_line(50, 200, 1.23456, 0.5, 1e-4, 1234.5, 2.0)
    assert line == ("step 50/200 loss 1.2346 in-batch acc 0.500 lr 1.00e-04 1,234 examples/s "
                    "ETA 5:00")
    assert format_duration(3 * 3600 + 125) == "3:02:05"


def test_the_first_step_line_promises_no_rate():
    """The first step traces and compiles: a rate from it (2 examples/s, "ETA 1:11:55" for a
    two-minute run) would mislead, so the first line gives the time and the loss only."""
    assert first_step_line(1, 300, 3.48741, 0.0625, 14.2) == (
        "step 1/300 loss 3.4874 in-batch acc 0.062 (first step 0:14, tracing included; rate and "
        "ETA after the next step)")


def test_bfloat16_only_on_tpu_unless_asked():
    assert precision_policy("auto", "tpu") == "mixed_bfloat16"
    assert precision_policy("auto", "mirrored") == "float32"
    assert precision_policy("mixed_bfloat16", "one_device") == "mixed_bfloat16"


def test_learning_rate_warms_up_then_decays_linearly():
    from trainer.config import TrainConfig
    from trainer.train_lib import learning_rate_schedule

    schedule = learning_rate_schedule(TrainConfig(steps=100, learning_rate=1e-3,
                                                  warmup_fraction=0.1))
    values = [float(schedule(step)) for step in (0, 5, 10, 55, 100)]
    assert values == pytest.approx([0.0, 5e-4, 9e-4, 4.5e-4, 0.0], abs=1e-9)
    flat = learning_rate_schedule(TrainConfig(steps=10, learning_rate=1.0, warmup_fraction=0))
    assert float(flat(0)) == 1.0


def test_fine_tuning_starts_from_the_init_checkpoint_weights(tmp_path):
    """`finetune`: no checkpoint in model_dir yet, so the model comes from train.init_checkpoint
    (weights only; the optimizer starts at step 0)."""
    import numpy as np
    import tensorflow as tf

    from trainer.config import resolve
    from trainer.model import build_model
    from trainer.task import build_training_state, restore_or_initialize
    from trainer.warm_start import resolve_warm_start

    config = resolve("tiny", model={"vocab_size": 50, "max_query_len": 8, "max_doc_len": 12})
    pretrained = build_model(config.model)
    path = tf.train.Checkpoint(model=pretrained).write(str(tmp_path / "pretrained" / "ckpt"))
    model, optimizer, manager = build_training_state(config, tf.distribute.get_strategy(),
                                                     str(tmp_path / "run"))
    said = restore_or_initialize(manager.checkpoint, str(tmp_path / "run"), model,
                                 resolve_warm_start(path))
    assert said == f"initialised the model from {path}"
    assert int(optimizer.iterations) == 0
    for loaded, original in zip(model.get_weights(), pretrained.get_weights()):
        np.testing.assert_array_equal(loaded, original)
