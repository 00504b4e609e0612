"""CompetingKernels: Hydra's transform, by hand and against the obvious loop."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skmgm.granularity import CompetingKernels, SparseScaler
from skmgm.granularity._competing import count_wins, hydra_dilations


def _reference_features(view, x):
    """Every group's competition, position by position, with Python's max."""
    x = np.concatenate([x, np.zeros(max(0, 9 - len(x)))])
    features = []
    for dilation, weights in zip(view.dilations_, view.weights_):
        n_kernels, n_groups, _ = weights.shape
        values = np.zeros((n_groups, n_kernels))
        counts = np.zeros((n_groups, n_kernels))
        for group in range(n_groups):
            for t in range(len(x)):
                outputs = [
                    sum(
                        weights[k, group, p] * x[t + (p - 4) * dilation]
                        for p in range(9)
                        if 0 <= t + (p - 4) * dilation < len(x)
                    )
                    for k in range(n_kernels)
                ]
                best = outputs.index(max(outputs))  # the first, on a tie
                values[group, best] += outputs[best]
                counts[group, outputs.index(min(outputs))] += 1
        features += [values.ravel(), counts.ravel()]
    return np.concatenate(features)


def test_wins_by_hand():
    # Two kernels, one group, one row: at each position the larger output
    # wins its value, the smaller one a count; the tie at t=2 goes to the
    # first kernel both times.
    outputs = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, 0.5, -1.0]])
    values, counts = count_wins(outputs[None, :, None, :])
    assert_allclose(values[0, :, 0], [1.0 + 0.5 + 3.0, 1.0])
    assert_allclose(counts[0, :, 0], [1 + 1, 1 + 1])


@pytest.mark.parametrize("n_distinct", [3, None])
def test_wins_equal_the_obvious_loop_with_and_without_ties(n_distinct):
    # Three distinct values give ties at most positions; normal draws none.
    rng = np.random.default_rng(0)
    shape = (4, 5, 3, 20)  # rows, kernels per group, groups, positions
    if n_distinct is None:
        outputs = rng.normal(size=shape)
    else:
        outputs = rng.integers(0, n_distinct, size=shape).astype(float)
    values_won, counts = count_wins(outputs)
    expected_values, expected_counts = np.zeros(shape[:3]), np.zeros(shape[:3])
    for row, group, t in np.ndindex(shape[0], shape[2], shape[3]):
        competing = list(outputs[row, :, group, t])
        best = competing.index(max(competing))  # the first, on a tie
        expected_values[row, best, group] += competing[best]
        expected_counts[row, competing.index(min(competing)), group] += 1
    assert_allclose(values_won, expected_values)
    assert_array_equal(counts, expected_counts)


def test_impulse_by_hand():
    # An impulse at t=4 of a length-9 series, dilation 1, one group of two
    # kernels: kernel 0 is +1 at its centre, kernel 1 is -1 there. Kernel 0
    # wins the maximum only at t=4 (value 1) and every tie (value 0); kernel 1
    # wins the minimum only at t=4.
    view = CompetingKernels(n_groups=1, n_kernels_per_group=2).fit(np.ones((1, 9)))
    weights = np.zeros((1, 2, 1, 9))
    weights[0, 0, 0, 4], weights[0, 1, 0, 4] = 1.0, -1.0
    view.weights_ = weights
    x = np.zeros((1, 9))
    x[0, 4] = 1.0
    assert_allclose(view.transform(x), [[1.0, 0.0, 8.0, 1.0]])


@pytest.mark.parametrize("length", [5, 30, 70])
def test_transform_equals_the_obvious_loop(length):
    X = np.random.default_rng(length).normal(size=(3, length))
    view = CompetingKernels(n_groups=3, n_kernels_per_group=4, random_state=0).fit(X)
    got = view.transform(X)
    for row in range(3):
        assert_allclose(got[row], _reference_features(view, X[row]), atol=1e-10)


def test_dilations_and_kernels_follow_hydra():
    assert hydra_dilations(150).tolist() == [1, 2, 4, 8, 16]  # 8 * 16 < 149
    assert hydra_dilations(9).tolist() == [1]
    view = CompetingKernels(random_state=0).fit(np.zeros((2, 150)))
    assert view.weights_.shape == (5, 8, 32, 9)
    assert_allclose(view.weights_.mean(axis=-1), 0, atol=1e-12)
    assert_allclose(np.abs(view.weights_).sum(axis=-1), 1)


def test_deterministic_float32_and_chunked(monkeypatch):
    import skmgm.granularity._competing as competing

    X = np.random.default_rng(1).normal(size=(30, 40)).astype(np.float32)
    view = CompetingKernels(n_groups=4, random_state=3)
    whole = view.fit(X).transform(X)
    assert whole.dtype == np.float32 and whole.shape == (30, 3 * 2 * 4 * 8)
    assert_array_equal(CompetingKernels(**view.get_params()).fit_transform(X), whole)
    # A row's features do not depend on the rows beside it in its chunk,
    # even in float32, where BLAS's order of summing would show.
    monkeypatch.setattr(competing, "_OUTPUT_ELEMENTS", 50)  # one row at a time
    assert_array_equal(view.transform(X), whole)
    order = np.random.default_rng(0).permutation(len(X))
    assert_array_equal(view.transform(X[order]), whole[order])
    names = view.get_feature_names_out()
    assert len(names) == whole.shape[1] and names[0] == "max_d1_g0_k0"
    assert names[32] == "min_d1_g0_k0"


def test_the_labels_and_the_rows_are_not_used():
    X = np.random.default_rng(2).normal(size=(20, 30))
    a = CompetingKernels(n_groups=2, random_state=0).fit(X, np.zeros(20))
    b = CompetingKernels(n_groups=2, random_state=0).fit(X[::-1] * 5, np.arange(20))
    assert_array_equal(a.transform(X), b.transform(X))


def test_bad_group_size_is_named():
    with pytest.raises(ValueError, match="n_kernels_per_group"):
        CompetingKernels(n_kernels_per_group=1).fit(np.ones((3, 12)))


def test_sparse_scaler_by_hand():
    # Column 0's square roots are 0, 2, 0, 4: mean 1.5, standard deviation
    # sqrt(11) / 2, half of them zero (0.5 ** 4 added to the scale); zeros
    # stay zero. Column 1's roots 2, 4, 2, 4 become -1, 1; a negative value
    # counts as zero.
    X = np.array([[0.0, 4.0], [4.0, 16.0], [-3.0, 4.0], [16.0, 16.0]])
    scaler = SparseScaler().fit(X)
    scale = np.sqrt(11) / 2 + 0.5**4 + 1e-8
    assert_allclose(scaler.mean_, [1.5, 3.0])
    assert_allclose(scaler.scale_, [scale, 1 + 1e-8])
    expected = [[0, -1], [0.5 / scale, 1], [0, -1], [2.5 / scale, 1]]
    assert_allclose(scaler.transform(X), expected, rtol=1e-7)
    assert_allclose(SparseScaler(exponent=0).fit(X).scale_[0], np.sqrt(11) / 2 + 1)


def test_sparse_scaler_equals_hydras_formula():
    """Hydra's SparseScaler, step by step, fitted on some rows of counts like
    the view's and applied to all."""
    rng = np.random.default_rng(0)
    X = rng.poisson(0.7, size=(50, 12)).astype(np.float32)
    X[:, 3] = 0  # a feature that is always zero stays zero
    roots = np.sqrt(X.astype(np.float64))
    train = roots[:40]
    scale = train.std(axis=0) + (train == 0).mean(axis=0) ** 4 + 1e-8
    expected = (roots - train.mean(axis=0)) * (roots != 0) / scale
    got = SparseScaler().fit(X[:40]).transform(X)
    assert got.dtype == np.float32
    assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert not got[:, 3].any()


@pytest.mark.parametrize("to_sparse", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_scaler_gives_a_sparse_matrix_s_the_array_s_values(to_sparse, dtype):
    rng = np.random.default_rng(0)
    X = rng.poisson(0.7, size=(50, 12)).astype(dtype)
    X[:, 3] = 0
    X[0, 0] = -2.0  # a zero once clipped, in the matrix as in the array
    X_sparse = to_sparse(X)
    kept = X_sparse.copy()
    dense = SparseScaler().fit(X[:40])
    scaler = SparseScaler().fit(X_sparse[:40])
    got = scaler.transform(X_sparse)
    assert sp.issparse(got) and got.format == "csr" and got.dtype == dtype
    assert_allclose(scaler.mean_, dense.mean_, rtol=1e-6)
    assert_allclose(scaler.scale_, dense.scale_, rtol=1e-6)
    assert_allclose(got.toarray(), dense.transform(X), rtol=1e-5, atol=1e-6)
    # Zeros stay zeros: no more stored values than the input's nonzeros.
    assert got.nnz == np.count_nonzero(X > 0)
    assert_array_equal(X_sparse.toarray(), kept.toarray())
