"""Checks of `python -m pipeline.run`'s options before the pipeline is built.

Without them, a Dataflow run with no --temp_location spends two minutes trying to create a default
bucket, and a local run writing to gs:// without credentials retries for minutes before a stack
trace. Each check instead stops the job at once with messages that start with the option at fault
and say what to pass.

Local runs first look for Application Default Credentials when they use gs:// paths, then probe
their remote paths by really writing and deleting a marker in --output_dir and listing the
inputs, through Beam's FileSystems, in a child process (`python -m pipeline.launch_checks`) that
gives up after PROBE_TIMEOUT_S (not counting its imports): Cloud Storage clients retry for
minutes and log every retry, and a child process can be abandoned cleanly, its log kept apart.
Dataflow runs are not probed: the workers have credentials this machine may lack.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import threading
import types
import uuid

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (GoogleCloudOptions, PipelineOptions,
                                                  PortableOptions, StandardOptions, TestOptions)
from apache_beam.options.pipeline_options_validator import PipelineOptionsValidator

PROBE_TIMEOUT_S = 10.0
STARTUP_GUARD_S = 60.0  # the child's imports, on a busy machine; a hang beyond is a failure too
DATAFLOW_RUNNERS = ("DataflowRunner", "TestDataflowRunner")
# Runners whose workers run on this machine, with its credentials.
THIS_MACHINE_RUNNERS = (*StandardOptions.LOCAL_RUNNERS, "InteractiveRunner")
LOGIN = "`gcloud auth application-default login`"
ON_DATAFLOW = ("run on Dataflow (--runner=DataflowRunner --project=PROJECT --region=REGION "
               "--temp_location=gs://BUCKET/tmp)")


@dataclasses.dataclass(frozen=True)
class PathOption:
    """A path the job reads (a dump glob, the corpus dir, the vocab) or writes (the output dir)."""

    flag: str
    path: str
    writes: bool = False

    def __str__(self) -> str:
        return f"{self.flag}={self.path}"


def path_options(args) -> list[PathOption]:
    """The job's paths, from `pipeline.run.parse_args`'s namespace."""
    reads = [("--input", p) for p in args.input or ()]
    reads += [(flag, path) for flag, path in (("--corpus_dir", args.corpus_dir),
                                              ("--vocab", args.vocab)) if path]
    return [PathOption(flag, path) for flag, path in reads] + [
        PathOption("--output_dir", args.output_dir, writes=True)]


def is_remote(path: str) -> bool:
    return FileSystems.get_scheme(path) not in (None, "file")


def runner_name(runner: str | None) -> str:
    """The runner class Beam picks for --runner: any case, with or without 'Runner', or a dotted
    path; the DirectRunner when none is given."""
    if not runner:
        return "DirectRunner"
    known = {name.lower(): name for name in StandardOptions.KNOWN_RUNNER_NAMES}
    short = runner.rsplit(".", 1)[-1]
    return known.get(short.lower()) or known.get(short.lower() + "runner") or short


def runs_on_this_machine(runner: str, job_endpoint: str | None) -> bool:
    """Whether the workers run here: the direct runners, Prism, or a portable job server started
    here (no --job_endpoint, 'embed' or localhost)."""
    if runner == "PortableRunner":
        host = (job_endpoint or "").rsplit(":", 1)[0]
        return host in ("", "embed", "localhost", "127.0.0.1", "[::1]")
    return runner in THIS_MACHINE_RUNNERS


_BEAM_VALIDATOR = PipelineOptionsValidator(PipelineOptions([]), runner=None)


def gcs_location_problem(option: str, value: str) -> str | None:
    """Beam's own verdict on a gs:// location option (bucket naming rules included)."""
    errors = _BEAM_VALIDATOR.validate_gcs_path(types.SimpleNamespace(**{option: value}), option)
    return errors[0] if errors else None


def project_problem(project: str) -> str | None:
    """Beam's verdict on a project id (a number or a description is refused)."""
    beam = PipelineOptionsValidator
    if re.fullmatch(beam.PROJECT_NUMBER_PATTERN, project):
        return beam.ERR_INVALID_PROJECT_NUMBER % project
    if not re.fullmatch(beam.PROJECT_ID_PATTERN, project):
        return beam.ERR_INVALID_PROJECT_ID % project
    return None


