"""`wikipairs stats --plot FILE.png`: query and document length distributions per task."""
from __future__ import annotations

import math

import numpy as np

BINS = 60  # per panel: fine enough for a shape, coarse enough not to be noise on small runs


def binned_shares(by_length: list[int], width: int) -> tuple[np.ndarray, np.ndarray]:
    """(first length of each bin, share of the records in it): tasks of different sizes compare."""
    counts = np.asarray(by_length, np.int64)
    counts = np.pad(counts, (0, -counts.size % width))
    sums = counts.reshape(-1, width).sum(axis=1)
    return np.arange(sums.size) * width, sums / max(1, sums.sum())


def plot_lengths(report: dict, path: str) -> str:
    """Writes a PNG with one panel per side (query, doc), one step line per task."""
    from pipeline.optional import pyplot

    plt = pyplot("--plot")

    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    truncation = report["truncation"]
    for axis, side in zip(axes, ("query", "doc")):
        groups = report["lengths"][side]
        width = max(1, math.ceil(len(groups["all"]["by_length"]) / BINS))
        for group, dist in groups.items():
            if group == "all" or not dist["records"]:
                continue
            starts, shares = binned_shares(dist["by_length"], width)
            axis.step(starts, shares, where="post", label=f"{group} ({dist['records']:,})")
        if truncation:
            limit = truncation["max_lengths"][side]
            axis.axvline(limit, color="grey", linestyle="--", linewidth=1, label=f"max {limit}")
        axis.set_title(f"{side} length")
        axis.set_xlabel(f"tokens (bins of {width})")
        axis.set_ylabel("share of the task's records")
        axis.legend()
    figure.suptitle(f"{report['path']}: {report['records']:,} pairs")
    figure.tight_layout()
    from tensorflow.io import gfile

    with gfile.GFile(path, "wb") as handle:  # local or gs://
        figure.savefig(handle, format="png", dpi=100)
    plt.close(figure)
    return path
