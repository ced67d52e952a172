"""Options checked before launch: a Dataflow run without its Cloud options, a local run that
cannot reach its gs:// paths, a TPU or GPUs that are not there. Each stops at once (through the
real command line) with a message that starts with the option at fault and says what to pass;
the checks' logic is tested directly below."""
from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest

from pipeline import launch_checks as job
from trainer import launch_checks as trainer_checks

pytestmark = pytest.mark.slow  # runs the job, trains or starts subprocesses

REPO = pathlib.Path(__file__).resolve().parent.parent
HANG_GUARD_S = 60  # a check that hangs fails the test; the checks take seconds (see timings)
FAST_S = 30  # generous: a loaded 2-core machine imports Beam twice plus a 10 s probe in ~15 s
TPU_CHOICES = "pass --tpu=local on a Cloud TPU VM"


def _no_credentials_env(tmp_path) -> dict:
    """No Application Default Credentials whatever the machine: no key file, an empty gcloud
    config, no GCE metadata server."""
    env = {k: v for k, v in os.environ.items() if k != "GOOGLE_APPLICATION_CREDENTIALS"}
    (tmp_path / "gcloud").mkdir(exist_ok=True)
    return {**env, "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"), "NO_GCE_CHECK": "true",
            "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "",
            "PYTHONPATH": str(REPO)}


def _cli(module: str, *args: str, env: dict) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env, text=True,
                            capture_output=True, timeout=HANG_GUARD_S)
    return result, time.monotonic() - start


