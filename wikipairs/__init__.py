"""wikipairs' own namespace above the specified top-level packages (schemas < pipeline < trainer):
the `wikipairs` command (cli), ReQA evaluation and fine-tuning data (reqa), and passage search
(retrieval)."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no start-up notices; errors still raise
