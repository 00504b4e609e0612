"""CompetingKernels (Hydra's competing kernels) and SparseScaler (their counts)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.sparsefuncs import count_nonzero, mean_variance_axis
from sklearn.utils.validation import check_is_fitted, validate_data

from skmgm._backend import N_JOBS_CONSTRAINT
from skmgm._compat import Interval, _fit_context
from skmgm._docstrings import Substitution
from skmgm.granularity._kernels import (
    DTYPE_CONSTRAINT,
    KERNEL_LENGTH,
    KernelView,
    shifted_copies,
)
from skmgm.granularity._stateless import FLOATS

# Kernel outputs held at once for one chunk of rows (kernels x rows x
# positions; 1 MiB of float32): with the competition's two boolean masks and
# its extremes, a chunk's working set stays within a core's L2 cache (2 MiB
# here), and memory stays bounded whatever the number of kernels or rows.
# Against 2 MiB chunks, one thread took 0.90 to 0.95 of the time (1,000 x
# 500, 400 x 750 and 560 x 131 series), and two processes side by side (a
# FeatureUnion's parts) 0.89 to 0.95.
_OUTPUT_ELEMENTS = 2**18


def hydra_dilations(length: int) -> np.ndarray:
    """Hydra's dilations: powers of two while the kernel spans the series."""
    exponent = int(np.log2((length - 1) / (KERNEL_LENGTH - 1)))
    return 2 ** np.arange(exponent + 1)


