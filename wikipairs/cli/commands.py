"""The commands' plumbing: parsed arguments -> the logic modules -> stdout and an exit status."""
from __future__ import annotations

import contextlib
import json
import sys

from wikipairs.cli.shards import CliError, ShardSet, load_tokenizer, resolve, unk_id


def _warn_about_listing(shard_set: ShardSet) -> None:
    for path in shard_set.missing:
        print(f"warning: {path} is listed in metadata.json but missing", file=sys.stderr)
    for path in shard_set.unlisted:
        print(f"warning: {path} is not listed in metadata.json", file=sys.stderr)


@contextlib.contextmanager
def _reading(shard_set: ShardSet):
    """A shard TensorFlow cannot read stops stats/show/export with one line naming the shard
    and record, not a traceback (the shards are read in parallel, so TensorFlow's error does
    not say which: they are read again one by one to find it)."""
    import tensorflow as tf

    from wikipairs.cli.read import tf_error_text
    from wikipairs.cli.salvage import first_damage

    try:
        yield
    except tf.errors.OpError as error:
        for shard in shard_set.shards:
            if damage := first_damage(shard.path):
                record, reason = damage
                raise CliError(f"{shard.name}: record {record}: unreadable ({reason})") from None
        raise CliError(f"cannot read the shards of {shard_set.given}: {tf_error_text(error)}"
                       ) from None


def stats(args) -> int:
    from wikipairs.cli.stats import StatsConfig, compute_stats
    from wikipairs.cli.stats_text import render

    shard_set = resolve(args.path)
    _warn_about_listing(shard_set)
    shard_set.refuse_mismatched()
    metadata = shard_set.metadata
    max_lengths = ({"query": metadata.max_query_len, "doc": metadata.max_doc_len}
                   if metadata else None)
    config = StatsConfig(args.batch_size, args.parallel_files, args.top, not args.quiet)
    with _reading(shard_set):
        report = compute_stats(shard_set, config, unk_id(shard_set, args.vocab), max_lengths)
    print(json.dumps(report) if args.json else render(report))
    if args.plot:
        from wikipairs.cli.plot import plot_lengths

        print(f"plot: {plot_lengths(report, args.plot)}", file=sys.stderr)
    return 0


def show(args) -> int:
    import shutil

    from wikipairs.cli.shards import has_text
    from wikipairs.cli.show import ShowConfig, decoded_pair, render_pair, sample_records

    shard_set = resolve(args.path)
    shard_set.refuse_mismatched()
    tokenizer = load_tokenizer(shard_set, args.vocab)
    config = ShowConfig(args.n, args.task, args.split, args.seed, batch_size=args.batch_size,
                        parallel_files=args.parallel_files)
    with _reading(shard_set):
        records = sample_records(shard_set, config, has_text(shard_set))
        pairs = [decoded_pair(r, shard_set.shards[r["file"]], tokenizer) for r in records]
    width = shutil.get_terminal_size().columns
    for number, pair in enumerate(pairs, 1):
        print(json.dumps(pair, ensure_ascii=False) if args.json
              else render_pair(pair, number, len(pairs), width) + "\n")
    if not pairs:
        print(f"no pairs of split {args.split or 'any'} and task {args.task or 'any'}",
              file=sys.stderr)
    return 0


def validate(args) -> int:
    from wikipairs.cli import validate as checks

    shard_set = resolve(args.path)
    config = checks.ValidateConfig(args.batch_size, args.parallel_files, not args.quiet)
    result = checks.validate(shard_set, config, args.vocab)
    print(checks.render(result, args.path, args.max_problems))
    return 1 if result.problems else 0


def export(args) -> int:
    from wikipairs.cli.export_shards import ExportConfig, export as write_table, format_of
    from wikipairs.cli.shards import has_text

    shard_set = resolve(args.path)
    _warn_about_listing(shard_set)
    shard_set.refuse_mismatched()
    tokenizer = load_tokenizer(shard_set, args.vocab) if args.text else None
    config = ExportConfig(format_of(args.out, args.format), args.text, args.batch_size,
                          args.parallel_files, not args.quiet)
    with _reading(shard_set):
        rows = write_table(shard_set, args.out, config, has_text(shard_set), tokenizer)
    print(f"{rows:,} pairs from {len(shard_set.shards)} shards written to {args.out} "
          f"({config.format})")
    return 0


def search(args) -> int:
    from wikipairs.cli.search import run

    return run(args)
