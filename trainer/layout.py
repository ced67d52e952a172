"""What a training run writes under its model_dir (read back by export, fine-tuning and search)."""
CONFIG_FILE = "config.yaml"  # the resolved ExperimentConfig
CHECKPOINT_DIR = "checkpoints"
EVAL_FILE = "eval_results.json"
VOCAB_COPY = "vocab.txt"  # the shards' vocab and metadata, kept for export
METADATA_COPY = "pairs_metadata.json"
