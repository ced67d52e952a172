"""Checks of `python -m trainer.task`'s strategy options before TensorFlow builds the strategy.

Without them, `--strategy=tpu` on a machine with no TPU dies in TPU initialization with a long
stack trace, or waits on an address that never answers; `--num_gpus` above what is visible is
only found out later. Each check stops at once with a message that starts with the option at
fault, says what was tried and what to pass instead. Network waits are bounded to seconds.
"""
from __future__ import annotations

import glob
import importlib.util
import json
import os
import socket
import threading

CONNECT_TIMEOUT_S = 3.0
RESOLVE_TIMEOUT_S = 10.0
DEFAULT_TPU_PORT = 8470
# Where TensorFlow's TPU client looks for a TPU when --tpu is empty (then in $TPU_CONFIG's JSON).
TPU_ENV_VARIABLES = ("KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS", "TPU_NAME")
GPU_STRATEGIES = ("one_device", "mirrored")  # the strategies that take --num_gpus
TPU_CHOICES = ("pass --tpu=local on a Cloud TPU VM, --tpu=NAME for a TPU node (resolved in this "
               "VM's project and zone) or --tpu=grpc://HOST:8470; with no TPU, pass "
               "--strategy=one_device or --strategy=mirrored")


def tpu_target(tpu: str, environ) -> tuple[str, str]:
    """(kind, value) of what --tpu points at: 'local', 'grpc' (host:port list), 'name', or
    'missing' when neither --tpu nor TensorFlow's environment variables name a TPU."""
    if tpu == "local":
        return "local", tpu
    if not tpu:
        tpu = next((environ[v] for v in TPU_ENV_VARIABLES if environ.get(v)), None) or (
            json.loads(environ.get("TPU_CONFIG") or "{}").get("tpu_node_name"))
        if not tpu:
            return "missing", ""
    if tpu.startswith("grpc://") or "," in tpu:
        return "grpc", tpu
    return "name", tpu


def grpc_endpoints(tpu: str) -> list[tuple[str, int]]:
    """'grpc://10.0.0.2:8470,grpc://10.0.0.3' -> [('10.0.0.2', 8470), ('10.0.0.3', 8470)]."""
    endpoints = []
    for endpoint in tpu.split(","):
        host, _, port = endpoint.strip().removeprefix("grpc://").partition(":")
        endpoints.append((host, int(port) if port else DEFAULT_TPU_PORT))
    return endpoints


def local_tpu_devices() -> list[str]:
    """TPU chips as a TPU VM shows them: /dev/accel* (v2-v4), /dev/vfio/N (v5e and later)."""
    return sorted(glob.glob("/dev/accel*") + [p for p in glob.glob("/dev/vfio/*")
                                              if os.path.basename(p).isdigit()])


def libtpu_found(environ) -> bool:
    return bool(environ.get("TPU_LIBRARY_PATH")) or importlib.util.find_spec("libtpu") is not None


def local_tpu_problem(devices: list[str], has_libtpu: bool) -> str | None:
    if not devices:
        return ("--tpu=local: no TPU on this machine (looked for /dev/accel* and /dev/vfio/N): "
                + TPU_CHOICES)
    if not has_libtpu:
        return (f"--tpu=local: TPU devices found ({', '.join(devices)}) but no libtpu to drive "
                "them (no libtpu package, no $TPU_LIBRARY_PATH): install tensorflow-tpu, which "
                "brings libtpu, or pass --strategy=one_device")
    return None


def unreachable(endpoints: list[tuple[str, int]], timeout_s: float = CONNECT_TIMEOUT_S
                ) -> list[str]:
    """'host:port: reason' for each endpoint that does not accept a TCP connection in time."""
    failures = []
    for host, port in endpoints:
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
        except TimeoutError:
            failures.append(f"{host}:{port}: no answer in {timeout_s:g} s")
        except OSError as error:
            failures.append(f"{host}:{port}: {error.strerror or error}")
    return failures


def resolve_tpu_name(name: str, timeout_s: float = RESOLVE_TIMEOUT_S) -> str:
    """The grpc:// address of a TPU node, as TensorFlow resolves it (GCE metadata for the project
    and zone, then the Cloud TPU API), in a thread given `timeout_s` (importing TensorFlow
    aside): those calls have no timeout of their own. Raises RuntimeError with a one-line
    reason."""
    import tensorflow as tf

    result: dict = {}

    def resolve():
        try:
            result["master"] = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=name).master()
        except Exception as error:  # noqa: BLE001 — the reason is what we report
            result["error"] = error

    thread = threading.Thread(target=resolve, daemon=True)
    thread.start()
    thread.join(timeout_s)
    if "master" in result:
        return result["master"]
    if "error" in result:
        error = result["error"]
        raise RuntimeError(str(error).strip().splitlines()[0] if str(error).strip()
                           else type(error).__name__)
    raise RuntimeError(f"no answer within {timeout_s:g} s")


def tpu_problem(tpu: str, environ=os.environ) -> str | None:
    """Whether --strategy=tpu can reach the TPU that --tpu names."""
    kind, value = tpu_target(tpu, environ)
    if kind == "missing":
        return "--tpu: --strategy=tpu needs to know which TPU: " + TPU_CHOICES
    if kind == "local":
        return local_tpu_problem(local_tpu_devices(), libtpu_found(environ))
    flag = f"--tpu={tpu}" if tpu else f"--tpu (empty: TensorFlow's environment gave {value})"
    if kind == "name":
        try:
            value = resolve_tpu_name(value)
        except RuntimeError as error:
            return f"{flag}: could not resolve the TPU node ({error}): {TPU_CHOICES}"
    if failures := unreachable(grpc_endpoints(value)):
        return f"{flag}: tried {', '.join(failures)}: {TPU_CHOICES}"
    return None


def gpu_count_problem(strategy: str, requested: int | None, visible: int) -> str | None:
    """--num_gpus must not ask for more GPUs than TensorFlow sees (it would place replicas on
    devices that do not exist)."""
    if requested is None or strategy not in GPU_STRATEGIES:
        return None
    if requested < 0:
        return f"--num_gpus={requested}: must be 0 or more"
    if requested > visible:
        return (f"--num_gpus={requested}: TensorFlow sees {visible} GPU(s) here: pass "
                f"--num_gpus={visible} or leave it out (all visible GPUs)")
    return None


def visible_gpus() -> int:
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


def launch_problems(args) -> list[str]:
    """Problems with the strategy options; TensorFlow is imported only when a check needs it."""
    asks_for_gpus = (args.num_gpus or 0) > 0 and args.strategy in GPU_STRATEGIES
    problems = [tpu_problem(args.tpu) if args.strategy == "tpu" else None,
                gpu_count_problem(args.strategy, args.num_gpus,
                                  visible_gpus() if asks_for_gpus else 0)]
    return [problem for problem in problems if problem]


def check_launch(args) -> None:
    """Stop the run with every problem found, one per line, before the strategy is built."""
    if problems := launch_problems(args):
        raise SystemExit("\n".join(problems))
