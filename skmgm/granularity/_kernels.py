"""DilatedKernels: MiniRocket's dilated convolutions, one granularity per dilation;
KernelView: what the dilated-kernel views share."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import combinations
from numbers import Integral

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state, gen_even_slices
from sklearn.utils.validation import check_is_fitted, validate_data

from skmgm._backend import N_JOBS_CONSTRAINT, blas_on_one_thread, kernel_view_n_jobs
from skmgm._compat import Interval, Options, _fit_context
from skmgm._docstrings import Substitution
from skmgm.granularity._options import check_options
from skmgm.granularity._stateless import FLOATS

KERNEL_LENGTH = 9
# MiniRocket's 84 kernels: weight 2 at three of the nine positions, -1 elsewhere.
KERNEL_INDICES = np.array(list(combinations(range(KERNEL_LENGTH), 3)))
# The distinct pairs (b, c) of the kernels' last two positions, and each
# kernel's pair.
_PAIRS, _PAIR_OF = np.unique(KERNEL_INDICES[:, 1:], axis=0, return_inverse=True)
_POOLINGS = ("ppv", "mpv", "mipv", "lspv")
# Positions of one chunk of rows: a kernel's output for a chunk (256 KiB of
# float32) stays in a core's cache while its biases are compared with it.
_CHUNK_ELEMENTS = 2**16
# A kernel view's ``dtype`` parameter, as KBinsDiscretizer's.
DTYPE_CONSTRAINT = [Options(type, {np.float64, np.float32}), None]


def fit_dilations(length: int, n_features: int, max_dilations: int):
    """MiniRocket's dilations (exponentially spaced up to the series length)
    and the number of features each one gets, per kernel."""
    per_kernel = max(1, n_features // len(KERNEL_INDICES))
    true_max = min(per_kernel, max_dilations)
    multiplier = per_kernel / true_max
    max_exponent = np.log2((length - 1) / (KERNEL_LENGTH - 1))
    dilations, counts = np.unique(
        np.logspace(0, max_exponent, true_max, base=2).astype(np.int32),
        return_counts=True,
    )
    counts = (counts * multiplier).astype(np.int32)
    for i in range(per_kernel - counts.sum()):
        counts[i % len(counts)] += 1
    return dilations, counts


def padded_to_kernel(X):
    """``X`` zero-padded at the end to at least one kernel's length."""
    if X.shape[1] >= KERNEL_LENGTH:
        return X
    return np.pad(X, ((0, 0), (0, KERNEL_LENGTH - X.shape[1])))


def golden_quantiles(n: int) -> np.ndarray:
    """MiniRocket's low-discrepancy quantiles: ``(k * golden ratio) % 1``."""
    return (np.arange(1, n + 1) * ((np.sqrt(5) + 1) / 2)) % 1


