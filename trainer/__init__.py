"""The two-tower trainer: pair shards -> tf.data -> two Transformer towers -> in-batch softmax with
negatives gathered across replicas -> checkpoints, recall@k -> SavedModels.

tf-models-official is written against Keras 2 (`tf_keras`): the flag below must be set before
TensorFlow is first imported, so it is set when the package is imported.
"""
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no start-up notices; errors still raise
