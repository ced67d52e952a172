"""`python -m pipeline.run --input=GLOB --output_dir=DIR [beam options]`: the wikipairs Beam job.

Runs locally on all cores (Beam's DirectRunner in multi-process mode) unless a runner is given,
e.g. `--runner=DataflowRunner --project=... --region=... --temp_location=gs://...`.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys


def parse_args(argv: list[str] | None = None):
    from schemas.corpus import LINK_KINDS

    parser = argparse.ArgumentParser(
        prog="python -m pipeline.run", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", action="append",
                        help="dump file or glob (.xml, .xml.bz2 incl. multistream, .xml.gz; local or "
                             "gs://); repeat for several")
    source.add_argument("--corpus_dir", help="start from the corpus tables of an earlier run "
                                             "instead of parsing dumps again")
    parser.add_argument("--output_dir", required=True,
                        help="corpus tables go here, pair shards under OUTPUT_DIR/pairs; what an "
                        "earlier run of the same stages wrote there is removed first")
    parser.add_argument("--stages", default="corpus,pairs",
                        help="'corpus,pairs' (default), or 'corpus' to stop after the corpus")
    parser.add_argument("--namespaces", default="0", help="comma-separated namespace keys to keep")
    parser.add_argument("--max_redirect_hops", type=int, default=5)
    parser.add_argument("--parse_timeout_s", type=float, default=20.0,
                        help="a page that takes longer goes to dead_letter")
    parser.add_argument("--max_page_bytes", type=int, default=4 << 20)
    parser.add_argument("--min_passage_chars", type=int, default=20)
    parser.add_argument("--max_inbound_links", type=int, default=1000,
                        help="inbound links kept per article row: a deterministic sample beyond "
                        "this (inbound_link_count has the true number), so a hub page costs "
                        "bounded memory; at least --wlp_max_per_target")
    parser.add_argument("--read_range_mb", type=int, default=64,
                        help="a multistream dump with its index is read in ranges of about this "
                        "size; a file that cannot be cut by one task per this many MB of it (at "
                        "most 8), each parsing every n-th page")
    pairs = parser.add_argument_group("pairs")
    pairs.add_argument("--vocab", help="a BERT vocab.txt (local or gs://); default: learn one")
    pairs.add_argument("--lower_case", action=argparse.BooleanOptionalAction, default=True,
                       help="lower-case and strip accents before WordPiece (uncased vocabs)")
    pairs.add_argument("--vocab_size", type=int, default=30522,
                       help="size of a learned vocab (a small corpus may give fewer)")
    pairs.add_argument("--max_query_len", type=int, default=64)
    pairs.add_argument("--max_doc_len", type=int, default=288)
    pairs.add_argument("--max_title_tokens", type=int, default=32)
    pairs.add_argument("--min_passage_tokens", type=int, default=64,
                       help="a shorter paragraph is packed with the next one when both fit")
    pairs.add_argument("--ict_per_article", type=int, default=4)
    pairs.add_argument("--ict_keep_query_prob", type=float, default=0.1)
    pairs.add_argument("--bfs_per_article", type=int, default=2)
    pairs.add_argument("--wlp_max_per_target", type=int, default=4,
                       help="WLP pairs per target article: this many linking articles at most")
    pairs.add_argument("--wlp_link_kinds", default=",".join(LINK_KINDS),
                       help="which links feed WLP, by where they stand in the linking page: a "
                       "prose link gives the passage that holds it, the others a passage drawn "
                       "from the linking page")
    pairs.add_argument("--seed", type=int, default=0)
    pairs.add_argument("--split_fractions", default="0.98,0.01,0.01", help="train,valid,test")
    pairs.add_argument("--keep_text", action="store_true", help="store raw texts in the records")
    pairs.add_argument("--records_per_shard", type=int, default=50_000)
    from pipeline.flags import one_flag_style

    args, beam_args = one_flag_style(parser).parse_known_args(argv)
    if unknown := unknown_flags(beam_args, parser):
        parser.exit(2, f"{parser.prog}: unknown flags: {', '.join(unknown)} (neither this "
                       "job's nor Beam's; --help lists the job's)\n")
    return args, beam_args


def unknown_flags(beam_args: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """The flags of `beam_args` that no Beam PipelineOptions class declares, each with the
    nearest flag of the job or of Beam when one is close ('--ict_per_artcle (did you mean
    --ict_per_article?)'). Beam itself only logs 'Discarding unparseable args' and runs on
    with the defaults, which a typo in a pair option would silently give."""
    from apache_beam.options import pipeline_options

    from pipeline.flags import long_flags, named_flags

    beam = pipeline_options._BeamArgumentParser(allow_abbrev=False)
    # The classes Beam's own get_all_options parses with (the last of each name).
    for cls in {str(c): c for c in pipeline_options.PipelineOptions.__subclasses__()}.values():
        cls._add_argparse_args(beam)  # pylint: disable=protected-access
    _, unknown = beam.parse_known_args(beam_args)
    return named_flags(unknown, long_flags(parser) + long_flags(beam))


def link_kinds(value: str) -> tuple[str, ...]:
    from schemas.corpus import LINK_KINDS

    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = sorted(set(kinds) - set(LINK_KINDS))
    if unknown or not kinds:
        raise SystemExit(f"--wlp_link_kinds={value}: expected some of {','.join(LINK_KINDS)}")
    return kinds


def pairs_config(args):
    from pipeline.sampling import PairConfig
    from pipeline.pairs_stage import PairsStageConfig

    pair = PairConfig(
        max_query_len=args.max_query_len, max_doc_len=args.max_doc_len,
        max_title_tokens=args.max_title_tokens, min_passage_tokens=args.min_passage_tokens,
        ict_per_article=args.ict_per_article, ict_keep_query_prob=args.ict_keep_query_prob,
        bfs_per_article=args.bfs_per_article, wlp_max_per_target=args.wlp_max_per_target,
        wlp_link_kinds=link_kinds(args.wlp_link_kinds), seed=args.seed)
    return PairsStageConfig(
        output_dir=args.output_dir, pairs=pair, vocab=args.vocab, lower_case=args.lower_case,
        vocab_size=args.vocab_size,
        split_fractions=tuple(float(f) for f in args.split_fractions.split(",")),
        keep_text=args.keep_text, records_per_shard=args.records_per_shard,
        inputs=tuple(args.input or [args.corpus_dir]))


def corpus_config(args):
    from pipeline.corpus_stage import CorpusConfig
    from pipeline.page_filters import FilterConfig
    from pipeline.parse_page import ParseConfig
    from pipeline.wikitext import TextConfig

    filters = FilterConfig(namespaces=tuple(int(n) for n in args.namespaces.split(",")),
                           max_page_bytes=args.max_page_bytes,
                           parse_timeout_s=args.parse_timeout_s)
    parse = ParseConfig(filters=filters, text=TextConfig(min_passage_chars=args.min_passage_chars))
    return CorpusConfig(inputs=tuple(args.input or ()), output_dir=args.output_dir, parse=parse,
                        max_redirect_hops=args.max_redirect_hops,
                        max_inbound_links=args.max_inbound_links,
                        read_range_bytes=args.read_range_mb << 20)


def pipeline_options(beam_args: list[str]):
    """Beam options; with no runner given, the DirectRunner on every local core, multi-process."""
    from apache_beam.options.pipeline_options import PipelineOptions

    if not any(a.startswith("--runner") for a in beam_args):
        beam_args = beam_args + ["--runner=DirectRunner"]
        if not any(a.startswith("--direct_running_mode") for a in beam_args):
            beam_args += ["--direct_running_mode=multi_processing",
                          f"--direct_num_workers={os.cpu_count() or 1}"]
    return PipelineOptions(beam_args)


def build(pipeline, config, pairs=None, corpus_dir: str | None = None):
    """Dumps -> corpus tables (unless `corpus_dir` gives them) -> pair shards (if `pairs`)."""
    from pipeline.corpus_stage import BuildCorpus, WriteCorpus

    if corpus_dir:
        from apache_beam.io.parquetio import ReadFromParquet

        articles = pipeline | "ReadArticles" >> ReadFromParquet(f"{corpus_dir.rstrip('/')}/articles/*.parquet")
    else:
        tables = pipeline | "Corpus" >> BuildCorpus(config)
        tables | "WriteCorpus" >> WriteCorpus(config)
        articles = tables["articles"]
    if pairs is not None:
        from pipeline.pairs_stage import BuildPairs

        articles | "Pairs" >> BuildPairs(pairs)


def earlier_outputs(output_dir: str, corpus: bool, pairs: bool) -> list[str]:
    """The files an earlier run of these stages left in output_dir, commit markers first
    (corpus_stats.json, metadata.json), then what they commit (table parts, shards, vocab.txt)
    and temporary files of a run that was killed (schemas/commit.py)."""
    from apache_beam.io.filesystems import FileSystems

    from schemas import corpus as corpus_schema
    from schemas import pairs as pairs_schema
    from schemas.commit import TEMPORARY_MARK

    join = FileSystems.join
    markers, patterns = [], []
    if corpus:
        markers.append(join(output_dir, corpus_schema.STATS_FILE))
        for table in corpus_schema.TABLES:
            patterns += [join(output_dir, table, "*.parquet"),
                         join(output_dir, table, f".*{TEMPORARY_MARK}*")]
        patterns.append(join(output_dir, f".*{TEMPORARY_MARK}*"))
    if pairs:
        pairs_dir = join(output_dir, pairs_schema.PAIRS_DIR)
        markers.append(join(pairs_dir, pairs_schema.METADATA_FILE))
        patterns += [join(pairs_dir, pairs_schema.VOCAB_FILE),
                     join(pairs_dir, f".*{TEMPORARY_MARK}*"),
                     pairs_schema.shard_pattern(pairs_dir, "*"),
                     join(pairs_dir, "*", f".*{TEMPORARY_MARK}*")]
    found = [m.path for result in FileSystems.match(markers + patterns)
             for m in result.metadata_list]
    return list(dict.fromkeys(found))  # a file matched twice is removed once, markers first


def clear_earlier_outputs(output_dir: str, corpus: bool, pairs: bool,
                          inputs: tuple[str, ...] = ()) -> int:
    """Remove what an earlier run of these stages wrote to output_dir, so that no file of it is
    mistaken for this run's (a shard of another --records_per_shard, a part of another layout).
    The commit markers go first: from then on the directory reads as unfinished until this run
    writes them again. A file this run reads (`inputs`: an earlier run's vocab.txt given as
    --vocab) stays."""
    from apache_beam.io.filesystems import FileSystems

    kept = {os.path.abspath(p) if "://" not in p else p for p in inputs if p}
    files = [f for f in earlier_outputs(output_dir, corpus, pairs)
             if (os.path.abspath(f) if "://" not in f else f) not in kept]
    if files:
        FileSystems.delete(files)
        print(f"removed {len(files)} file(s) of an earlier run in {output_dir} before writing "
              "there", file=sys.stderr, flush=True)
    return len(files)


def run(argv: list[str] | None = None):
    """Run the job to completion; returns its config and the final state of the pipeline."""
    from pipeline.worker_gc import tune_collector

    tune_collector()  # before Beam's import: the launcher builds the graph, a local runner runs it
    args, beam_args = parse_args(argv)  # first: --help and flag errors need no Beam
    import apache_beam as beam

    from pipeline.launch_checks import check_launch
    from pipeline.local_runner import runner_for

    check_launch(args, beam_args)
    if args.corpus_dir:
        from schemas.corpus import check_schema_version

        try:
            check_schema_version(args.corpus_dir)
        except ValueError as error:
            raise SystemExit(f"--corpus_dir={error}") from None
    config = corpus_config(args)
    stages = set(args.stages.split(","))
    pairs = pairs_config(args) if "pairs" in stages else None
    options = pipeline_options(beam_args)
    dry_run = options.get_all_options().get("dry_run")
    pipeline = beam.Pipeline(runner=runner_for(options), options=options)
    build(pipeline, config, pairs, args.corpus_dir)
    if not dry_run:  # once the job is built: a job that cannot be built leaves the old outputs
        clear_earlier_outputs(args.output_dir, corpus="corpus" in stages and not args.corpus_dir,
                              pairs=pairs is not None, inputs=(args.vocab,))
    result = pipeline.run()
    result.wait_until_finish()
    return config, None if dry_run else result.state


def corpus_summary(output_dir: str) -> list[str]:
    from apache_beam.io.filesystems import FileSystems

    from schemas.corpus import LINK_KINDS, STATS_FILE, TABLES

    path = FileSystems.join(output_dir, STATS_FILE)
    if not FileSystems.exists(path):
        return []
    with FileSystems.open(path) as handle:
        stats = json.load(handle)
    lines = [f"corpus written to {output_dir}:"]
    lines += [f"  {FileSystems.join(output_dir, t)}/*.parquet" for t in TABLES]
    lines.append(f"  {path}")
    lines.append(f"pages read: {stats['pages_read']:,} (buckets add up to {stats['buckets_total']:,})")
    lines += [f"  {bucket:<32} {n:>9,}" for bucket, n in stats["buckets"].items()]
    lines.append(f"files with problems: {stats['file_problems']}")
    lines += [f"  note: {note}" for note in stats.get("notes", [])]  # e.g. an index not used
    lines.append("redirects: " + ", ".join(f"{k} {v:,}" for k, v in stats["redirects"].items()))
    links = dict(stats["links"])
    by_kind = links.pop("by_kind", {})
    lines.append("links: " + ", ".join(f"{k} {v:,}" for k, v in links.items()))
    if by_kind:  # corpus schema 3 on
        lines.append("  resolved by kind: " + ", ".join(
            f"{kind} {by_kind[kind]['resolved']:,} of {by_kind[kind]['total']:,}"
            for kind in LINK_KINDS))
    return lines


def pairs_summary(output_dir: str) -> list[str]:
    from apache_beam.io.filesystems import FileSystems

    from schemas.pairs import METADATA_FILE, PAIRS_DIR, SPLITS
    from schemas.pairs import PRETRAINING_TASKS as TASKS

    pairs_dir = FileSystems.join(output_dir, PAIRS_DIR)
    path = FileSystems.join(pairs_dir, METADATA_FILE)
    if not FileSystems.exists(path):
        return []
    with FileSystems.open(path) as handle:
        meta = json.load(handle)
    lines = [f"pairs written to {pairs_dir}/{{{','.join(SPLITS)}}}/{{{','.join(TASKS)}}}-*.tfrecord.gz",
             f"  {path}",
             f"  vocab: {FileSystems.join(pairs_dir, meta['vocab_file'])} "
             f"({meta['vocab_size']:,} tokens, {'learned' if meta['vocab_learned'] else 'given'})",
             f"  {'':<8}" + "".join(f"{t:>10}" for t in TASKS)]
    lines += [f"  {s:<8}" + "".join(f"{meta['counts'][s][t]:>10,}" for t in TASKS) for s in SPLITS]
    for side in ("query", "doc"):
        lines.append(f"  truncated {side}: " + ", ".join(
            f"{t} {meta['truncated'][side][t]:,}" for t in TASKS))
    lines.append("  kept out to keep splits apart: linking articles in another split "
                 + ", ".join(f"{t} {meta['cross_split'][t]:,}" for t in TASKS)
                 + "; training pairs with held-out text "
                 + ", ".join(f"{t} {meta['held_out_text'][t]:,}" for t in TASKS))
    lines.append("  wlp pairs by link kind: " + ", ".join(
        f"{kind} {sum(meta['wlp_link_kinds'][s].get(kind, 0) for s in SPLITS):,}"
        for kind in meta["pair_config"]["wlp_link_kinds"]))
    return lines


def summary(output_dir: str) -> str:
    return "\n".join(corpus_summary(output_dir) + pairs_summary(output_dir))


class PlainWorkerLines(logging.Filter):
    """The local runners' worker processes send their log lines to this process as LogEntry
    protos, which Beam logs in proto text format over several lines (`severity: WARN`,
    `timestamp { seconds: ... }`, `message: "..."`; the portable job service prefixes
    `Worker: `): keep the message alone, so progress lines reach the console as plain lines.
    Two start-up notices every worker logs about Beam's own internal flags are dropped: they are
    not about the user's job (its flags were checked before it started)."""

    INTERNAL_FLAGS = {"--pipeline_type_check", "--direct_runner_use_stacked_bundle"}

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        proto = text.removeprefix("Worker: ")
        if proto.startswith("severity: ") and "message: " in proto:
            from apache_beam.portability.api import beam_fn_api_pb2
            from google.protobuf import text_format

            try:
                entry = text_format.Parse(proto, beam_fn_api_pb2.LogEntry())
            except text_format.ParseError:
                return True
            if self.is_noise(entry.message):
                return False
            record.msg, record.args = entry.message, ()
        return True

    def is_noise(self, message: str) -> bool:
        if message.startswith("No semi_persistent_directory found"):
            return True
        prefix = "Discarding unparseable args: "
        if message.startswith(prefix):
            import ast

            try:
                return set(ast.literal_eval(message[len(prefix):])) <= self.INTERNAL_FLAGS
            except (ValueError, SyntaxError, TypeError):
                return False
        return False


def main():
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.addFilter(PlainWorkerLines())
    config, state = run()
    from apache_beam.runners.runner import PipelineState

    from pipeline.worker_gc import skip_collection_at_exit

    skip_collection_at_exit()  # the job is over: its outputs are written and closed

    if state == PipelineState.DONE:
        print(summary(config.output_dir))
    else:
        print(f"pipeline state: {state}; outputs go to {config.output_dir}")


if __name__ == "__main__":
    main()
