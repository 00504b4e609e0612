"""DilatedKernels: MiniRocket's transform, by hand and against the obvious loop;
KernelView: what the kernel views share."""

import threading

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from skmgm._backend import threads_for_kernel_views
from skmgm.granularity import CompetingKernels, DilatedKernels
from skmgm.granularity import _competing as competing
from skmgm.granularity import _kernels as kernels
from skmgm.granularity._kernels import (
    KERNEL_INDICES,
    convolutions,
    fit_dilations,
    golden_quantiles,
    own_quantiles,
    pool,
)


def _kernel_weights(k):
    weights = -np.ones(9)
    weights[KERNEL_INDICES[k]] = 2
    return weights


def _reference_convolution(x, k, dilation):
    """The obvious loop: a zero-padded dilated convolution, position by position."""
    weights = _kernel_weights(k)
    out = np.zeros(len(x))
    for t in range(len(x)):
        for p, w in enumerate(weights):
            source = t + (p - 4) * dilation
            if 0 <= source < len(x):
                out[t] += w * x[source]
    return out


def test_84_kernels_of_three_twos_and_six_minus_ones():
    assert KERNEL_INDICES.shape == (84, 3)
    assert all(_kernel_weights(k).sum() == 0 for k in range(84))


def test_convolution_by_hand():
    # A unit impulse at t=5: kernel 0 (weights 2 at positions 0, 1, 2) puts
    # its reversed weights around the impulse.
    x = np.zeros((1, 11))
    x[0, 5] = 1.0
    out = convolutions(x, 1)[0, 0]
    assert_array_equal(out, [0, -1, -1, -1, -1, -1, -1, 2, 2, 2, 0])


@pytest.mark.parametrize("dilation", [1, 2, 5])
def test_convolutions_equal_the_obvious_loop(dilation):
    X = np.random.default_rng(dilation).normal(size=(3, 47))
    got = convolutions(X, dilation)
    for k in (0, 17, 83):
        for row in range(3):
            expected = _reference_convolution(X[row], k, dilation)
            assert_allclose(got[k, row], expected, atol=1e-12)


def test_poolings_by_hand():
    C = np.array([[1.0, 3.0, -1.0, 2.0, 4.0, -2.0]])
    ppv, mpv, mipv, lspv = pool(C, np.array([0.0]), ("ppv", "mpv", "mipv", "lspv"))
    assert_allclose(ppv, [[4 / 6]])  # 1, 3, 2, 4 are positive
    assert_allclose(mpv, [[(1 + 3 + 2 + 4) / 4]])
    assert_allclose(mipv, [[(0 + 1 + 3 + 4) / 4]])
    assert_allclose(lspv, [[2]])
    none = pool(C, np.array([10.0]), ("ppv", "mpv", "mipv", "lspv"))
    assert_allclose(none.ravel(), [0, 0, -1, 0])


def _reference_features(view, x):
    """PPV of every (dilation, kernel, bias), one at a time, as MiniRocket."""
    features = []
    for d, (dilation, biases) in enumerate(zip(view.dilations_, view.biases_)):
        margin = 4 * dilation
        for k in range(84):
            C = _reference_convolution(x, k, dilation)
            if (d + k) % 2:
                C = C[margin:-margin]
            features += [np.mean(C > bias) for bias in biases[k]]
    return np.array(features)


def test_transform_equals_the_obvious_loop():
    X = np.random.default_rng(0).normal(size=(4, 60))
    view = DilatedKernels(n_features=840, random_state=0).fit(X)
    got = view.transform(X)
    for row in range(4):
        assert_allclose(got[row], _reference_features(view, X[row]), atol=1e-12)