def dataflow_problems(paths: list[PathOption], temp_location: str | None,
                      staging_location: str | None, project: str | None,
                      region: str | None) -> list[str]:
    """What a Dataflow launch lacks. Beam takes --staging_location for a missing --temp_location
    (and the reverse); with neither it tries to create a default bucket, which we refuse. The
    region must be given (--region or $CLOUDSDK_COMPUTE_REGION, as Beam reads it) rather than
    taken from whatever `gcloud config` this machine has."""
    problems = [f"{p}: Dataflow workers cannot see this machine's files: pass a gs:// path"
                + ("" if p.writes else " (upload with `gcloud storage cp`)")
                for p in paths if not is_remote(p.path)]
    for option, value, example in (("temp_location", temp_location, "gs://BUCKET/tmp"),
                                   ("staging_location", staging_location, "gs://BUCKET/staging")):
        if value is not None and (error := gcs_location_problem(option, value)):
            problems.append(f"--{option}={value}: {error} Dataflow keeps its temporary and "
                            f"staged files in Cloud Storage: pass --{option}={example}")
    if temp_location is None and staging_location is None:
        problems.append("--temp_location: a Dataflow run needs a Cloud Storage folder for its "
                        "temporary and staged files: pass --temp_location=gs://BUCKET/tmp")
    if not project:
        problems.append("--project: a Dataflow run needs the Google Cloud project to run in: "
                        "pass --project=PROJECT_ID")
    elif error := project_problem(project):
        problems.append(f"--project={project}: {error}")
    if not region:
        problems.append("--region: a Dataflow run needs the region to run in: pass "
                        "--region=REGION (e.g. us-central1, where your bucket is)")
    return problems


def one_line(text: str, limit: int = 300) -> str:
    """The first line of an error or log message, cut to `limit` characters."""
    line = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[:limit - 1] + "…"


def access_problem(option: PathOption, reason: str) -> str:
    """Why this machine cannot use a remote path, and the three ways out."""
    if option.writes:
        action, local = "write to it", "pass a local --output_dir"
    else:
        action, local = "read it", "copy the files here (`gcloud storage cp`) and pass local paths"
    return (f"{option}: cannot {action} from this machine: {reason.rstrip('.')}. "
            f"Log in with {LOGIN}, {ON_DATAFLOW}, or {local}.")


def nothing_there_problem(option: PathOption) -> str:
    return f"{option}: no files match" + (" under it" if option.flag == "--corpus_dir" else "")


def probe_pattern(option: PathOption) -> str:
    """What listing an input means: its glob, or anything under the corpus dir."""
    return f"{option.path.rstrip('/')}/**" if option.flag == "--corpus_dir" else option.path


def probe(options: list[PathOption], beam_args: list[str]):
    """Try each remote path as the job will (runs in the child): yields ('probing', index) before
    each path and ('problem', message) for each path that fails."""
    FileSystems.set_options(PipelineOptions(beam_args))
    for index, option in enumerate(options):
        yield "probing", index
        try:
            if option.writes:
                write_and_delete_marker(option.path)
            elif not FileSystems.match([probe_pattern(option)], limits=[1])[0].metadata_list:
                yield "problem", nothing_there_problem(option)
        except Exception as error:  # noqa: BLE001 — every failure is the answer we report
            yield "problem", access_problem(option, one_line(error) or type(error).__name__)


def is_gcs(option: PathOption) -> bool:
    return FileSystems.get_scheme(option.path) == "gs"


def gcs_credentials_problem() -> str | None:
    """Without Application Default Credentials, Beam retries for 30 s, then connects anonymously
    and retries for minutes more: say so at once (this takes well under a second off GCE, and
    google-auth bounds its metadata-server lookup on GCE)."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        google.auth.default()
    except DefaultCredentialsError as error:
        return one_line(error).split(". ")[0]  # the rest points to a page on what LOGIN does
    return None


def write_and_delete_marker(directory: str) -> None:
    marker = FileSystems.join(directory, f".wikipairs-write-check-{uuid.uuid4().hex}")
    with FileSystems.create(marker) as handle:
        handle.write(b"a launch check of pipeline.run; deleted at once\n")
    FileSystems.delete([marker])


def emit_probe_events(options: list[PathOption], beam_args: list[str], timeout_s: float,
                      emit) -> bool:
    """`emit` each event of `probe` as it comes, then ('timeout', timeout_s) if the probe has not
    finished in time (it goes on in a daemon thread). Returns whether it finished."""
    def report():
        for event in probe(options, beam_args):
            emit(event)

    thread = threading.Thread(target=report, daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        emit(("timeout", timeout_s))
    return not thread.is_alive()


def probe_command(options: list[PathOption], beam_args: list[str],
                  timeout_s: float = PROBE_TIMEOUT_S) -> list[str]:
    spec = json.dumps([dataclasses.asdict(o) for o in options])
    return [sys.executable, "-m", "pipeline.launch_checks", str(timeout_s), spec, *beam_args]


def run_probe(command: list[str], options: list[PathOption],
              guard_s: float = STARTUP_GUARD_S + PROBE_TIMEOUT_S) -> list[str]:
    """Run the child probe and collect its problems. If it timed out (or hung past `guard_s`),
    blame the path it was probing, with the last line it logged (e.g. a name resolution error)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=guard_s)
        events, stderr = _events(done.stdout), done.stderr
    except subprocess.TimeoutExpired as expired:
        events = _events(_text(expired.stdout)) + [["timeout", guard_s]]
        stderr, done = _text(expired.stderr), None
    problems = [value for kind, value in events if kind == "problem"]
    if timeout_s := next((value for kind, value in events if kind == "timeout"), None):
        probing = next((value for kind, value in reversed(events) if kind == "probing"), 0)
        last = _last_line(stderr)
        reason = f"no answer within {timeout_s:g} s" + (f" (last message: {last})" if last else "")
        problems.append(access_problem(options[probing], reason))
    elif done.returncode and not problems:  # the probe itself broke
        problems.append(access_problem(
            options[0], _last_line(stderr) or f"exit status {done.returncode}"))
    return problems


