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
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.run", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", action="append", required=True,
                        help="dump file or glob (.xml, .xml.bz2 incl. multistream, .xml.gz; local or "
                             "gs://); repeat for several")
    parser.add_argument("--output_dir", required=True, help="where the corpus tables go")
    parser.add_argument("--namespaces", default="0", help="comma-separated namespace keys to keep")
    parser.add_argument("--max_redirect_hops", type=int, default=5)
    parser.add_argument("--parse_timeout_s", type=float, default=20.0,
                        help="a page that takes longer goes to dead_letter")
    parser.add_argument("--max_page_bytes", type=int, default=4 << 20)
    parser.add_argument("--min_passage_chars", type=int, default=20)
    parser.add_argument("--read_range_mb", type=int, default=64,
                        help="a multistream dump with its index is read in ranges of about this size")
    return parser.parse_known_args(argv)


def corpus_config(args):
    from pipeline.corpus import CorpusConfig
    from pipeline.page_filters import FilterConfig
    from pipeline.parse_page import ParseConfig
    from pipeline.wikitext import TextConfig

    filters = FilterConfig(namespaces=tuple(int(n) for n in args.namespaces.split(",")),
                           max_page_bytes=args.max_page_bytes,
                           parse_timeout_s=args.parse_timeout_s)
    parse = ParseConfig(filters=filters, text=TextConfig(min_passage_chars=args.min_passage_chars))
    return CorpusConfig(inputs=tuple(args.input), output_dir=args.output_dir, parse=parse,
                        max_redirect_hops=args.max_redirect_hops,
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


def build(pipeline, config):
    from pipeline.corpus import BuildCorpus, WriteCorpus

    tables = pipeline | "Corpus" >> BuildCorpus(config)
    return tables | "WriteCorpus" >> WriteCorpus(config)


def run(argv: list[str] | None = None):
    """Run the job to completion; returns its config and the final state of the pipeline."""
    import apache_beam as beam

    args, beam_args = parse_args(argv)
    config = corpus_config(args)
    options = pipeline_options(beam_args)
    pipeline = beam.Pipeline(options=options)
    build(pipeline, config)
    result = pipeline.run()
    result.wait_until_finish()
    dry_run = options.get_all_options().get("dry_run")
    return config, None if dry_run else result.state


def summary(output_dir: str) -> str:
    from apache_beam.io.filesystems import FileSystems

    from schemas.corpus import STATS_FILE, TABLES

    path = FileSystems.join(output_dir, STATS_FILE)
    with FileSystems.open(path) as handle:
        stats = json.load(handle)
    lines = [f"corpus written to {output_dir}:"]
    lines += [f"  {FileSystems.join(output_dir, t)}/*.parquet" for t in TABLES]
    lines.append(f"  {path}")
    lines.append(f"pages read: {stats['pages_read']:,} (buckets add up to {stats['buckets_total']:,})")
    lines += [f"  {bucket:<32} {n:>9,}" for bucket, n in stats["buckets"].items()]
    lines.append(f"files with problems: {stats['file_problems']}")
    lines.append("redirects: " + ", ".join(f"{k} {v:,}" for k, v in stats["redirects"].items()))
    lines.append("links: " + ", ".join(f"{k} {v:,}" for k, v in stats["links"].items()))
    return "\n".join(lines)


def main():
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    from apache_beam.runners.runner import PipelineState

    config, state = run()
    if state == PipelineState.DONE:
        print(summary(config.output_dir))
    else:
        print(f"pipeline state: {state}; outputs go to {config.output_dir}")


if __name__ == "__main__":
    main()