def test_dilations_and_quantiles_follow_minirocket():
    dilations, counts = fit_dilations(150, 10_000, 32)
    assert dilations[0] == 1 and dilations[-1] <= (150 - 1) / 8
    assert counts.sum() == 10_000 // 84
    assert_allclose(golden_quantiles(3), [0.618034, 0.236068, 0.854102], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_own_quantiles_equal_numpys_row_by_row(dtype):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(84, 37)).astype(dtype)
    values[:, :10] = values[:, 10:20]  # ties
    levels = np.column_stack([rng.uniform(size=(84, 5)), np.zeros(84), np.ones(84)])
    got = own_quantiles(values, levels)
    expected = [np.quantile(row, q) for row, q in zip(values, levels)]
    assert got.dtype == dtype
    assert_array_equal(got, np.array(expected, dtype=dtype))
    by_hand = own_quantiles(np.array([[3.0, 1.0, 2.0]]), np.array([[0.25, 0.75]]))
    assert_array_equal(by_hand, [[1.5, 2.5]])  # sorted 1, 2, 3 at 0.5 and 1.5


def test_deterministic_float32_and_chunked(monkeypatch):
    X = np.random.default_rng(1).normal(size=(30, 40)).astype(np.float32)
    poolings = ("ppv", "mpv", "mipv", "lspv")
    view = DilatedKernels(n_features=168, pooling=poolings, random_state=3)
    whole = view.fit(X).transform(X)  # all kernels of a padding pooled together
    assert whole.dtype == np.float32 and whole.shape == (30, 4 * 168)
    assert_array_equal(DilatedKernels(**view.get_params()).fit_transform(X), whole)
    monkeypatch.setattr(kernels, "_CHUNK_ELEMENTS", 50)  # one row, one kernel
    assert_array_equal(view.transform(X), whole)
    assert len(view.get_feature_names_out()) == whole.shape[1]


def test_the_labels_are_not_used():
    X = np.random.default_rng(2).normal(size=(20, 30))
    a = DilatedKernels(n_features=84, random_state=0).fit(X, np.zeros(20))
    b = DilatedKernels(n_features=84, random_state=0).fit(X, np.arange(20))
    assert_array_equal(a.transform(X), b.transform(X))


def test_unknown_pooling_is_named():
    with pytest.raises(ValueError, match=r"pooling=\('ppv', 'max'\).*\['max'\]"):
        DilatedKernels(pooling=("ppv", "max")).fit(np.ones((3, 12)))


@pytest.mark.parametrize(
    "view",
    [
        DilatedKernels(n_features=840, random_state=0),
        CompetingKernels(4, random_state=0),
    ],
    ids=["DilatedKernels", "CompetingKernels"],
)
def test_dtype_is_the_float_type_the_view_computes_in(view):
    X = np.random.default_rng(0).normal(size=(30, 60))
    default = clone(view).fit(X).transform(X)
    single = clone(view).set_params(dtype=np.float32).fit(X)
    single_view = single.transform(X)
    assert (default.dtype, single_view.dtype) == (np.float64, np.float32)
    # Rounding may move an output across a bias, or change which kernel wins,
    # at a few positions: the features stay close, not equal.
    assert np.mean(np.abs(single_view - default) > 1e-4) < 0.01
    for fitted in getattr(single, "biases_", []):
        assert fitted.dtype == np.float32
    X32 = X.astype(np.float32)
    double = clone(view).set_params(dtype=np.float64).fit(X32).transform(X32)
    assert double.dtype == np.float64
    assert clone(view).fit(X32).transform(X32).dtype == np.float32


def test_kernel_views_transform_on_one_blas_thread(monkeypatch):
    """So that the view is the same wherever it is computed: BLAS on more
    threads sums the competing kernels' products in another order."""
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = []
    features = CompetingKernels._features

    def spy(self, X, scale):
        infos = threadpool_info()
        seen.append({i["num_threads"] for i in infos if i["user_api"] == "blas"})
        return features(self, X, scale)

    monkeypatch.setattr(CompetingKernels, "_features", spy)
    X = np.random.default_rng(0).normal(size=(30, 60))
    # The suite keeps BLAS to one thread: let it have two.
    with threadpool_limits(2, user_api="blas"):
        CompetingKernels(4, random_state=0).fit(X).transform(X)
    assert seen and all(threads <= {1} for threads in seen)


