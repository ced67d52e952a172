"""Free localhost ports for the services a test starts (Beam's job service and worker pool,
TensorFlow's multi-worker cluster)."""
from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the OS's pick; free until someone binds it)."""
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]
