"""SavedModels people can serve: `export/query_encoder` and `export/doc_encoder`.

Each has `serving_default` taking raw strings (the project's tokenizer in the graph, vocab.txt as an
asset; the document side takes `title` and `text` and frames `[CLS] title [SEP] text [SEP]` with
the pipeline's truncation) and `encode_ids` taking int32 ids [batch, max_len] framed the same way
(`[CLS] ... [SEP]`, then 0 = [PAD]; what TPU serving can run, tf-text ops cannot). The tower reads
BERT's segment ids off that framing (trainer/model.py `input_type_ids`), so both signatures give
the same embedding for the same ids. Both return {'embedding': float32 [batch, dim]}.
`export/config.yaml` and `export/export_info.json` (vocab sha256, lower-casing, lengths) sit
alongside. Loading needs TensorFlow and `import tensorflow_text` (for the tokenizer's ops).

    python -m trainer.export --model_dir=out/model   # export the latest checkpoint again
"""
from __future__ import annotations

import argparse
import json
import posixpath

import trainer  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
from schemas.framing import tf_frame_doc, tf_frame_query

EXPORT_DIR = "export"
QUERY_ENCODER = "query_encoder"
DOC_ENCODER = "doc_encoder"
INFO_FILE = "export_info.json"


def encoder_module(tower, tokenizer, vocab_path: str, max_len: int, frame, text_inputs):
    """A tf.Module with `serve_text(*strings)` and `encode_ids(ids)`, ready to save.

    frame: (tokenized inputs...) -> int32 ids [batch, max_len]; text_inputs: their names.
    """
    import tensorflow as tf

    module = tf.Module()
    module.tower = tower
    module.vocab_file = tf.saved_model.Asset(vocab_path)

    def embed(ids):
        return {"embedding": tower(ids, training=False)}

    module.encode_ids = tf.function(embed, input_signature=[
        tf.TensorSpec([None, max_len], tf.int32, name="ids")])
    module.serve_text = tf.function(
        lambda *texts: embed(frame(*(tokenizer.tf_tokenize(t) for t in texts))),
        input_signature=[tf.TensorSpec([None], tf.string, name=name) for name in text_inputs])
    return module


def export_encoders(model, config, model_dir: str) -> list[str]:
    """Write both SavedModels (and config + info) under model_dir/export; returns their paths."""
    from schemas.pairs import read_metadata
    from trainer.layout import METADATA_COPY, VOCAB_COPY

    metadata = read_metadata(posixpath.join(model_dir, METADATA_COPY))
    return write_exports(model, config, posixpath.join(model_dir, VOCAB_COPY),
                         metadata.lower_case, metadata.pair_config["max_title_tokens"],
                         posixpath.join(model_dir, EXPORT_DIR))


def write_exports(model, config, vocab_path: str, lower_case: bool, max_title: int,
                  export_dir: str) -> list[str]:
    """Both SavedModels of `model` (a TwoTower), tokenizing with `vocab_path`, under export_dir."""
    import tensorflow as tf

    from pipeline.tokenizer import TokenizerSpec
    from trainer.config import to_yaml

    tokenizer = TokenizerSpec(vocab_path, lower_case).build()
    cls_id, sep_id = tokenizer.cls_id, tokenizer.sep_id
    m = config.model
    modules = {
        QUERY_ENCODER: encoder_module(
            model.query_tower, tokenizer, vocab_path, m.max_query_len,
            lambda text: tf_frame_query(text, cls_id, sep_id, m.max_query_len), ["text"]),
        DOC_ENCODER: encoder_module(
            model.doc_tower, tokenizer, vocab_path, m.max_doc_len,
            lambda title, text: tf_frame_doc(title, text, cls_id, sep_id, max_title, m.max_doc_len),
            ["title", "text"]),
    }
    paths = []
    for name, module in modules.items():
        path = posixpath.join(export_dir, name)
        tf.saved_model.save(module, path, signatures={"serving_default": module.serve_text,
                                                      "encode_ids": module.encode_ids})
        paths.append(path)
    info = {"vocab_sha256": tokenizer.sha256, "vocab_size": tokenizer.vocab_size,
            "lower_case": tokenizer.lower_case, "max_query_len": m.max_query_len,
            "max_doc_len": m.max_doc_len, "max_title_tokens": max_title,
            "output_dim": m.output_dim or m.hidden_size, "normalize": m.normalize,
            "signatures": {"serving_default": {QUERY_ENCODER: ["text"],
                                               DOC_ENCODER: ["title", "text"]},
                           "encode_ids": "ids int32 [batch, max_len]: [CLS] ... [SEP], "
                                         "then 0 = [PAD]"}}
    with tf.io.gfile.GFile(posixpath.join(export_dir, INFO_FILE), "w") as handle:
        handle.write(json.dumps(info, indent=2))
    with tf.io.gfile.GFile(posixpath.join(export_dir, "config.yaml"), "w") as handle:
        handle.write(to_yaml(config))
    return paths


def export_hf_checkpoint(folder: str, export_dir: str, max_query_len: int = 64,
                         max_doc_len: int = 288) -> str:
    """A Hugging Face BERT folder as it is (zero-shot), exported like a trained model: one shared
    tower, its pooling, no projection, L2-normalised (sentence-transformers models are compared by
    cosine). Returns export_dir."""
    import dataclasses

    from pipeline.sampling import PairConfig
    from trainer.config import ExperimentConfig, ModelConfig
    from trainer.hf_checkpoint import assign, read_config
    from trainer.warm_start import hf_warm_start

    checkpoint = read_config(folder)
    model_config = dataclasses.replace(
        ModelConfig(), **hf_warm_start(folder).model_overrides, max_query_len=max_query_len,
        max_doc_len=max_doc_len, share_towers=True, output_dim=0, normalize=True, dropout=0.0)
    from trainer.model import build_model

    model = build_model(model_config)
    for tower in model.towers():
        assign(tower.encoder, folder)
    write_exports(model, ExperimentConfig(model=model_config), checkpoint.vocab_path,
                  checkpoint.lower_case, PairConfig().max_title_tokens, export_dir)
    return export_dir


def export_latest(model_dir: str) -> list[str]:
    """Rebuild the model from model_dir/config.yaml, load the latest checkpoint, export."""
    import tensorflow as tf

    from trainer.config import from_yaml
    from trainer.model import build_model
    from trainer.layout import CHECKPOINT_DIR, CONFIG_FILE

    with tf.io.gfile.GFile(posixpath.join(model_dir, CONFIG_FILE)) as handle:
        config = from_yaml(handle.read())
    latest = tf.train.latest_checkpoint(posixpath.join(model_dir, CHECKPOINT_DIR))
    if not latest:
        raise FileNotFoundError(f"no checkpoint under {model_dir}/{CHECKPOINT_DIR}")
    model = build_model(config.model)
    tf.train.Checkpoint(model=model).read(latest).expect_partial()
    return export_encoders(model, config, model_dir)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trainer.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_dir", required=True)
    from pipeline.flags import one_flag_style

    return one_flag_style(parser).parse_args(argv)


if __name__ == "__main__":
    print(export_latest(parse_args().model_dir))
