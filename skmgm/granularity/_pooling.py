"""Pooling views: piecewise statistics of sequences and of flattened images."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from skmgm._compat import Interval
from skmgm._docstrings import Substitution
from skmgm.granularity._options import check_options
from skmgm.granularity._stateless import StatelessView


def _slope(blocks):
    """Least-squares slope of each block over its positions 0..m-1."""
    width = blocks.shape[-1]
    if width == 1:
        return np.zeros(blocks.shape[:-1], dtype=blocks.dtype)
    positions = np.arange(width, dtype=blocks.dtype) - (width - 1) / 2
    return blocks @ positions / (positions @ positions)


_STATISTICS = {
    "mean": lambda blocks: blocks.mean(axis=-1),
    "std": lambda blocks: blocks.std(axis=-1),
    "min": lambda blocks: blocks.min(axis=-1),
    "max": lambda blocks: blocks.max(axis=-1),
    "slope": _slope,
}


def window_bounds(length: int, window: int, stride: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each window over ``length`` positions.

    Windows start every ``stride`` positions. When the full windows stop short
    of the end, one last partial window covers the rest, so no position is
    dropped (unless ``stride > window`` leaves gaps on purpose).

    Examples
    --------
    >>> window_bounds(10, 4, 4)
    [(0, 4), (4, 8), (8, 10)]
    """
    starts = range(0, length - window + 1, stride)
    bounds = [(start, start + window) for start in starts]
    next_start = starts[-1] + stride
    if bounds[-1][1] < length and next_start < length:
        bounds.append((next_start, length))
    return bounds


@Substitution()
class Pool1D(StatelessView):
    """Piecewise statistics of rows that are sequences (series, spectra).

    Each row is cut into windows of ``window`` positions, starting every
    ``stride`` positions; each window gives one value per statistic. A last
    partial window is kept, never dropped. Nothing is learned from the data.

    Parameters
    ----------
    window : int
        Positions per window.
    stride : int, default=None
        Positions between window starts; ``None`` means ``window``
        (non-overlapping windows).
    stats : str or tuple of str, default=("mean",)
        Statistics per window, among ``"mean"``, ``"std"``, ``"min"``,
        ``"max"`` and ``"slope"`` (least-squares slope per position).

    Attributes
    ----------
    {features_in}

    See Also
    --------
    Pool2D : The same for flattened images.

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import Pool1D
    >>> X = np.array([[0.0, 2.0, 4.0, 6.0, 8.0]])
    >>> Pool1D(window=2, stats=("mean", "slope")).fit_transform(X)
    array([[1., 5., 8., 2., 2., 0.]])
    """

    _parameter_constraints: dict = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "stride": [None, Interval(Integral, 1, None, closed="left")],
        "stats": [str, tuple, list],
    }

    def __init__(self, window, stride=None, stats=("mean",)):
        self.window = window
        self.stride = stride
        self.stats = stats

    def _bounds(self, n_features):
        if self.window > n_features:
            raise ValueError(
                f"Pool1D: window={self.window} is longer than the rows "
                f"(n_features = {n_features})."
            )
        stride = self.window if self.stride is None else self.stride
        return window_bounds(n_features, self.window, stride)

    def _output_names(self, n_features):
        stats = check_options("Pool1D", "stats", self.stats, _STATISTICS)
        bounds = self._bounds(n_features)
        return [f"{stat}_{start}_{stop}" for stat in stats for start, stop in bounds]

    def _view(self, X):
        stats = check_options("Pool1D", "stats", self.stats, _STATISTICS)
        bounds = self._bounds(X.shape[1])
        stride = self.window if self.stride is None else self.stride
        # Full windows are strided views of X, not copies.
        full = sliding_window_view(X, self.window, axis=1)[:, ::stride]
        full = full[:, : sum(stop - start == self.window for start, stop in bounds)]
        partial = [X[:, start:stop] for start, stop in bounds[full.shape[1] :]]
        columns = []
        for stat in stats:
            columns.append(_STATISTICS[stat](full))
            columns.extend(_STATISTICS[stat](block)[:, None] for block in partial)
        return np.hstack(columns)


