"""The training step and the host loop around it, kept apart from flags and files (task.py) so
tests can run them under any strategy."""
from __future__ import annotations

import tensorflow as tf
import tf_keras
from official.nlp.optimization import WarmUp

from trainer.config import ExperimentConfig, TrainConfig
from trainer.loss import in_batch_softmax_loss


def learning_rate_schedule(train: TrainConfig):
    """The paper's: linear warm-up over warmup_fraction of the steps, then linear decay to 0."""
    decay = tf_keras.optimizers.schedules.PolynomialDecay(
        initial_learning_rate=train.learning_rate, decay_steps=train.steps,
        end_learning_rate=0.0, power=1.0)
    warmup_steps = int(train.steps * train.warmup_fraction)
    if not warmup_steps:
        return decay
    return WarmUp(initial_learning_rate=train.learning_rate, decay_schedule_fn=decay,
                  warmup_steps=warmup_steps)


def make_optimizer(train: TrainConfig):
    return tf_keras.optimizers.Adam(learning_rate=learning_rate_schedule(train))


def loss_and_gradients(model, batch: dict, config: ExperimentConfig, global_batch_size: int,
                       training: bool = True):
    """(loss outputs, gradients of this replica's loss share) for one batch, in replica context."""
    with tf.GradientTape() as tape:
        queries, docs = model(batch, training=training)
        outputs = in_batch_softmax_loss(
            queries, docs, global_batch_size, batch.get("doc_key"),
            temperature=config.model.temperature, gather=config.loss.gather_negatives,
            remove_accidental_hits=config.loss.remove_accidental_hits,
            symmetric=config.loss.symmetric)
    return outputs, tape.gradient(outputs["loss"], model.trainable_variables)


def make_replica_step(model, optimizer, config: ExperimentConfig, global_batch_size: int):
    """One optimisation step on one replica's batch (apply_gradients sums across replicas)."""

    def step(batch):
        outputs, gradients = loss_and_gradients(model, batch, config, global_batch_size)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return outputs

    return step


def make_train_loop(strategy, replica_step, global_batch_size: int):
    """tf.function(iterator, steps) running `steps` steps in one host call (TPUs want many), and
    returning the mean loss and in-batch accuracy over them."""

    @tf.function
    def loop(iterator, steps):
        loss_sum = tf.constant(0.0)
        correct = tf.constant(0.0)
        for _ in tf.range(steps):
            outputs = strategy.run(replica_step, args=(next(iterator),))
            loss_sum += strategy.reduce("SUM", outputs["loss"], axis=None)
            correct += strategy.reduce("SUM", outputs["correct"], axis=None)
        steps = tf.cast(steps, tf.float32)
        return loss_sum / steps, correct / (steps * global_batch_size)

    return loop
