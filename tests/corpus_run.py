"""Run the corpus stage in a Beam TestPipeline and read its outputs back, for the tests."""
from __future__ import annotations

import json
import pathlib

from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline

from pipeline.corpus_stage import CorpusConfig
from pipeline.local_runner import runner_for
from pipeline.run import build
from schemas.corpus import STATS_FILE, TABLES, read_table


def local_test_pipeline(*beam_args: str) -> TestPipeline:
    """A TestPipeline on the runner `pipeline.run` gives the DirectRunner (`pipeline.local_runner`)."""
    options = PipelineOptions(["--runner=DirectRunner", *beam_args])
    return TestPipeline(runner=runner_for(options), options=options)


def run_corpus(inputs: list[str], output_dir: pathlib.Path, *beam_args: str, **config) -> dict:
    """Run the job and return {'articles': [rows], ..., 'stats': {...}}."""
    options = list(beam_args) or ["--direct_running_mode=in_memory"]
    corpus = CorpusConfig(inputs=tuple(inputs), output_dir=str(output_dir), **config)
    with local_test_pipeline(*options) as pipeline:
        build(pipeline, corpus)
    out = {name: read_table(str(output_dir), name).to_pylist() for name in TABLES}
    out["stats"] = json.loads((output_dir / STATS_FILE).read_text())
    return out
