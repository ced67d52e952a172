"""wikipairs: every job of the project as one command (build, train, reqa, ablation, ... each
the same code as its `python -m` form); look at, check and export pair shards; search a corpus
with a trained model's exported towers.

PATH is a pairs directory (holding metadata.json), a job's --output_dir, a shard file or a glob of
shard files (quote it); local or gs://.

examples:
  wikipairs stats out/demo/pairs
  wikipairs stats 'out/demo/pairs/train/ict-*' --json
  wikipairs show out/demo -n 3 --task wlp --split valid
  wikipairs validate gs://BUCKET/wikipairs/enwiki/pairs
  wikipairs export out/demo/pairs pairs.parquet --format parquet --text
  wikipairs search --model out/demo/model --corpus out/demo "who founded the city?"
"""
from __future__ import annotations

import argparse
import os
import sys

from wikipairs.cli import search as search_command
from schemas.pairs import SPLITS, TASKS

# This module imports nothing heavy: `--help` must not wait for TensorFlow. Each command's module
# is imported by `wikipairs.cli.commands` when the command runs.

# The jobs that have a `python -m` form: `wikipairs JOB ARGS...` runs that module with ARGS, the
# same code and flags (`wikipairs JOB --help` shows them).
JOBS = {
    "build": ("pipeline.run", "the Beam job: dumps -> corpus tables -> pair shards"),
    "train": ("trainer.task", "train the two towers on pair shards; export SavedModels"),
    "pretrain-mlm": ("trainer.mlm", "masked-LM pre-training of the towers' encoder"),
    "evaluate": ("trainer.evaluate", "held-out recall@k/MRR of a training run on a split"),
    "export-model": ("trainer.export", "export a training run's latest checkpoint as SavedModels"),
    "reqa": ("wikipairs.reqa.evaluate", "ReQA: BM25 and exported models on SQuAD-format data"),
    "finetune-pairs": ("wikipairs.reqa.finetune_pairs", "ReQA fine-tuning shards from SQuAD"),
    "questions": ("wikipairs.reqa.from_corpus", "a SQuAD file from a corpus and a question list"),
    "nq": ("wikipairs.reqa.nq", "Natural Questions -> SQuAD format, as ReQA builds it"),
    "ablation": ("trainer.experiments.ablation", "the paper's pre-training ablation"),
    "fetch-data": ("pipeline.sample_data", "fetch the sample dump and the BERT vocabulary"),
    "fetch-checkpoints": ("trainer.checkpoints", "fetch all-MiniLM-L6-v2 (and the ONNX reference)"),
}


def run_job(name: str, argv: list[str]) -> int:
    """`wikipairs NAME ARGS` = `python -m MODULE ARGS`: the module runs as __main__."""
    import runpy

    module = JOBS[name][0]
    saved = sys.argv
    sys.argv = [f"wikipairs {name}", *argv]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)
        return 1
    finally:
        sys.argv = saved
    return 0


def _command(commands, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    """A subcommand with the arguments every command takes; `handler` names its function in
    wikipairs.cli.commands."""
    parser = commands.add_parser(name, help=summary, description=description)
    parser.set_defaults(handler=name)
    parser.add_argument("path", metavar="PATH", help="pairs directory, output directory, shard "
                                                     "file or glob; local or gs://")
    parser.add_argument("--vocab", help="vocab.txt of the ids (default: the one next to "
                                        "metadata.json)")
    parser.add_argument("--batch-size", type=int, default=1024, help="records per batch")
    parser.add_argument("--parallel-files", type=int, default=0,
                        help="shards read at once (default: one per core)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wikipairs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    import importlib.metadata

    parser.add_argument("--version", action="version",
                        version=f"wikipairs {importlib.metadata.version('wikipairs')}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stats = _command(
        commands, "stats", "records per split and task, lengths, truncation, [UNK], duplicates",
        "Reads every record once (in parallel) and reports: records per split and task (checked "
        "against metadata.json), query/document length distributions, truncation rate, [UNK] "
        "rate, distinct articles, duplicate pairs and the most frequent document articles.")
    stats.add_argument("--json", action="store_true", help="print the report as JSON")
    stats.add_argument("--plot", metavar="FILE.png", help="also draw the length distributions")
    stats.add_argument("--top", type=int, default=10, help="most frequent document articles")

    show = _command(
        commands, "show", "pairs decoded back to text",
        "A random sample of pairs (reproducible with --seed), their ids decoded with the vocab, "
        "with task, split and both article titles.")
    show.add_argument("-n", type=int, default=5, help="how many pairs")
    show.add_argument("--task", choices=TASKS)
    show.add_argument("--split", choices=SPLITS)
    show.add_argument("--seed", type=int, default=0, help="which sample")
    show.add_argument("--json", action="store_true", help="one JSON object per pair")

    validate = _command(
        commands, "validate", "check every record and shard; exit 1 on any problem",
        "Checks metadata.json, the vocab, every shard's GZIP/TFRecord integrity and every record "
        "against schemas/pairs.py and metadata.json (feature names and types, lengths, ids within "
        "the vocab, task values, [CLS]/[SEP] framing, schema version, counts). Exit 0 when all "
        "is well, 1 with one line per problem (file, record number, what is wrong) otherwise.")
    validate.add_argument("--max-problems", type=int, default=20,
                          help="problems printed (all are counted)")

    export = _command(
        commands, "export", "the pairs as a Parquet or JSON Lines table",
        "Every record as a row: its split, shard and record number, every feature, and with "
        "--text the ids decoded back to text.")
    export.add_argument("out", metavar="OUT", help="output file, local or gs://")
    export.add_argument("--format", choices=("parquet", "jsonl"),
                        help="default: from OUT's extension, else parquet")
    export.add_argument("--text", action="store_true",
                        help="add query_decoded and doc_decoded columns")

    search = commands.add_parser(
        "search", help="the corpus passages a trained model ranks highest for questions",
        description="Encodes every passage of the corpus with the exported document tower once "
        "(cached under --index_dir, rebuilt when the model or the corpus changes), then ranks "
        "them for each QUERY by inner product with the query tower's embedding.")
    search.set_defaults(handler="search")
    search_command.add_arguments(search)
    for name, (module, summary) in JOBS.items():  # listed here; run_job runs them
        commands.add_parser(name, help=f"{summary} (python -m {module})", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in JOBS:
        return run_job(argv[0], argv[1:])
    from pipeline.flags import one_flag_style

    args = one_flag_style(build_parser()).parse_args(argv)
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # before anything imports TensorFlow
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # errors reach us as exceptions anyway
    from wikipairs.cli import commands
    from wikipairs.cli.shards import CliError

    try:
        return getattr(commands, args.handler)(args)
    except CliError as error:
        print(f"wikipairs {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `wikipairs show ... | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