def _chunk_rows_of(view_type, monkeypatch):
    """The rows of every chunk that ``view_type`` transforms, as a list
    filled in as they come."""
    chunk_rows = []
    features = view_type._features

    def spy(self, X, scale):
        chunk_rows.append(len(X))
        return features(self, X, scale)

    monkeypatch.setattr(view_type, "_features", spy)
    return chunk_rows


@pytest.mark.parametrize(
    "view",
    [
        DilatedKernels(n_features=168, pooling=("ppv", "lspv"), random_state=0),
        CompetingKernels(4, random_state=0),
    ],
    ids=["DilatedKernels", "CompetingKernels"],
)
def test_threads_transform_chunks_of_rows_to_the_same_values(view, monkeypatch):
    """A chunk per thread at least, from ``n_jobs``, from joblib's context (a
    stage of a staged fit lends its idle cores so) or lent by a predict, and
    the same values."""
    X = np.random.default_rng(0).normal(size=(31, 60))
    one_thread = clone(view).fit(X).transform(X)
    chunk_rows = _chunk_rows_of(type(view), monkeypatch)
    threads = clone(view).set_params(n_jobs=3).fit(X)
    assert_array_equal(threads.transform(X), one_thread)
    assert sorted(chunk_rows) == [10, 10, 11]
    chunk_rows.clear()
    with parallel_config(backend="threading", n_jobs=2):
        assert_array_equal(clone(view).fit(X).transform(X), one_thread)
    assert sorted(chunk_rows) == [15, 16]
    chunk_rows.clear()
    with threads_for_kernel_views(2):
        assert_array_equal(clone(view).fit(X).transform(X), one_thread)
    assert sorted(chunk_rows) == [15, 16]
    chunk_rows.clear()
    assert_array_equal(threads.transform(X[:2]), one_thread[:2])
    assert chunk_rows == [1, 1]


@pytest.mark.parametrize(
    "view, module, constant",
    [
        (DilatedKernels(n_features=168, random_state=0), kernels, "_CHUNK_ELEMENTS"),
        (CompetingKernels(4, random_state=0), competing, "_OUTPUT_ELEMENTS"),
    ],
    ids=["DilatedKernels", "CompetingKernels"],
)
def test_threads_share_larger_chunks(view, module, constant, monkeypatch):
    """Side by side in threads, each chunk holds ``_threads_scale`` times the
    rows of one thread's (fewer, longer numpy calls), to the same values."""
    X = np.random.default_rng(0).normal(size=(64, 60))
    one_thread = clone(view).fit(X)
    # Two rows a chunk on one thread.
    monkeypatch.setattr(module, constant, 2 * 60 * getattr(view, "_n_kernels", 1))
    chunk_rows = _chunk_rows_of(type(view), monkeypatch)
    expected = one_thread.transform(X)
    assert set(chunk_rows) == {2}
    chunk_rows.clear()
    threads = clone(one_thread).set_params(n_jobs=2).fit(X)
    assert_array_equal(threads.transform(X), expected)
    assert set(chunk_rows) == {2 * view._threads_scale}


def test_chunks_stay_in_threads_under_a_process_backend(monkeypatch):
    """Chunks are numpy work on shared arrays: threads, whatever backend the
    caller configured (processes would copy every chunk)."""
    X = np.random.default_rng(0).normal(size=(8, 30))
    view = DilatedKernels(n_features=84, random_state=0, n_jobs=2).fit(X)
    threads = []
    features = DilatedKernels._features

    def spy(self, X, scale):
        threads.append(threading.current_thread())
        return features(self, X, scale)

    monkeypatch.setattr(DilatedKernels, "_features", spy)
    with parallel_config(backend="loky"):
        view.transform(X)
    assert len(threads) == 2
