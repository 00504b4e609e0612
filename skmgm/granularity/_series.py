"""Label-free series views: representations and dyadic interval quantiles.

All three learn nothing from the data (``requires_fit=False``), so a
multi-granularity estimator computes their view once per fit for every fold.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from skmgm._compat import Interval
from skmgm._docstrings import Substitution
from skmgm.granularity._kernels import sorted_quantiles
from skmgm.granularity._stateless import StatelessView

# Rows per chunk of IntervalQuantiles.transform: windows of a chunk are copied
# once per depth, so memory stays at about this many rows x 2 series lengths.
_CHUNK_ROWS = 4096


@Substitution()
class Derivative(StatelessView):
    """The series' differences of order ``order``: slope, free of level.

    Put it in front of any view in a ``Pipeline`` (``make_pipeline(
    Derivative(), IntervalQuantiles())``) to look at the series' changes.

    Parameters
    ----------
    order : int, default=1
        How many times to difference (``numpy.diff``'s ``n``).

    Attributes
    ----------
    {features_in}

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import Derivative
    >>> Derivative().fit_transform(np.array([[1.0, 4.0, 9.0, 16.0]]))
    array([[3., 5., 7.]])
    """

    _parameter_constraints: dict = {
        "order": [Interval(Integral, 1, None, closed="left")]
    }

    def __init__(self, order=1):
        self.order = order

    def _output_names(self, n_features):
        if n_features <= self.order:
            raise ValueError(
                f"Derivative: order={self.order} needs series of more than "
                f"{self.order} positions; X has {n_features} feature(s)."
            )
        return [f"derivative{self.order}_{i}" for i in range(n_features - self.order)]

    def _view(self, X):
        return np.diff(X, n=self.order, axis=1)


@Substitution()
class Spectrum(StatelessView):
    """The magnitude of the series' real Fourier transform.

    Frequency as a granularity: low frequencies are the coarse shape, high
    ones the detail. Put it in front of any view in a ``Pipeline``.

    Attributes
    ----------
    {features_in}

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import Spectrum
    >>> Spectrum().fit_transform(np.array([[1.0, 0.0, -1.0, 0.0]]))
    array([[0., 2., 0.]])
    """

    _parameter_constraints: dict = {}

    def _output_names(self, n_features):
        return [f"spectrum_{i}" for i in range(n_features // 2 + 1)]

    def _view(self, X):
        return np.abs(np.fft.rfft(X, axis=1)).astype(X.dtype, copy=False)


def dyadic_intervals(length: int, depth: int, shifted: bool = True) -> list:
    """``(depth, start, stop, shifted)`` of QUANT's intervals over ``length``
    positions.

    Depth ``d`` splits the series into ``2**d`` intervals (``d < depth``, and
    no finer than one position); with ``shifted``, each depth from 1 on also
    has the same intervals moved by half an interval, where intervals are
    longer than one position. As in QUANT, a shifted interval may cover the
    same positions as one of its depth's unshifted ones (where rounding makes
    the intervals unequal); the flag tells them apart.

    Examples
    --------
    >>> dyadic_intervals(8, 2)
    [(0, 0, 8, False), (1, 0, 4, False), (1, 4, 8, False), (1, 2, 6, True)]
    """
    intervals = []
    for level in range(min(depth, int(np.log2(length)) + 1)):
        count = 2**level
        edges = np.linspace(0, length, count + 1).astype(int)
        bounds = list(zip(edges[:-1].tolist(), edges[1:].tolist()))
        intervals += [(level, start, stop, False) for start, stop in bounds]
        if shifted and count > 1 and np.median(np.diff(edges)) > 1:
            shift = int(np.ceil(length / count / 2))
            intervals += [(level, a + shift, b + shift, True) for a, b in bounds[:-1]]
    return intervals


def interval_quantile_count(width: int, div: int) -> int:
    """Quantiles of an interval of ``width`` positions: ``1 + (width - 1) // div``."""
    return 1 + (width - 1) // div


