"""The exported towers as numpy functions: `Encoders.load(DIR)` finds `query_encoder` and
`doc_encoder` under a training run's model_dir (or its `export/`), and encodes lists of strings in
batches through their `serving_default` signatures (the project tokenizer runs in the graph), or
document ids framed by the caller through `encode_ids` (ReQA frames its candidates itself)."""
from __future__ import annotations

import dataclasses
import json
import posixpath
from typing import Callable, Sequence

import numpy as np

from trainer.export import DOC_ENCODER, EXPORT_DIR, INFO_FILE, QUERY_ENCODER
from trainer.layout import CHECKPOINT_DIR


def find_export_dir(model: str) -> str:
    """`model` is a model_dir (holding export/) or the export dir itself; FileNotFoundError naming
    what is missing otherwise."""
    import tensorflow as tf

    if not tf.io.gfile.exists(model):
        raise FileNotFoundError(f"{model}: no such directory (give a training run's --model_dir, "
                                "or its export/)")
    for candidate in (posixpath.join(model, EXPORT_DIR), model):
        if all(tf.io.gfile.exists(posixpath.join(candidate, name, "saved_model.pb"))
               for name in (QUERY_ENCODER, DOC_ENCODER)):
            return candidate
    raise FileNotFoundError(
        f"{model}: no exported encoders ({QUERY_ENCODER}/ and {DOC_ENCODER}/ with saved_model.pb) "
        f"in it or in {posixpath.join(model, EXPORT_DIR)}"
        + (f"; run `python -m trainer.export --model_dir={model}` to export its latest checkpoint"
           if tf.io.gfile.exists(posixpath.join(model, CHECKPOINT_DIR)) else
           ": not a training run's model_dir (no checkpoints/ either)"))


@dataclasses.dataclass
class Encoders:
    """Both towers' text signatures, the document tower's ids signature, the export's vocabulary
    (its SavedModel asset) and info (lower-casing, lengths, embedding size)."""

    export_dir: str
    query_fn: Callable
    doc_fn: Callable
    doc_ids_fn: Callable
    vocab_path: str
    info: dict

    @classmethod
    def load(cls, model: str) -> "Encoders":
        """`model`: a model_dir, its export/, or hf:DIR (a Hugging Face BERT folder as it is,
        exported for this process into a temporary directory)."""
        import tensorflow as tf
        import tensorflow_text  # noqa: F401  (registers the tokenizer's ops)

        from trainer.hf_checkpoint import folder_of

        if (folder := folder_of(model)) is not None:
            export_dir = _export_hf(folder)
        else:
            export_dir = find_export_dir(model)
        with tf.io.gfile.GFile(posixpath.join(export_dir, INFO_FILE)) as handle:
            info = json.loads(handle.read())
        query = tf.saved_model.load(posixpath.join(export_dir, QUERY_ENCODER))
        doc = tf.saved_model.load(posixpath.join(export_dir, DOC_ENCODER))
        return cls(export_dir, query.signatures["serving_default"],
                   doc.signatures["serving_default"], doc.signatures["encode_ids"],
                   doc.vocab_file.asset_path.numpy().decode(), info)

    def tokenizer(self):
        """The export's own tokenizer, for framing ids outside the graph (`encode_doc_ids`)."""
        from pipeline.tokenizer import TokenizerSpec

        return TokenizerSpec(self.vocab_path, bool(self.info["lower_case"])).build()

    def encode_queries(self, texts: Sequence[str], batch_size: int = 256,
                       progress: Callable[[int], None] | None = None) -> np.ndarray:
        """float32 [len(texts), dim]."""
        return _encode(lambda rows: self.query_fn(text=_strings(rows)), [list(texts)],
                       batch_size, progress)

    def encode_docs(self, titles: Sequence[str], texts: Sequence[str], batch_size: int = 128,
                    progress: Callable[[int], None] | None = None) -> np.ndarray:
        """float32 [len(texts), dim]; framed as `[CLS] title [SEP] text [SEP]`."""
        if len(titles) != len(texts):
            raise ValueError(f"{len(titles)} titles for {len(texts)} texts")
        return _encode(lambda t, x: self.doc_fn(title=_strings(t), text=_strings(x)),
                       [list(titles), list(texts)], batch_size, progress)

    def encode_doc_ids(self, ids: np.ndarray, batch_size: int = 128,
                       progress: Callable[[int], None] | None = None) -> np.ndarray:
        """float32 [len(ids), dim] from int32 ids [n, max_doc_len] (0 = [PAD]), already framed."""
        import tensorflow as tf

        return _encode(lambda rows: self.doc_ids_fn(ids=tf.constant(rows, tf.int32)), [ids],
                       batch_size, progress)

    @property
    def dim(self) -> int:
        return int(self.info["output_dim"])


def _export_hf(folder: str) -> str:
    """Export the folder's model into a directory removed when the process ends."""
    import atexit
    import shutil
    import tempfile

    from trainer.export import export_hf_checkpoint

    directory = tempfile.mkdtemp(prefix="wikipairs_hf_")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return export_hf_checkpoint(folder, directory)


def _strings(rows):
    import tensorflow as tf

    return tf.constant(rows, dtype=tf.string)


def _encode(call, columns: list[list[str]], batch_size: int, progress) -> np.ndarray:
    total = len(columns[0])
    parts = []
    for start in range(0, total, batch_size):
        batch = [column[start:start + batch_size] for column in columns]
        parts.append(call(*batch)["embedding"].numpy().astype(np.float32))
        if progress:
            progress(len(batch[0]))
    if not parts:
        return np.zeros((0, 0), np.float32)
    return np.concatenate(parts)
