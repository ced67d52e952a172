"""The job on Beam's portable runner, the Fn API path that Flink, Spark and Dataflow v2 run it
through: `python -m pipeline.run` under `--runner=PortableRunner` writes byte-identical outputs to
the DirectRunner's (the sha256 of every file), both with an embedded job service and LOOPBACK workers, and with a separately
started job service (`local_job_service_main`) whose EXTERNAL worker pool (`worker_pool_main`)
starts the SDK workers as separate processes, as a cluster's pool does."""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.job_outputs import file_digests
from tests.local_ports import free_port

pytestmark = pytest.mark.slow

REPO = pathlib.Path(__file__).resolve().parent.parent
# The worker pool starts each SDK worker with the first `python` on PATH: this interpreter's.
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "",
       "PYTHONPATH": str(REPO),
       "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
# Small and quick, yet every stage runs: corpus tables, a learned vocab, all three tasks, splits.
JOB_FLAGS = ("--vocab_size=2000", "--split_fractions=0.6,0.2,0.2", "--keep_text")


def run_job(sample: str, output_dir: pathlib.Path, *runner_flags: str) -> pathlib.Path:
    done = subprocess.run([sys.executable, "-m", "pipeline.run", f"--input={sample}",
                           f"--output_dir={output_dir}", *JOB_FLAGS, *runner_flags],
                          cwd=REPO, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "pairs written to" in done.stdout, done.stdout
    return output_dir


@pytest.fixture(scope="module")
def direct_outputs(sample, tmp_path_factory):
    output_dir = run_job(sample, tmp_path_factory.mktemp("direct"), "--runner=DirectRunner",
                         "--direct_running_mode=in_memory")
    outputs = file_digests(output_dir)
    metadata = json.loads((output_dir / "pairs" / "metadata.json").read_text())
    records = sum(n for split in metadata["counts"].values() for n in split.values())
    assert records > 500 and {name.split("/")[0] for name in outputs} >= {
        "articles", "links", "redirects", "dead_letter", "pairs", "corpus_stats.json"}
    return outputs


def test_embedded_job_service_with_loopback_workers(sample, tmp_path, direct_outputs):
    output_dir = run_job(sample, tmp_path / "portable", "--runner=PortableRunner",
                         "--job_endpoint=embed", "--environment_type=LOOPBACK")
    assert file_digests(output_dir) == direct_outputs


def wait_for_port(port: int, process: subprocess.Popen, log: pathlib.Path,
                  timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        with contextlib.suppress(OSError), socket.create_connection(("localhost", port), 1):
            return
        time.sleep(0.5)
    raise AssertionError(f"nothing listens on port {port}:\n{log.read_text()}")


@contextlib.contextmanager
def service(module: str, port_flag: str, log: pathlib.Path):
    """`python -m module port_flag=PORT` on a free port, in a session of its own so that the SDK
    workers a pool starts go down with it; yields the port."""
    port = free_port()
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", module, f"{port_flag}={port}"],
                                   cwd=REPO, env=ENV, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for_port(port, process, log)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_separate_job_service_with_an_external_worker_pool(sample, tmp_path, direct_outputs):
    with service("apache_beam.runners.portability.local_job_service_main", "--port",
                 tmp_path / "job_service.log") as job_port, \
            service("apache_beam.runners.worker.worker_pool_main", "--service_port",
                    tmp_path / "worker_pool.log") as pool_port:
        output_dir = run_job(sample, tmp_path / "external", "--runner=PortableRunner",
                             f"--job_endpoint=localhost:{job_port}",
                             "--environment_type=EXTERNAL",
                             f"--environment_config=localhost:{pool_port}")
        started = (tmp_path / "worker_pool.log").read_text()
    assert "Starting worker with command ['python'" in started  # the pool's own workers ran it
    assert file_digests(output_dir) == direct_outputs