@Substitution()
class IntervalQuantiles(StatelessView):
    """Quantiles of every interval of a dyadic pyramid of the series (QUANT).

    Depth 0 is the whole series, depth 1 its two halves, depth 2 its
    quarters, and so on: each depth is one granularity of time. With
    ``shifted``, the intervals of every depth from 1 on are also taken shifted
    by half their length, so no boundary is privileged. An interval of ``m``
    positions gives ``1 + (m - 1) // div`` quantiles, evenly spaced from its
    minimum to its maximum (the median when there is one), and every second
    one has the interval's mean subtracted, as in QUANT (Dempster, Schmidt
    and Webb, 2024). Learns nothing from the data; rows are processed in
    chunks, so memory stays bounded on many long series.

    Parameters
    ----------
    depth : int, default=6
        Number of depths: ``1, 2, 4, ..., 2**(depth - 1)`` intervals, and no
        interval shorter than one position.
    div : int, default=4
        One quantile per ``div`` positions of an interval (plus one).
    shifted : bool, default=True
        Also take every depth's intervals shifted by half an interval.

    Attributes
    ----------
    intervals_ : list of (int, int, int, bool)
        ``(depth, start, stop, shifted)`` of each interval, in the order of
        the output columns. A shifted interval's columns are named ``dNs_``
        instead of ``dN_``: both may cover the same positions.
    {features_in}

    See Also
    --------
    Derivative, Spectrum : Representations to put in front of it.

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import IntervalQuantiles
    >>> view = IntervalQuantiles(depth=2, shifted=False)
    >>> view.fit_transform(np.array([[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]))
    array([[0. , 3.5, 1.5, 5.5]])
    >>> view.get_feature_names_out().tolist()
    ['d0_0_8_q0', 'd0_0_8_q1', 'd1_0_4_q0', 'd1_4_8_q0']
    """

    _parameter_constraints: dict = {
        "depth": [Interval(Integral, 1, None, closed="left")],
        "div": [Interval(Integral, 1, None, closed="left")],
        "shifted": ["boolean"],
    }

    def __init__(self, depth=6, div=4, shifted=True):
        self.depth = depth
        self.div = div
        self.shifted = shifted

    def _output_names(self, n_features):
        self.intervals_ = dyadic_intervals(n_features, self.depth, self.shifted)
        return [
            f"d{level}{'s' if shifted else ''}_{start}_{stop}_q{k}"
            for level, start, stop, shifted in self.intervals_
            for k in range(interval_quantile_count(stop - start, self.div))
        ]

    def _view(self, X):
        # Stateless: the intervals depend on the series' length alone.
        intervals = dyadic_intervals(X.shape[1], self.depth, self.shifted)
        widths = [stop - start for _, start, stop, _ in intervals]
        counts = [interval_quantile_count(width, self.div) for width in widths]
        first_column = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out = np.empty((X.shape[0], sum(counts)), dtype=X.dtype)
        for width in sorted(set(widths)):
            same = [i for i, w in enumerate(widths) if w == width]
            starts = np.array([intervals[i][1] for i in same])
            columns = first_column[same][:, None] + np.arange(counts[same[0]])
            for rows in _chunks(X.shape[0]):
                out[rows[:, None, None], columns] = _interval_quantiles(
                    X[rows], starts, width, self.div
                )
        return out


def _chunks(n_rows):
    for start in range(0, n_rows, _CHUNK_ROWS):
        yield np.arange(start, min(start + _CHUNK_ROWS, n_rows))


def _interval_quantiles(X, starts, width, div):
    """(rows, intervals, quantiles) of the intervals of ``width`` at ``starts``."""
    windows = sliding_window_view(X, width, axis=1)[:, starts, :]
    count = interval_quantile_count(width, div)
    if width == 1:
        return windows
    if count == 1:
        return np.median(windows, axis=-1, keepdims=True)
    ordered = np.sort(windows.reshape(-1, width), axis=-1)
    quantiles = sorted_quantiles(ordered, np.linspace(0, 1, count)[None])
    quantiles = quantiles.reshape(*windows.shape[:2], count)
    quantiles[..., 1::2] -= windows.mean(axis=-1, keepdims=True)
    return quantiles
