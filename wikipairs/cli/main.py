"""wikipairs: look at, check and export the pair shards of `python -m pipeline.run`; search a
corpus with a trained model's exported towers.

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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
