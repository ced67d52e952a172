"""The wikipairs Beam job: MediaWiki XML dumps in, a linked corpus and training pairs out."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no start-up notices; errors still raise
# TensorFlow's import eagerly loads a Keras: Keras 3 (with scikit-learn) by default, tf_keras with
# this flag, the one the project uses anyway (trainer/__init__.py). Set when any pipeline module is
# imported, workers included, so the first tokenizing step pays ~0.9 CPU s less for its import.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