def shifted_copies(X, dilation):
    """(9, rows, length): ``X`` shifted by ``(p - 4) * dilation``, zero padded.

    Copy ``p`` at position ``t`` holds ``X[t + (p - 4) * dilation]``, so a
    kernel's output is a weighted sum of nine copies; with weights -1 and 2 it
    is ``-(sum of all nine) + 3 * (sum of the kernel's three)``, and the nine
    copies serve all 84 kernels.
    """
    rows, length = X.shape
    copies = np.zeros((KERNEL_LENGTH, rows, length), dtype=X.dtype)
    for position in range(KERNEL_LENGTH):
        shift = (position - KERNEL_LENGTH // 2) * dilation
        if shift >= 0:
            copies[position, :, : max(0, length - shift)] = X[:, shift:]
        else:
            copies[position, :, -shift:] = X[:, : length + shift]
    return copies


def convolutions(X, dilation):
    """(84, rows, length): every kernel's output at ``dilation``.

    The reference form of :class:`KernelOutputs`, whose stacks of kernels
    the transform pools.
    """
    return KernelOutputs(X, dilation).kernels(slice(None))


class KernelOutputs:
    """The 84 kernels' outputs at one dilation, from shared partial sums.

    ``-(sum of nine copies) + 3 * copy`` is kept for each of the nine
    positions and ``3 * (copy_b + copy_c)`` for each pair, so that each
    kernel's output (:meth:`kernel`, or a stack of them, :meth:`kernels`)
    costs one addition.
    """

    def __init__(self, X, dilation):
        copies = shifted_copies(X, dilation)
        gamma = 3 * copies
        self.first = gamma - copies.sum(axis=0)
        self.pairs = np.empty((len(_PAIRS), *X.shape), dtype=X.dtype)
        for pair, (b, c) in zip(self.pairs, _PAIRS):
            np.add(gamma[b], gamma[c], out=pair)

    def kernel(self, k, rows=slice(None)):
        """Kernel ``k``'s output on ``rows`` (all rows by default)."""
        return self.first[KERNEL_INDICES[k, 0], rows] + self.pairs[_PAIR_OF[k]][rows]

    def kernels(self, ks):
        """(kernels, rows, length): the outputs of the kernels ``ks`` (a
        slice of the 84), in one addition."""
        chosen = range(len(KERNEL_INDICES))[ks]
        if len(chosen) == 1:  # views, not the copies fancy indexing makes
            return self.kernel(chosen[0])[None]
        return self.first[KERNEL_INDICES[ks, 0]] + self.pairs[_PAIR_OF[ks]]


def own_quantiles(values, levels):
    """(rows, count): each row's quantiles at its own ``levels``.

    ``np.quantile``'s default (linear) method, row by row: the same values
    as a call per row, without the cost of a thousand small calls (most of a
    fit on few rows).
    """
    ordered = np.sort(values, axis=1)
    return sorted_quantiles(ordered, levels).astype(values.dtype, copy=False)


def sorted_quantiles(ordered, levels):
    """(rows, count): the quantiles of the sorted rows ``ordered`` at
    ``levels`` (one row of levels per row, or one row shared by all).

    ``np.quantile``'s default (linear) method, bit for bit, in the dtype
    that the rows and ``levels`` promote to, as numpy's. ``np.quantile``
    partitions the values around every level instead of sorting them once,
    which on an interval of 5,000 positions (1,250 quantiles) is tens of
    times slower.
    """
    virtual = levels * (ordered.shape[1] - 1)
    below = np.floor(virtual)
    gamma = virtual - below
    below = below.astype(np.intp)
    rows = np.arange(len(ordered))[:, None]
    low = ordered[rows, below]
    high = ordered[rows, np.minimum(below + 1, ordered.shape[1] - 1)]
    # numpy interpolates from the nearer end, which rounds the same as it.
    step = high - low
    return np.where(gamma < 0.5, low + step * gamma, high - step * (1 - gamma))


def _is_padded(dilation_index, kernel_index):
    """MiniRocket keeps every position for half the (dilation, kernel) pairs,
    and only the positions the kernel covers fully for the other half."""
    return (dilation_index + kernel_index) % 2 == 0


def _kernel_stacks(dilation_index, chunk_size, elements):
    """``(padded, kernels)``: slices of the kernels pooled together at a
    dilation.

    Each stack keeps one padding (every other kernel), and holds as many
    kernels as make one kernel's output on ``elements`` positions (a full
    chunk's): one kernel at a time on a full chunk, dozens on a few short
    rows, where a call per kernel would cost more than its arithmetic.
    """
    size = max(1, elements // chunk_size)
    for first in (0, 1):
        padded = _is_padded(dilation_index, first)
        for start in range(first, len(KERNEL_INDICES), 2 * size):
            yield padded, slice(start, start + 2 * size, 2)


def pool(C, biases, poolings):
    """(poolings, ..., biases, rows): PPV, MPV, MIPV, LSPV of ``C - bias``.

    ``C`` is (..., rows, positions): the outputs of one kernel, or of a stack
    of kernels with ``biases`` (..., count) theirs; each bias gives one
    feature per pooling: the proportion of positive values (PPV), their mean
    (MPV), the mean of their indices (MIPV, -1 where none) and the longest
    stretch of them (LSPV), as MultiRocket defines them. The bias axis comes
    before the rows, so that each comparison runs over contiguous positions.
    """
    C = C[..., None, :, :]
    positive = C > biases[..., None, None]
    # Summing the booleans as small integers is a few times faster than
    # count_nonzero along an axis.
    counter = np.int16 if C.shape[-1] < 2**15 else np.int32
    count = positive.view(np.int8).sum(axis=-1, dtype=counter).astype(C.dtype)
    found = count > 0
    safe = np.where(found, count, 1)
    out = []
    for name in poolings:
        if name == "ppv":
            out.append(count / C.shape[-1])
        elif name == "mpv":
            total = (positive * C).sum(axis=-1) - biases[..., None] * count
            out.append(np.where(found, total / safe, 0))
        elif name == "mipv":
            total = positive @ np.arange(C.shape[-1], dtype=C.dtype)
            out.append(np.where(found, total / safe, -1))
        else:
            out.append(_longest_stretch(positive).astype(C.dtype))
    return np.stack(out)


def _longest_stretch(positive):
    """Longest run of True along the last axis."""
    run = np.cumsum(positive, axis=-1, dtype=np.int32)
    since_reset = run - np.maximum.accumulate(np.where(positive, 0, run), axis=-1)
    return since_reset.max(axis=-1)


class KernelView(TransformerMixin, BaseEstimator):
    """What the dilated-kernel views share.

    They learn nothing from labels, so a multi-granularity estimator may fit
    them once on all training rows (see its ``fit_once`` parameter); they
    read series zero-padded at the end to one kernel's length, and transform
    rows in chunks, so that memory stays bounded, side by side in ``n_jobs``
    threads. A view fills
    ``_fit_padded(X)``, ``_rows_per_chunk(length, scale)``,
    ``_features(X, scale)`` (the rows' features, one row each),
    ``_column_names()`` and ``_threads_scale``: how many times larger than on
    one thread its chunks and numpy calls are when threads share them
    (``scale``).
    """

    _skmgm_label_free = True

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the view's kernels to ``X``: its dilations to the series'
        length, and what else the view takes from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints)
            Training series, one per row.
        y : None
            Ignored: the view learns nothing from labels.

        Returns
        -------
        self : object
            The fitted view.
        """
        self._fit_padded(self._validated(X, reset=True))
        return self

    def transform(self, X):
        """Every kernel's features at every dilation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints)
            Series, one per row, as long as the training series.

        Returns
        -------
        X_view : ndarray of shape (n_samples, n_features_out)
            One column per name of ``get_feature_names_out()``, in ``dtype``
            (by default ``X``'s float dtype).
        """
        check_is_fitted(self)
        X = self._validated(X, reset=False)
        n_threads = effective_n_jobs(kernel_view_n_jobs(self.n_jobs))
        # Threads of one process take turns at the GIL between numpy calls:
        # on calls sized for one core's cache, two threads were hardly faster
        # than one (two processes were twice as fast), so chunks side by side
        # are larger (``benchmarks/bench_transforms.py``).
        scale = self._threads_scale if n_threads > 1 else 1
        # At least one chunk per thread, or a thread would idle; a row's
        # features do not depend on the rows it is chunked with.
        n_chunks = max(
            -(-len(X) // self._rows_per_chunk(X.shape[1], scale)),
            min(len(X), n_threads),
        )
        chunks = [X[rows] for rows in gen_even_slices(len(X), n_chunks)]
        features = partial(self._features, scale=scale)
        n_threads = min(n_threads, n_chunks)
        # BLAS sums a product in another order with more threads, and a last
        # bit can change which competing kernel wins: on one thread the view
        # is the same wherever it is computed (a worker or the caller).
        with blas_on_one_thread():
            if n_threads == 1:
                return np.concatenate([features(chunk) for chunk in chunks])
            # Not joblib's threads: its caller polls for results every 10 ms,
            # as long as a chunk of 100 short series takes.
            with ThreadPoolExecutor(n_threads) as threads:
                return np.concatenate(list(threads.map(features, chunks)))

    def _validated(self, X, reset):
        """``X`` validated, in the view's ``dtype``, padded to a kernel."""
        dtype = FLOATS if self.dtype is None else self.dtype
        return padded_to_kernel(validate_data(self, X, reset=reset, dtype=dtype))

    def get_feature_names_out(self, input_features=None):
        """Names of the view's columns: kernel, dilation and pooling.

        Parameters
        ----------
        input_features : None
            Ignored: the names describe kernels, not input columns.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.
        """
        check_is_fitted(self)
        return np.asarray(self._column_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = (
            ["float64", "float32"]
            if self.dtype is None
            else [np.dtype(self.dtype).name]
        )
        return tags


@Substitution()
class DilatedKernels(KernelView):
    """MiniRocket's dilated convolutions: one granularity of time per dilation.

    The 84 fixed kernels of length 9 (weight 2 at three positions, -1 at the
    other six) are applied at dilations spaced exponentially from 1 up to the
    series length, so each dilation looks at the series at another time
    scale. Each (dilation, kernel) output is compared with biases drawn from
    quantiles of that kernel's output on one random training row, and pooled
    as the proportion of positive values (PPV; Dempster, Schmidt and Webb,
    2021) and, optionally, MultiRocket's other poolings. It uses no labels:
    the biases come from ``X`` alone. Each dilation is computed from nine
    shifted copies of the series shared by all 84 kernels. Its columns come
    in one block per pooling, each ordered by dilation, kernel and bias, named
    ``<pooling>_d<dilation>_k<kernel>_b<bias>``.
    Series shorter than 9 positions are zero-padded at the end to 9. Rows are
    transformed in chunks, so memory stays bounded.

    Parameters
    ----------
    n_features : int, default=10_000
        Features per pooling, about: rounded down to a multiple of 84.
    max_dilations_per_kernel : int, default=32
        At most this many dilations.
    pooling : str or tuple of str, default=("ppv",)
        Among ``"ppv"`` (proportion of positive values), ``"mpv"`` (their
        mean), ``"mipv"`` (the mean of their positions) and ``"lspv"`` (their
        longest stretch); one block of columns per pooling.
    random_state : int, RandomState instance or None, default=None
        Picks the training row whose output gives each kernel's biases.
    {kernel_dtype}
    {kernel_n_jobs}

    Attributes
    ----------
    dilations_ : ndarray of int
        The dilations used, smallest first.
    features_per_dilation_ : ndarray of int
        Biases per kernel at each dilation.
    biases_ : list of ndarray of shape (84, features_per_dilation_[i])
        The biases of every kernel at each dilation.
    {features_in}

    See Also
    --------
    IntervalQuantiles : Multi-scale intervals instead of convolutions.

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import DilatedKernels
    >>> X = np.random.default_rng(0).normal(size=(20, 50))
    >>> view = DilatedKernels(n_features=840, random_state=0).fit(X)
    >>> view.dilations_.tolist(), view.transform(X).shape
    ([1, 2, 3, 4, 5, 6], (20, 840))
    """

    _parameter_constraints: dict = {
        "n_features": [Interval(Integral, 84, None, closed="left")],
        "max_dilations_per_kernel": [Interval(Integral, 1, None, closed="left")],
        "pooling": [str, tuple, list],
        "random_state": ["random_state"],
        "dtype": DTYPE_CONSTRAINT,
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        n_features=10_000,
        max_dilations_per_kernel=32,
        pooling=("ppv",),
        random_state=None,
        dtype=None,
        n_jobs=None,
    ):
        self.n_features = n_features
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.pooling = pooling
        self.random_state = random_state
        self.dtype = dtype
        self.n_jobs = n_jobs

    def _fit_padded(self, X):
        """The dilations, and each kernel's biases from ``X``'s values."""
        self._poolings = check_options(
            "DilatedKernels", "pooling", self.pooling, _POOLINGS
        )
        self.dilations_, self.features_per_dilation_ = fit_dilations(
            X.shape[1], self.n_features, self.max_dilations_per_kernel
        )
        rng = check_random_state(self.random_state)
        quantiles = golden_quantiles(
            len(KERNEL_INDICES) * int(self.features_per_dilation_.sum())
        )
        n_kernels = len(KERNEL_INDICES)
        self.biases_ = []
        start = 0
        for dilation, count in zip(self.dilations_, self.features_per_dilation_):
            rows = rng.randint(X.shape[0], size=n_kernels)
            # Kernel k's biases come from its own random row only.
            outputs = KernelOutputs(X[rows], dilation)
            own = np.stack([outputs.kernel(k, k) for k in range(n_kernels)])
            levels = quantiles[start : start + n_kernels * count]
            self.biases_.append(own_quantiles(own, levels.reshape(n_kernels, count)))
            start += n_kernels * count
        return self

    # On chunks 4 times larger, two threads took 0.68 to 0.82 of their time
    # on one thread's chunks (three UCR training sets, 150 rows of one, and
    # 1,000 random series of length 500); 8 and 16 times were about as fast
    # and held more memory: a thread's shifted copies and partial sums grow
    # with its chunk (55 MiB at 4 times, 110 MiB at 8 times, 14 MiB unscaled).
    _threads_scale = 4

    @staticmethod
    def _rows_per_chunk(length, scale):
        return max(1, scale * _CHUNK_ELEMENTS // length)

    def _features(self, X, scale):
        """(rows, features) of one chunk of rows: every kernel's output at
        every dilation, pooled."""
        blocks = []
        for d, (dilation, biases) in enumerate(zip(self.dilations_, self.biases_)):
            outputs = KernelOutputs(X, dilation)
            margin = (KERNEL_LENGTH - 1) * dilation // 2
            shape = (len(self._poolings), *biases.shape, len(X))
            pooled = np.empty(shape, dtype=X.dtype)
            for padded, ks in _kernel_stacks(d, X.size, scale * _CHUNK_ELEMENTS):
                C = outputs.kernels(ks)
                if not padded and X.shape[1] > 2 * margin:
                    C = C[..., margin:-margin]
                pooled[:, ks] = pool(C, biases[ks], self._poolings)
            blocks.append(pooled.reshape(len(self._poolings), -1, len(X)))
        # (poolings, features, rows) -> rows, then one block per pooling.
        pooled = np.concatenate(blocks, axis=1).transpose(2, 0, 1)
        return np.ascontiguousarray(pooled).reshape(len(X), -1)

    def _column_names(self):
        """``<pooling>_d<dilation>_k<kernel>_b<bias>`` for every column."""
        return [
            f"{pooling}_d{dilation}_k{k}_b{b}"
            for pooling in self._poolings
            for dilation, count in zip(self.dilations_, self.features_per_dilation_)
            for k in range(len(KERNEL_INDICES))
            for b in range(count)
        ]
