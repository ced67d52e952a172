"""Optional dependencies (pyproject's extras), imported on first use: a command that needs one
that is not installed stops with one line naming the extra, not an ImportError traceback. The
Beam worker and trainer images install neither."""
from __future__ import annotations

import importlib

EXTRAS = {"faiss": "search", "matplotlib": "plots"}  # module -> the extra that installs it


def require(module: str, what: str):
    """The module, or SystemExit: '<what> needs faiss: pip install "wikipairs[search]"'."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise SystemExit(f"{what} needs {module}, which is not installed: "
                         f"pip install 'wikipairs[{EXTRAS[module]}]'") from None


def pyplot(what: str):
    """matplotlib.pyplot on the file-only Agg backend (no display needed)."""
    require("matplotlib", what).use("Agg")
    import matplotlib.pyplot as plt

    return plt