def _events(stdout: str) -> list:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("[")]


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return log_reason(lines[-1]) if lines else ""


def log_reason(line: str) -> str:
    """The cause in a log line: without the 'WARNING:logger:' prefix and urllib3's 'Retrying
    (Retry(...)) after connection broken by' preamble."""
    line = re.sub(r"^[A-Z]+:[\w.]+:", "", line.strip())
    return one_line(re.sub(r"^Retrying \(.*?\) after connection broken by ", "", line))


def _text(output) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def option_problems(args) -> list[str]:
    """Flags that contradict each other, whatever the runner."""
    inbound, wlp = getattr(args, "max_inbound_links", None), getattr(args, "wlp_max_per_target", 0)
    if inbound is not None and inbound < max(1, wlp):
        return [f"--max_inbound_links={inbound}: WLP draws up to --wlp_max_per_target={wlp} "
                f"linking articles from the kept inbound links: pass at least {max(1, wlp)}"]
    return []


def input_problems(args) -> list[str]:
    """A local --input that matches no file, for a job whose workers run here: Beam would build
    the whole pipeline, fail deep in a chain of tracebacks and leave empty output directories
    behind. (On a cluster a local path is the workers' to resolve.)"""
    import glob

    return [f"--input={pattern}: matches no file (give a dump file or a glob of dumps, e.g. "
            "--input='data/*.xml*.bz2')"
            for pattern in getattr(args, "input", None) or ()
            if not is_remote(pattern) and not glob.glob(os.path.expanduser(pattern))]


def launch_problems(args, beam_args: list[str], environ=os.environ) -> list[str]:
    """Every problem with the job's options that can be known before building the pipeline."""
    if problems := option_problems(args):
        return problems
    options = PipelineOptions(beam_args)
    runner = runner_name(options.view_as(StandardOptions).runner)
    paths = path_options(args)
    local = (runner not in DATAFLOW_RUNNERS
             and runs_on_this_machine(runner, options.view_as(PortableOptions).job_endpoint))
    if local and (missing := input_problems(args)):
        return missing
    if runner in DATAFLOW_RUNNERS:
        cloud = options.view_as(GoogleCloudOptions)
        return dataflow_problems(paths, cloud.temp_location, cloud.staging_location,
                                 cloud.project,
                                 cloud.region or environ.get("CLOUDSDK_COMPUTE_REGION"))
    remote = [p for p in paths if is_remote(p.path)]
    if (not remote or options.view_as(TestOptions).dry_run
            or not runs_on_this_machine(runner, options.view_as(PortableOptions).job_endpoint)):
        return []
    if any(map(is_gcs, remote)) and (reason := gcs_credentials_problem()):
        return [access_problem(p, reason) for p in remote if is_gcs(p)]
    return run_probe(probe_command(remote, beam_args), remote)


def check_launch(args, beam_args: list[str]) -> None:
    """Stop the job with every problem found, one per line, before anything heavy starts."""
    if problems := launch_problems(args, beam_args):
        print("\n".join(problems), file=sys.stderr, flush=True)  # each names its flag
        raise SystemExit(2)


def _probe_main(argv: list[str]) -> None:
    """The child: TIMEOUT_S OPTIONS_JSON [BEAM_ARGS...] -> one JSON event per stdout line."""
    options = [PathOption(**o) for o in json.loads(argv[1])]
    finished = emit_probe_events(options, argv[2:], float(argv[0]),
                                 lambda event: print(json.dumps(event), flush=True))
    if not finished:
        os._exit(0)  # leave the stuck client behind without waiting for its threads


if __name__ == "__main__":
    _probe_main(sys.argv[1:])