@Substitution()
class Pool2D(StatelessView):
    """Block statistics of rows that are flattened images (e.g. digits' 8x8).

    Each row is reshaped to ``image_shape`` and cut into non-overlapping
    ``window`` blocks; each block gives one value per statistic. When the
    image is not a multiple of the window, the last row and column of blocks
    are smaller, never dropped. Nothing is learned from the data.

    Parameters
    ----------
    image_shape : tuple of (int, int)
        Height and width of the images; their product must be the number of
        features. One of them may be -1, inferred from the number of features
        as in ``numpy.reshape``.
    window : int or tuple of (int, int)
        Block height and width; an int is a square block.
    stats : str or tuple of str, default=("mean",)
        Statistics per block, among ``"mean"``, ``"std"``, ``"min"`` and
        ``"max"``.

    Attributes
    ----------
    {features_in}

    See Also
    --------
    Pool1D : The same for sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import Pool2D
    >>> X = np.arange(9.0).reshape(1, 9)  # one 3x3 image
    >>> Pool2D(image_shape=(3, 3), window=2, stats="max").fit_transform(X)
    array([[4., 5., 7., 8.]])
    """

    _parameter_constraints: dict = {
        "image_shape": [tuple, list],
        "window": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "stats": [str, tuple, list],
    }
    _allowed_stats = ("mean", "std", "min", "max")

    def __init__(self, image_shape, window, stats=("mean",)):
        self.image_shape = image_shape
        self.window = window
        self.stats = stats

    def _image_shape(self, n_features):
        return resolve_image_shape("Pool2D", self.image_shape, n_features)

    def _blocks(self, n_features):
        height, width = self._image_shape(n_features)
        window_h, window_w = _pair("window", self.window)
        if window_h > height or window_w > width:
            raise ValueError(
                f"Pool2D: window={self.window!r} is larger than the images "
                f"{(height, width)} (n_features = {n_features})."
            )
        rows = window_bounds(height, window_h, window_h)
        cols = window_bounds(width, window_w, window_w)
        return [(r, c) for r in rows for c in cols]

    def _output_names(self, n_features):
        stats = check_options("Pool2D", "stats", self.stats, self._allowed_stats)
        blocks = self._blocks(n_features)
        return [
            f"{stat}_r{r0}_{r1}_c{c0}_{c1}"
            for stat in stats
            for (r0, r1), (c0, c1) in blocks
        ]

    def _view(self, X):
        stats = check_options("Pool2D", "stats", self.stats, self._allowed_stats)
        blocks = self._blocks(X.shape[1])
        images = X.reshape(X.shape[0], *self._image_shape(X.shape[1]))
        pixels = [
            images[:, r0:r1, c0:c1].reshape(X.shape[0], -1)
            for (r0, r1), (c0, c1) in blocks
        ]
        return np.column_stack(
            [_STATISTICS[stat](block) for stat in stats for block in pixels]
        )


def resolve_image_shape(owner: str, image_shape, n_features: int) -> tuple[int, int]:
    """``(height, width)`` of rows of ``n_features`` pixels; a -1 in
    ``image_shape`` is inferred, as in ``numpy.reshape``."""
    shape = tuple(image_shape)
    if len(shape) == 2 and shape.count(-1) == 1:
        known = shape[0] * shape[1] * -1
        if known > 0 and n_features % known == 0:
            shape = tuple(n_features // known if v == -1 else v for v in shape)
    height, width = _pair("image_shape", shape, owner)
    if height * width != n_features:
        raise ValueError(
            f"{owner}: image_shape={tuple(image_shape)} does not fit rows of "
            f"n_features = {n_features}."
        )
    return height, width


def _pair(name, value, owner="Pool2D"):
    pair = (value, value) if isinstance(value, Integral) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, Integral) and v >= 1 for v in pair):
        raise ValueError(
            f"{owner}: {name}={value!r} must be a positive int or a pair of them."
        )
    return pair
