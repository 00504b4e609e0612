"""Window helpers of the multi-grained scanner: lengths, pooling, segments."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

POOL_FUNCTIONS = {"mean": np.mean, "max": np.max, "min": np.min}


def window_length(window, length):
    if isinstance(window, Integral):
        return int(window)
    if isinstance(window, Real) and 0 < window <= 1:
        return max(1, round(window * length))
    raise ValueError(
        f"MultiGrainedScanner: window={window!r} must be a positive int or a "
        "fraction in (0, 1]."
    )


def segment_means(spatial, n_segments):
    """Mean outputs within contiguous position segments along every axis."""
    axes = spatial.shape[1:-1]
    splits = [np.array_split(np.arange(n), min(n_segments, n)) for n in axes]
    cells = [[]]
    for axis_splits in splits:
        cells = [[*cell, part] for cell in cells for part in axis_splits]
    means = []
    for cell in cells:
        block = spatial[(slice(None), *np.ix_(*cell), slice(None))]
        means.append(block.reshape(len(spatial), -1, spatial.shape[-1]).mean(axis=1))
    return means
