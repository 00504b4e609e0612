"""ShiftAugmented: the copies it trains on, by hand, and what they teach."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, is_classifier, is_regressor
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import SVC

from skmgm.granularity import ShiftAugmented
from skmgm.granularity._shifts import image_shifts, shift_images


class _Recorder(ClassifierMixin, BaseEstimator):
    """Remembers what ``fit`` was given; predicts the first class."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_, self.sample_weight_ = X, y, sample_weight
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        self.predicted_ = X
        return np.full(len(X), self.classes_[0])


def test_a_shift_moves_the_pixels_and_fills_what_it_uncovers():
    image = np.arange(1.0, 10.0).reshape(1, 3, 3)
    down = shift_images(image, 1, 0, 0.0)
    left = shift_images(image, 0, -1, -1.0)
    np.testing.assert_array_equal(down[0], [[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(left[0], [[2, 3, -1], [5, 6, -1], [8, 9, -1]])
    np.testing.assert_array_equal(image[0], np.arange(1.0, 10.0).reshape(3, 3))


def test_the_shifts_go_both_ways_along_the_sides_longer_than_them():
    assert image_shifts(8, 8, 1) == [(1, 0), (-1, 0), (0, 1), (0, -1)]
    assert len(image_shifts(8, 8, 2)) == 8
    assert image_shifts(1, 5, 2) == [(0, 1), (0, -1), (0, 2), (0, -2)]
    assert image_shifts(2, 1, 3) == [(1, 0), (-1, 0)]


def test_the_estimator_is_fitted_on_the_images_and_their_copies():
    X = np.arange(24.0).reshape(2, 12)  # two 3x4 images
    y = np.array([0, 1])
    weights = np.array([1.0, 3.0])
    X_before = X.copy()
    model = ShiftAugmented(_Recorder(), image_shape=(3, -1)).fit(X, y, weights)
    images = X.reshape(2, 3, 4)
    expected = np.concatenate(
        [images]
        + [
            shift_images(images, r, c, 0.0)
            for r, c in [(1, 0), (-1, 0), (0, 1), (0, -1)]
        ]
    ).reshape(-1, 12)
    fitted = model.estimator_
    np.testing.assert_array_equal(fitted.X_, expected)
    np.testing.assert_array_equal(fitted.y_, np.tile(y, 5))
    np.testing.assert_array_equal(fitted.sample_weight_, np.tile(weights, 5))
    assert model.n_copies_ == 5
    np.testing.assert_array_equal(X, X_before)
    # No weights given: none passed on, so estimators without them still fit.
    assert (
        ShiftAugmented(_Recorder(), (3, 4)).fit(X, y).estimator_.sample_weight_ is None
    )


def test_predictions_are_the_estimators_on_the_images_as_given():
    X = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    model = ShiftAugmented(_Recorder(), image_shape=(2, 2)).fit(X, [0, 1] * 3)
    model.predict(X)
    np.testing.assert_array_equal(model.estimator_.predicted_, X)
    assert model.estimator_.X_.dtype == np.float32


def test_it_is_what_its_estimator_is_and_offers_its_methods():
    classifier = ShiftAugmented(LogisticRegression(), image_shape=(1, -1))
    regressor = ShiftAugmented(Ridge(), image_shape=(1, -1))
    assert is_classifier(classifier) and not is_regressor(classifier)
    assert is_regressor(regressor) and not is_classifier(regressor)
    assert hasattr(classifier, "predict_proba")
    assert not hasattr(ShiftAugmented(SVC(), (1, -1)), "predict_proba")
    assert not hasattr(regressor, "decision_function")


def test_the_copies_teach_that_a_shifted_digit_is_the_same_digit():
    X, y = load_digits(return_X_y=True)
    images = X[1::2].reshape(-1, 8, 8)
    moved = np.concatenate(
        [shift_images(images, r, c, 0.0) for r, c in image_shifts(8, 8, 1)]
    ).reshape(-1, 64)
    y_moved = np.tile(y[1::2], 4)
    plain = SVC(C=10).fit(X[::2], y[::2]).score(moved, y_moved)
    shifted = ShiftAugmented(SVC(C=10), (8, 8)).fit(X[::2], y[::2])
    # Measured: 0.51 against 0.98 on the held-out digits moved by a pixel.
    assert shifted.score(moved, y_moved) > plain + 0.3


@pytest.mark.parametrize(
    "params, match",
    [
        ({"image_shape": (3, 3)}, r"ShiftAugmented: image_shape=\(3, 3\) does not fit"),
        ({"image_shape": (0, -1)}, r"ShiftAugmented: image_shape=\(0, -1\)"),
        ({"image_shape": (2, 2), "max_shift": 0}, "'max_shift' parameter"),
    ],
)
def test_a_bad_parameter_is_named(params, match):
    X = np.zeros((4, 4))
    with pytest.raises(ValueError, match=match):
        ShiftAugmented(_Recorder(), **params).fit(X, [0, 1, 0, 1])