def count_wins(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each kernel's wins in its group, summed over time.

    ``outputs`` is (rows, kernels per group, groups, positions). At each
    position the kernel with the largest output wins its value and the one
    with the smallest output wins one count; a tie goes to the first kernel.
    Returns the summed values and counts, each (rows, kernels per group,
    groups).
    """
    largest, smallest = outputs.max(axis=1), outputs.min(axis=1)
    won_max = _first_to_reach(outputs, largest)
    won_min = _first_to_reach(outputs, smallest)
    # einsum casts the mask itself, without a float copy of it.
    values = np.einsum("nkgt,ngt->nkg", won_max, largest)
    counts = won_min.sum(axis=-1, dtype=np.int32).astype(outputs.dtype)
    return values, counts


def _first_to_reach(outputs, extreme):
    """(rows, kernels, groups, positions): where each kernel is the first of
    its group to equal ``extreme``."""
    won = outputs == extreme[:, None]
    if np.count_nonzero(won) == extreme.size:
        return won  # one kernel reaches it at every position: no tie to break
    taken = won[:, 0].copy()
    for kernel in range(1, won.shape[1]):
        won[:, kernel] &= ~taken
        taken |= won[:, kernel]
    return won


@Substitution()
class CompetingKernels(KernelView):
    """Hydra's competing dilated kernels: which pattern fits best, over time.

    Random kernels of length 9 (normal weights, then zero mean and unit
    absolute sum) are drawn in groups of ``n_kernels_per_group``; at each
    dilation (powers of two up to the series length, one granularity of time
    each) every group's kernels are slid over the series and, at each
    position, compete: the kernel with the largest output adds that output
    to its first feature, the one with the smallest adds one to its second.
    The features count how often each pattern of a group is the best (and
    worst) match, as Hydra does (Dempster, Schmidt and Webb, 2023). It uses
    no labels: the kernels are random. Its columns come per dilation: the
    summed winning values of every kernel, then its counts of smallest
    outputs (kernels ordered by group, then by kernel), named
    ``<max|min>_d<dilation>_g<group>_k<kernel>``. Series shorter than
    9 positions are zero-padded at the end to 9. Rows are transformed in
    chunks, so memory stays bounded.

    Hydra gives half its groups to the series and half to its first
    difference: in a Pipeline, :class:`~skmgm.granularity.Derivative` in
    front of a second :class:`CompetingKernels` does that (see
    :func:`~skmgm.make_series_levels`). The counts are sparse and skewed:
    Hydra scales their square roots, which :class:`SparseScaler` in front
    of a linear model does.

    Parameters
    ----------
    n_groups : int, default=32
        Groups of kernels at each dilation.
    n_kernels_per_group : int, default=8
        Kernels competing in each group.
    random_state : int, RandomState instance or None, default=None
        Draws the kernels' weights.
    {kernel_dtype}
    {kernel_n_jobs}

    Attributes
    ----------
    dilations_ : ndarray of int
        The dilations used, smallest first.
    weights_ : ndarray of shape (n_dilations, n_kernels_per_group, n_groups, 9)
        Every kernel's weights at each dilation.
    {features_in}

    See Also
    --------
    DilatedKernels : MiniRocket's fixed kernels, each pooled on its own.

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import CompetingKernels
    >>> X = np.random.default_rng(0).normal(size=(20, 50))
    >>> view = CompetingKernels(n_groups=4, random_state=0).fit(X)
    >>> view.dilations_.tolist(), view.transform(X).shape
    ([1, 2, 4], (20, 192))
    """

    _parameter_constraints: dict = {
        "n_groups": [Interval(Integral, 1, None, closed="left")],
        "n_kernels_per_group": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
        "dtype": DTYPE_CONSTRAINT,
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        n_groups=32,
        n_kernels_per_group=8,
        random_state=None,
        dtype=None,
        n_jobs=None,
    ):
        self.n_groups = n_groups
        self.n_kernels_per_group = n_kernels_per_group
        self.random_state = random_state
        self.dtype = dtype
        self.n_jobs = n_jobs

    def _fit_padded(self, X):
        """The dilations for ``X``'s length, and the kernels drawn."""
        self.dilations_ = hydra_dilations(X.shape[1])
        rng = check_random_state(self.random_state)
        shape = (
            len(self.dilations_),
            self.n_kernels_per_group,
            self.n_groups,
            KERNEL_LENGTH,
        )
        weights = rng.standard_normal(shape)
        weights -= weights.mean(axis=-1, keepdims=True)
        self.weights_ = weights / np.abs(weights).sum(axis=-1, keepdims=True)
        return self

    @property
    def _n_kernels(self):
        return self.n_kernels_per_group * self.n_groups

    # Threads take turns at the GIL between numpy calls, so fewer, longer
    # calls pay there: on chunks 4 times as large (4 MiB), two threads took
    # 0.69 to 0.78 of their time on one thread's chunks, and 0.86 to 0.94 of
    # it on chunks twice as large; 16 MiB chunks were slower.
    _threads_scale = 4

    def _rows_per_chunk(self, length, scale):
        return max(1, scale * _OUTPUT_ELEMENTS // (self._n_kernels * length))

    def _features(self, X, scale):
        """(rows, features) of one chunk of rows: every kernel's wins in its
        group at every dilation (each call on the whole chunk, whatever
        ``scale``)."""
        blocks = []
        for dilation, weights in zip(self.dilations_, self.weights_):
            copies = shifted_copies(X, int(dilation))
            flat = weights.reshape(self._n_kernels, KERNEL_LENGTH).astype(X.dtype)
            # One product per row, not one over all rows: BLAS sums a column
            # in an order that depends on where it falls in the matrix, so a
            # row's outputs would depend on the other rows of its chunk.
            outputs = np.matmul(flat, copies.transpose(1, 0, 2))
            outputs = outputs.reshape(
                len(X), self.n_kernels_per_group, self.n_groups, X.shape[1]
            )
            blocks.extend(count_wins(outputs))
        # (blocks, rows, kernel, group) -> rows, then group-major kernels.
        return np.stack(blocks).transpose(1, 0, 3, 2).reshape(len(X), -1)

    def _column_names(self):
        """``<max|min>_d<dilation>_g<group>_k<kernel>`` for every column."""
        return [
            f"{won}_d{dilation}_g{group}_k{kernel}"
            for dilation in self.dilations_
            for won in ("max", "min")
            for group in range(self.n_groups)
            for kernel in range(self.n_kernels_per_group)
        ]


@Substitution()
class SparseScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Hydra's scaling of sparse counts: square root, then standardised where
    nonzero.

    Counts of competing kernels are skewed and mostly zero: each feature's
    square root (negative values clipped to 0) is centred and scaled by its
    training mean and standard deviation, and zeros stay zero, as Hydra's
    ``SparseScaler`` (Dempster, Schmidt and Webb, 2023). The standard
    deviation gets the feature's share of zeros to the power ``exponent``
    added, so that rare nonzero values are not blown up. A sparse matrix
    gives a CSR matrix of the same nonzeros.

    Parameters
    ----------
    exponent : float, default=4
        Power of the share of zeros added to each standard deviation.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features_in_,)
        Each feature's mean square root on the training rows.
    scale_ : ndarray of shape (n_features_in_,)
        Each feature's standard deviation of the square roots, plus its
        share of zeros to the power ``exponent`` (and 1e-8).
    {features_in}

    See Also
    --------
    CompetingKernels : The view whose counts this scales.

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import SparseScaler
    >>> X = np.array([[0.0, 4.0], [4.0, 16.0], [0.0, 4.0], [16.0, 16.0]])
    >>> SparseScaler().fit(X).transform(X).round(2).tolist()
    [[0.0, -1.0], [0.29, 1.0], [0.0, -1.0], [1.45, 1.0]]
    """

    _skmgm_label_free = True
    _parameter_constraints: dict = {
        "exponent": [Interval(Real, 0, None, closed="left")],
    }
    _accepted = {"dtype": FLOATS, "accept_sparse": ("csr", "csc")}

    def __init__(self, exponent=4):
        self.exponent = exponent

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each feature's mean and scale of square roots.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : SparseScaler
            The fitted scaler.
        """
        roots = self._roots(validate_data(self, X, **self._accepted))
        if sp.issparse(roots):
            self.mean_, variance = mean_variance_axis(roots, axis=0)
            std = np.sqrt(variance)
            zeros = 1 - count_nonzero(roots, axis=0) / roots.shape[0]
        else:
            self.mean_, std = roots.mean(axis=0), roots.std(axis=0)
            zeros = (roots == 0).mean(axis=0)
        self.scale_ = std + zeros**self.exponent + 1e-8
        return self

    def transform(self, X):
        """Standardise the nonzero square roots; zeros stay zero.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to scale.

        Returns
        -------
        X_scaled : {ndarray, CSR matrix} of shape (n_samples, n_features)
            In ``X``'s float dtype.
        """
        check_is_fitted(self)
        roots = self._roots(validate_data(self, X, reset=False, **self._accepted))
        if sp.issparse(roots):
            columns = roots.indices
            roots.data -= self.mean_[columns].astype(roots.dtype, copy=False)
            roots.data /= self.scale_[columns].astype(roots.dtype, copy=False)
            return roots
        scaled = (roots - self.mean_) / self.scale_
        return np.where(roots != 0, scaled, 0).astype(roots.dtype, copy=False)

    @staticmethod
    def _roots(X):
        if not sp.issparse(X):
            return np.sqrt(np.clip(X, 0, None))
        # A copy: the caller's matrix is never written to.
        roots = X.tocsr(copy=True)
        np.sqrt(np.clip(roots.data, 0, None), out=roots.data)
        roots.eliminate_zeros()  # a clipped negative is a zero, as in an array
        return roots

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = True
        return tags
