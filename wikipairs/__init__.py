"""wikipairs' own namespace above the specified top-level packages (schemas < pipeline < trainer):
the `wikipairs` command (cli), ReQA evaluation and fine-tuning data (reqa), and passage search
(retrieval)."""