def _assert_stops_at_once(result, seconds: float, *expected: str) -> list[str]:
    """Non-zero exit, every expected text in stderr, no traceback, quickly; returns the lines."""
    assert result.returncode != 0, result.stdout[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    for text in expected:
        assert text in result.stderr, result.stderr[-3000:]
    assert seconds < FAST_S, f"took {seconds:.1f} s"
    return result.stderr.strip().splitlines()


# --- pipeline: through `python -m pipeline.run` ---

def test_dataflow_without_cloud_options_names_each_one(tmp_path):
    result, seconds = _cli("pipeline.run", "--input=gs://bucket/dumps/*.xml.bz2",
                           "--output_dir=gs://bucket/out", "--runner=dataflow",
                           env=_no_credentials_env(tmp_path))
    lines = _assert_stops_at_once(result, seconds, "--temp_location=gs://BUCKET/tmp",
                                  "--project=PROJECT_ID", "--region=REGION")
    assert [line.split(":")[0] for line in lines] == ["--temp_location", "--project", "--region"]


def test_dataflow_with_local_paths_and_a_local_temp_location(sample, tmp_path):
    result, seconds = _cli("pipeline.run", f"--input={sample}", f"--output_dir={tmp_path}",
                           "--runner=DataflowRunner", "--project=my-project",
                           "--region=us-central1", f"--temp_location={tmp_path}/tmp",
                           env=_no_credentials_env(tmp_path))
    lines = _assert_stops_at_once(result, seconds, "Dataflow workers cannot see this machine's",
                                  "pass --temp_location=gs://BUCKET/tmp")
    assert [line.split("=")[0] for line in lines] == ["--input", "--output_dir",
                                                      "--temp_location"]


def test_local_run_without_credentials_stops_before_writing_to_gcs(sample, tmp_path):
    result, seconds = _cli("pipeline.run", f"--input={sample}",
                           "--output_dir=gs://wikipairs-no-such-bucket/out",
                           "--direct_num_workers=1", env=_no_credentials_env(tmp_path))
    _assert_stops_at_once(result, seconds,
                          "--output_dir=gs://wikipairs-no-such-bucket/out: cannot write to it",
                          "Your default credentials were not found",
                          "gcloud auth application-default login", "--runner=DataflowRunner",
                          "or pass a local --output_dir")
    print(f"gs:// output without credentials stopped in {seconds:.1f} s")


def test_local_run_with_credentials_but_no_answer_stops_in_seconds(sample, tmp_path):
    """Credentials that Cloud Storage never gets to check (offline here; refused online): the
    probe gives up after PROBE_TIMEOUT_S instead of the clients' minutes of retries."""
    key = tmp_path / "adc.json"
    key.write_text(json.dumps({"type": "authorized_user", "client_id": "x", "client_secret": "x",
                               "refresh_token": "x"}))
    env = {**_no_credentials_env(tmp_path), "GOOGLE_APPLICATION_CREDENTIALS": str(key)}
    result, seconds = _cli("pipeline.run", f"--input={sample}",
                           "--output_dir=gs://wikipairs-no-such-bucket/out",
                           "--direct_num_workers=1", env=env)
    _assert_stops_at_once(result, seconds,
                          "--output_dir=gs://wikipairs-no-such-bucket/out: cannot write to it",
                          "gcloud auth application-default login")
    print(f"gs:// output with unusable credentials stopped in {seconds:.1f} s")


def test_local_run_without_credentials_stops_before_reading_gcs(tmp_path):
    result, seconds = _cli("pipeline.run", "--input=gs://wikipairs-no-such-bucket/*.xml.bz2",
                           f"--output_dir={tmp_path}/out", env=_no_credentials_env(tmp_path))
    _assert_stops_at_once(result, seconds,
                          "--input=gs://wikipairs-no-such-bucket/*.xml.bz2: cannot read it",
                          "Your default credentials were not found", "gcloud storage cp")
    assert not (tmp_path / "out").exists()


# --- trainer: through `python -m trainer.task` ---

@pytest.mark.parametrize("flags, expected", [
    (["--tpu=local"], "--tpu=local: no TPU on this machine"),
    ([], "--tpu: --strategy=tpu needs to know which TPU"),
    (["--tpu=grpc://127.0.0.1:1"], "--tpu=grpc://127.0.0.1:1: tried 127.0.0.1:1: "),
])
def test_tpu_strategy_without_a_tpu(flags, expected, tmp_path):
    if flags == ["--tpu=local"] and trainer_checks.local_tpu_devices():
        pytest.skip("this machine has TPU devices")
    env = {k: v for k, v in _no_credentials_env(tmp_path).items()
           if k not in (*trainer_checks.TPU_ENV_VARIABLES, "TPU_CONFIG")}
    result, seconds = _cli("trainer.task", "--strategy=tpu", *flags,
                           f"--model_dir={tmp_path}/model", env=env)
    _assert_stops_at_once(result, seconds, expected, TPU_CHOICES, "--strategy=one_device")
    assert not (tmp_path / "model").exists()


def test_mirrored_with_more_gpus_than_visible(tmp_path):
    result, seconds = _cli("trainer.task", "--strategy=mirrored", "--num_gpus=2",
                           f"--model_dir={tmp_path}/model", env=_no_credentials_env(tmp_path))
    _assert_stops_at_once(result, seconds, "--num_gpus=2: TensorFlow sees 0 GPU(s) here",
                          "pass --num_gpus=0 or leave it out")


# --- the pipeline's checks, directly ---

@pytest.mark.parametrize("given, name", [
    (None, "DirectRunner"), ("dataflow", "DataflowRunner"), ("DATAFLOWRUNNER", "DataflowRunner"),
    ("apache_beam.runners.dataflow.dataflow_runner.DataflowRunner", "DataflowRunner"),
    ("direct", "DirectRunner"), ("prism", "PrismRunner"), ("my.own.Runner", "Runner"),
])
def test_runner_name_as_beam_resolves_it(given, name):
    assert job.runner_name(given) == name


def test_which_runners_run_here():
    assert job.runs_on_this_machine("DirectRunner", None)
    assert job.runs_on_this_machine("PrismRunner", None)
    assert job.runs_on_this_machine("PortableRunner", None)
    assert job.runs_on_this_machine("PortableRunner", "localhost:8099")
    assert not job.runs_on_this_machine("PortableRunner", "flink-jobs.example.com:8099")
    assert not job.runs_on_this_machine("FlinkRunner", None)
    assert not job.runs_on_this_machine("DataflowRunner", None)


def _paths(*argv: str) -> list:
    from pipeline.run import parse_args

    return job.path_options(parse_args(list(argv))[0])


def test_path_options_know_what_the_job_reads_and_writes():
    paths = _paths("--input=a.xml", "--input=gs://b/c*.bz2", "--vocab=gs://b/vocab.txt",
                   "--output_dir=gs://b/out")
    assert [(str(p), p.writes) for p in paths] == [
        ("--input=a.xml", False), ("--input=gs://b/c*.bz2", False),
        ("--vocab=gs://b/vocab.txt", False), ("--output_dir=gs://b/out", True)]
    assert [p.flag for p in _paths("--corpus_dir=gs://b/old", "--output_dir=o")] == [
        "--corpus_dir", "--output_dir"]


GS_PATHS = _paths("--input=gs://bucket/d*.bz2", "--output_dir=gs://bucket/out")


def test_a_complete_dataflow_launch_has_no_problems():
    assert job.dataflow_problems(GS_PATHS, "gs://bucket/tmp", None, "my-project",
                                 "us-central1") == []
    # Beam takes the staging location for both
    assert job.dataflow_problems(GS_PATHS, None, "gs://bucket/staging", "my-project",
                                 "us-central1") == []


@pytest.mark.parametrize("temp, staging, project, starts", [
    (None, None, "p-1", "--temp_location: "),
    ("/tmp/x", None, "p-1", "--temp_location=/tmp/x: Invalid GCS path"),
    ("gs://b/tmp", None, "p-1", "--temp_location=gs://b/tmp: Invalid GCS bucket"),
    ("gs://bucket", None, "p-1", "--temp_location=gs://bucket: Invalid GCS path"),
    ("gs://bucket/tmp", "staging", "p-1", "--staging_location=staging: Invalid GCS path"),
    ("gs://bucket/tmp", None, None, "--project: "),
    ("gs://bucket/tmp", None, "123456", "--project=123456: Invalid Project ID"),
    ("gs://bucket/tmp", None, "My Project", "--project=My Project: Invalid Project ID"),
])
def test_dataflow_problems_start_with_the_option(temp, staging, project, starts):
    problems = job.dataflow_problems(GS_PATHS, temp, staging, project, "us-central1")
    assert len(problems) == 1 and problems[0].startswith(starts), problems


def test_dataflow_needs_a_region_and_gs_paths():
    problems = job.dataflow_problems(_paths("--input=d.xml", "--output_dir=out"),
                                     "gs://bucket/tmp", None, "p-1", None)
    assert [p.split(":")[0] for p in problems] == ["--input=d.xml", "--output_dir=out",
                                                   "--region"]
    assert "gcloud storage cp" in problems[0] and "gcloud storage cp" not in problems[1]


def test_launch_problems_read_beam_options_and_the_region_variable():
    from pipeline.run import parse_args

    args, beam_args = parse_args(["--input=gs://b/d*.bz2", "--output_dir=gs://bucket/out",
                                  "--runner=DataflowRunner", "--project=p-1",
                                  "--temp_location=gs://bucket/tmp"])
    assert job.launch_problems(args, beam_args, environ={})[0].startswith("--region")
    assert job.launch_problems(args, beam_args,
                               environ={"CLOUDSDK_COMPUTE_REGION": "europe-west4"}) == []


@pytest.mark.parametrize("argv", [
    ["--input=d.xml", "--output_dir=out"],  # nothing remote
    ["--input=d.xml", "--output_dir=gs://b/out", "--dry_run=True"],  # nothing written
    ["--input=d.xml", "--output_dir=gs://b/out", "--runner=FlinkRunner"],  # workers elsewhere
])
def test_launches_that_are_not_probed(argv, monkeypatch, tmp_path):
    from pipeline.run import parse_args

    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.xml").write_text("<mediawiki/>")
    monkeypatch.setattr(job, "run_probe", lambda *a, **k: pytest.fail("probed"))
    assert job.launch_problems(*parse_args(argv)) == []


def test_probe_writes_and_deletes_a_marker_and_lists_inputs(tmp_path):
    (tmp_path / "corpus").mkdir()
    options = [job.PathOption("--input", str(tmp_path / "none-*.bz2")),
               job.PathOption("--corpus_dir", str(tmp_path / "corpus")),
               job.PathOption("--output_dir", str(tmp_path / "out"), writes=True),
               job.PathOption("--output_dir", "/proc/no-write-here", writes=True)]
    events = list(job.probe(options, []))
    assert [value for kind, value in events if kind == "probing"] == [0, 1, 2, 3]
    problems = [value for kind, value in events if kind == "problem"]
    assert problems[:2] == [f"--input={tmp_path}/none-*.bz2: no files match",
                            f"--corpus_dir={tmp_path}/corpus: no files match under it"]
    assert problems[2].startswith("--output_dir=/proc/no-write-here: cannot write to it from "
                                  "this machine: ") and len(problems) == 3
    assert list((tmp_path / "out").iterdir()) == []  # the marker is gone


def _child(script: str) -> list[str]:
    return [sys.executable, "-c", script]


def test_a_probe_that_hangs_blames_its_path_with_the_last_log_line():
    options = [job.PathOption("--input", "gs://b/d.bz2"),
               job.PathOption("--output_dir", "gs://b/out", writes=True)]
    hang = _child("import json, sys, time\n"
                  "print(json.dumps(['probing', 1]), flush=True)\n"
                  "print('WARNING:urllib3.connectionpool:Retrying (Retry(total=0)) after "
                  "connection broken by NameResolutionError', file=sys.stderr, flush=True)\n"
                  "time.sleep(60)")
    start = time.monotonic()
    problems = job.run_probe(hang, options, guard_s=2)
    assert time.monotonic() - start < 10
    assert problems == [job.access_problem(
        options[1], "no answer within 2 s (last message: NameResolutionError)")]


def test_the_child_gives_up_on_a_stuck_probe(monkeypatch):
    def stuck_probe(options, beam_args):
        yield "probing", 0
        time.sleep(60)

    monkeypatch.setattr(job, "probe", stuck_probe)
    events = []
    start = time.monotonic()
    assert not job.emit_probe_events([], [], 0.5, events.append)
    assert time.monotonic() - start < 5
    assert events == [("probing", 0), ("timeout", 0.5)]


def test_a_probe_that_breaks_reports_its_last_line():
    options = [job.PathOption("--output_dir", "gs://b/out", writes=True)]
    problems = job.run_probe(_child("import sys; sys.exit('ImportError: no gcsio')"), options)
    assert problems == [job.access_problem(options[0], "ImportError: no gcsio")]


def test_access_problem_says_what_to_do():
    write = job.access_problem(job.PathOption("--output_dir", "gs://b/o", True), "Forbidden.")
    assert write == ("--output_dir=gs://b/o: cannot write to it from this machine: Forbidden. "
                     f"Log in with {job.LOGIN}, {job.ON_DATAFLOW}, or pass a local --output_dir.")
    read = job.access_problem(job.PathOption("--vocab", "gs://b/v.txt"), "403")
    assert read.startswith("--vocab=gs://b/v.txt: cannot read it") and "gcloud storage cp" in read


def test_one_line():
    assert job.one_line("\n  first\nsecond") == "first"
    assert job.one_line("x" * 400, limit=10) == "x" * 9 + "…"


# --- the trainer's checks, directly ---

@pytest.mark.parametrize("tpu, environ, target", [
    ("local", {}, ("local", "local")),
    ("", {}, ("missing", "")),
    ("", {"TPU_NAME": "my-tpu"}, ("name", "my-tpu")),
    ("", {"KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS": "grpc://10.0.0.2:8470,grpc://10.0.0.3:8470"},
     ("grpc", "grpc://10.0.0.2:8470,grpc://10.0.0.3:8470")),
    ("", {"TPU_CONFIG": '{"tpu_node_name": "node-1", "zone": "us-central1-b"}'},
     ("name", "node-1")),
    ("grpc://10.0.0.2:8470", {"TPU_NAME": "ignored"}, ("grpc", "grpc://10.0.0.2:8470")),
    ("my-tpu", {}, ("name", "my-tpu")),
])
def test_tpu_target(tpu, environ, target):
    assert trainer_checks.tpu_target(tpu, environ) == target


def test_grpc_endpoints_default_to_the_tpu_port():
    assert trainer_checks.grpc_endpoints("grpc://10.0.0.2:8471, 10.0.0.3") == [
        ("10.0.0.2", 8471), ("10.0.0.3", 8470)]


def test_local_tpu_needs_devices_and_libtpu():
    assert trainer_checks.local_tpu_problem([], True).startswith("--tpu=local: no TPU")
    no_lib = trainer_checks.local_tpu_problem(["/dev/accel0"], False)
    assert no_lib.startswith("--tpu=local: TPU devices found (/dev/accel0) but no libtpu")
    assert trainer_checks.local_tpu_problem(["/dev/vfio/0"], True) is None
    assert trainer_checks.libtpu_found({"TPU_LIBRARY_PATH": "/lib/libtpu.so"})


def test_grpc_tpu_reachability():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert trainer_checks.tpu_problem(f"grpc://127.0.0.1:{port}", {}) is None
    problem = trainer_checks.tpu_problem(f"grpc://127.0.0.1:{port}", {})
    assert problem.startswith(f"--tpu=grpc://127.0.0.1:{port}: tried 127.0.0.1:{port}: ")
    from_env = trainer_checks.tpu_problem("", {"TPU_NAME": f"grpc://127.0.0.1:{port}"})
    assert from_env.startswith("--tpu (empty: TensorFlow's environment gave grpc://")


@pytest.mark.parametrize("strategy, requested, visible, starts", [
    ("mirrored", None, 0, None), ("mirrored", 2, 2, None), ("mirrored", 0, 0, None),
    ("multi_worker_mirrored", 8, 0, None), ("tpu", 8, 0, None),
    ("mirrored", 4, 2, "--num_gpus=4: TensorFlow sees 2 GPU(s)"),
    ("one_device", 1, 0, "--num_gpus=1: TensorFlow sees 0 GPU(s)"),
    ("one_device", -1, 0, "--num_gpus=-1: must be 0 or more"),
])
def test_gpu_count_problem(strategy, requested, visible, starts):
    problem = trainer_checks.gpu_count_problem(strategy, requested, visible)
    assert problem == starts if starts is None else problem.startswith(starts)


def test_too_few_inbound_links_for_wlp_is_refused_at_once(tmp_path):
    """--max_inbound_links below --wlp_max_per_target would starve WLP of linking articles."""
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.run", f"--input={tmp_path}/none.xml",
         f"--output_dir={tmp_path}/out", "--max_inbound_links=2", "--wlp_max_per_target=4"],
        capture_output=True, text=True, timeout=120, cwd=str(pathlib.Path(__file__).parent.parent))
    assert result.returncode != 0
    assert "--max_inbound_links=2: WLP draws up to --wlp_max_per_target=4" in result.stderr
    assert "Traceback" not in result.stderr
