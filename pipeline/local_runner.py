"""The runner a job that asks for the DirectRunner (or for no runner) runs on, here and anywhere.

Beam 2.77's DirectRunner first converts the graph and tries to start Prism, which it downloads
from GitHub on first use; only when that fails does it fall back to the FnApiRunner. So the same
command ran on two engines: Prism wherever the download succeeds, where `--direct_running_mode`
and `--direct_num_workers` mean nothing (other processes, other memory than docs/pipeline.md
gives), and the FnApiRunner offline, after a failed attempt that costs a graph conversion. This
builds the FnApiRunner the way the DirectRunner does when it falls back (its workers get the
job's options), and nothing else: `--runner=PrismRunner` still runs on Prism.
"""
from __future__ import annotations


def is_direct(runner: str | None) -> bool:
    """Whether --runner (None: not given) names Beam's DirectRunner, in any spelling Beam takes."""
    from pipeline.launch_checks import runner_name

    return runner_name(runner) in ("DirectRunner", "SwitchingDirectRunner")


def fn_api_runner(options):
    """Beam's FnApiRunner with `options` for its workers, as the DirectRunner builds it."""
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.portability.portable_runner import JobServiceHandle

    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    return fn_runner.FnApiRunner(provision_info=fn_runner.ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)))


def runner_for(options):
    """The runner object to build a pipeline with: the FnApiRunner for the DirectRunner, else
    None (Beam makes the runner --runner names)."""
    from apache_beam.options.pipeline_options import StandardOptions

    return fn_api_runner(options) if is_direct(options.view_as(StandardOptions).runner) else None
