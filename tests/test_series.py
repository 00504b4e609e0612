"""Derivative, Spectrum and IntervalQuantiles: hand-checked and against loops."""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from numpy.testing import assert_allclose, assert_array_equal

from skmgm.granularity import Derivative, IntervalQuantiles, Spectrum
from skmgm.granularity._series import _interval_quantiles, dyadic_intervals


def test_derivative_by_hand_and_float32_kept():
    X = np.array([[1.0, 4.0, 9.0, 16.0]], dtype=np.float32)
    assert_array_equal(Derivative().fit_transform(X), [[3.0, 5.0, 7.0]])
    assert_array_equal(Derivative(order=2).fit_transform(X), [[2.0, 2.0]])
    assert Derivative().fit_transform(X).dtype == np.float32


def test_derivative_names_the_order_when_series_are_too_short():
    with pytest.raises(ValueError, match="order=3 needs series of more than 3"):
        Derivative(order=3).fit(np.ones((2, 3)))


def test_spectrum_by_hand():
    # cos(2 pi t / 4): all energy at frequency 1, magnitude n / 2.
    X = np.array([[1.0, 0.0, -1.0, 0.0]])
    assert_allclose(Spectrum().fit_transform(X), [[0.0, 2.0, 0.0]], atol=1e-12)
    assert Spectrum().fit(X).get_feature_names_out().tolist() == [
        "spectrum_0",
        "spectrum_1",
        "spectrum_2",
    ]


def test_dyadic_intervals_follow_quant():
    # Depths 0..2 of 8 positions, shifted by half an interval from depth 1 on.
    assert [interval[:3] for interval in dyadic_intervals(8, 3)] == [
        (0, 0, 8),
        (1, 0, 4), (1, 4, 8), (1, 2, 6),
        (2, 0, 2), (2, 2, 4), (2, 4, 6), (2, 6, 8), (2, 1, 3), (2, 3, 5), (2, 5, 7),
    ]  # fmt: skip
    assert [shifted for *_, shifted in dyadic_intervals(8, 3)] == [
        False, False, False, True, False, False, False, False, True, True, True,
    ]  # fmt: skip
    # Never finer than one position, and no shift of one-position intervals.
    assert max(d for d, *_ in dyadic_intervals(4, 6)) == 2
    assert all(b - a == 1 for d, a, b, _ in dyadic_intervals(4, 6) if d == 2)


def test_interval_names_tell_a_shifted_interval_from_its_twin():
    # 9 positions in 4 intervals: edges 0, 2, 4, 6, 9 and a shift of 2, so
    # the shifted (0, 2) covers the unshifted (2, 4): same columns, as in QUANT,
    # but not the same names (pandas output needs them unique).
    view = IntervalQuantiles(depth=3).fit(np.zeros((1, 9)))
    names = view.get_feature_names_out().tolist()
    assert "d2_2_4_q0" in names and "d2s_2_4_q0" in names
    for length in range(1, 300):
        names = IntervalQuantiles().fit(np.zeros((1, length))).get_feature_names_out()
        assert len(set(names)) == len(names), length


def test_interval_quantiles_by_hand():
    X = np.array([[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]])
    view = IntervalQuantiles(depth=2, shifted=True).fit(X)
    # Whole series (8 positions): 1 + 7 // 4 = 2 quantiles, min and max - mean.
    # Halves and the shifted half (4 positions): one quantile each, the median.
    assert_allclose(view.transform(X), [[0.0, 7.0 - 3.5, 1.5, 5.5, 3.5]])


def _reference_interval_quantiles(X, depth, div):
    """The obvious loop: every interval of every row, one at a time."""
    rows = []
    for x in X:
        features = []
        for _, start, stop, _ in dyadic_intervals(len(x), depth):
            window = x[start:stop]
            count = 1 + (len(window) - 1) // div
            if len(window) == 1:
                features.append(window[0])
            elif count == 1:
                features.append(np.median(window))
            else:
                for k, q in enumerate(np.linspace(0, 1, count)):
                    value = np.quantile(window, q)
                    features.append(value - window.mean() if k % 2 else value)
        rows.append(features)
    return np.array(rows)


@pytest.mark.parametrize("length", [9, 24, 57, 150])
def test_interval_quantiles_equal_the_obvious_loop(length):
    X = np.random.default_rng(length).normal(size=(7, length))
    got = IntervalQuantiles(depth=6, div=4).fit_transform(X)
    assert_allclose(got, _reference_interval_quantiles(X, 6, 4), atol=1e-12)


def test_interval_quantiles_in_chunks_equal_one_block(monkeypatch):
    import skmgm.granularity._series as series

    X = np.random.default_rng(0).normal(size=(25, 40)).astype(np.float32)
    whole = IntervalQuantiles().fit_transform(X)
    monkeypatch.setattr(series, "_CHUNK_ROWS", 4)
    assert_array_equal(IntervalQuantiles().fit_transform(X), whole)
    assert whole.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "width, starts", [(9, [0, 3, 31]), (250, [0, 125]), (2500, [0])]
)
def test_interval_quantiles_are_numpys_bit_for_bit(dtype, width, starts):
    X = np.random.default_rng(width).normal(size=(5, 2600)).cumsum(axis=1)
    X = X.astype(dtype)
    windows = sliding_window_view(X, width, axis=1)[:, starts, :]
    count = 1 + (width - 1) // 4
    expected = np.moveaxis(
        np.quantile(windows, np.linspace(0, 1, count), axis=-1), 0, -1
    )
    expected[..., 1::2] -= windows.mean(axis=-1, keepdims=True)
    assert_array_equal(_interval_quantiles(X, np.array(starts), width, 4), expected)
