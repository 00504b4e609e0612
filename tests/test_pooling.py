import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmgm.granularity import Pool1D, Pool2D
from skmgm.granularity._pooling import window_bounds


def test_window_bounds_keep_the_last_partial_window():
    assert window_bounds(10, 4, 4) == [(0, 4), (4, 8), (8, 10)]
    assert window_bounds(10, 4, 2) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    assert window_bounds(8, 4, 4) == [(0, 4), (4, 8)]
    assert window_bounds(11, 2, 4) == [(0, 2), (4, 6), (8, 10)]  # gaps by choice
    assert window_bounds(3, 3, 1) == [(0, 3)]


def test_pool1d_hand_checked_values():
    X = np.array([[1.0, 3.0, 2.0, 6.0, 5.0], [0.0, 0.0, 4.0, 4.0, 8.0]])
    pool = Pool1D(window=2, stats=("mean", "std", "min", "max", "slope"))
    out = pool.fit_transform(X)
    expected = [
        # mean       std          min        max        slope
        [2, 4, 5, 1, 2, 0, 1, 2, 5, 3, 6, 5, 2, 4, 0],
        [0, 4, 8, 0, 0, 0, 0, 4, 8, 0, 4, 8, 0, 0, 0],
    ]
    assert_allclose(out, expected)
    names = pool.get_feature_names_out()
    assert list(names[:3]) == ["mean_0_2", "mean_2_4", "mean_4_5"]
    assert len(names) == out.shape[1]


def test_pool1d_overlapping_windows_and_slope():
    X = np.array([[0.0, 1.0, 4.0, 9.0]])
    out = Pool1D(window=3, stride=1, stats=("mean", "slope")).fit_transform(X)
    assert_allclose(out, [[5 / 3, 14 / 3, 2.0, 4.0]])


def test_pool1d_preserves_float32():
    X = np.arange(12, dtype=np.float32).reshape(2, 6)
    assert Pool1D(window=4).fit_transform(X).dtype == np.float32


def test_pool2d_hand_checked_values_with_partial_blocks():
    X = np.arange(15.0).reshape(1, 15)  # one 3x5 image
    pool = Pool2D(image_shape=(3, 5), window=2, stats=("mean", "max"))
    out = pool.fit_transform(X)
    # Blocks: rows [0:2] and [2:3], columns [0:2], [2:4] and [4:5].
    means = [3.0, 5.0, 6.5, 10.5, 12.5, 14.0]
    maxes = [6.0, 8.0, 9.0, 11.0, 13.0, 14.0]
    assert_allclose(out, [means + maxes])
    assert pool.get_feature_names_out()[0] == "mean_r0_2_c0_2"


def test_pool2d_infers_one_side_and_takes_rectangular_windows():
    X = np.arange(16.0).reshape(1, 16)
    out = Pool2D(image_shape=(-1, 4), window=(4, 1)).fit_transform(X)
    assert_allclose(out, [[6.0, 7.0, 8.0, 9.0]])


def test_pooling_is_stateless_and_does_not_modify_input():
    X = np.arange(20.0).reshape(2, 10)
    before = X.copy()
    unfitted = Pool1D(window=5).transform(X)
    assert_array_equal(unfitted, Pool1D(window=5).fit(X).transform(X))
    assert_array_equal(X, before)


@pytest.mark.parametrize(
    "pool, n_features, match",
    [
        (Pool1D(window=6), 5, r"window=6 is longer than the rows \(n_features = 5\)"),
        (
            Pool1D(window=2, stats=("mean", "median")),
            5,
            r"stats=.* holds unknown names \['median'\]",
        ),
        (
            Pool2D((3, 3), 2),
            10,
            r"image_shape=\(3, 3\) does not fit rows of n_features = 10",
        ),
        (Pool2D((2, 2), 3), 4, r"window=3 is larger than the images \(2, 2\)"),
        (
            Pool2D((2, 2), 1, stats="slope"),
            4,
            r"stats='slope' holds unknown names \['slope'\]",
        ),
        (Pool2D((2, 2), (1, 2, 3)), 4, "window=.* must be a positive int or a pair"),
        (Pool1D(window=2, stats=()), 5, r"stats=\(\) is empty"),
        (
            Pool2D((2, 2), 1, stats=("max", "mean", "max")),
            4,
            r"stats=.* names \['max'\] more than once",
        ),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(pool, n_features, match):
    with pytest.raises(ValueError, match=match):
        pool.fit(np.ones((3, n_features)))


def test_nan_is_refused():
    X = np.ones((3, 4))
    X[0, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Pool1D(window=2).fit(X)


def test_invalid_window_type_is_refused_by_parameter_validation():
    with pytest.raises(ValueError, match="'window' parameter of Pool1D"):
        Pool1D(window=0).fit(np.ones((2, 3)))
