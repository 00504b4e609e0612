"""Ridge models that keep their leave-one-out predictions: the closed form
against refitting without each row, the penalty against scikit-learn's."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import Ridge, RidgeClassifier, RidgeClassifierCV, RidgeCV

from skmgm.linear_model import LeaveOneOutRidge, LeaveOneOutRidgeClassifier

ALPHAS = [0.01, 0.1, 1.0, 10.0]


def _left_out_by_refitting(model, X, y, alpha, sample_weight=None):
    """Each row's prediction by a model fitted on the other rows."""
    method = "decision_function" if isinstance(model, RidgeClassifier) else "predict"
    predictions = []
    for row in range(len(y)):
        others = np.arange(len(y)) != row
        weights = None if sample_weight is None else sample_weight[others]
        fitted = model.set_params(alpha=alpha).fit(
            X[others], y[others], sample_weight=weights
        )
        predictions.append(getattr(fitted, method)(X[row : row + 1])[0])
    return np.array(predictions)


@pytest.mark.parametrize("shape", [(40, 6), (30, 80)])  # covariance, Gram
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_leave_one_out_decision_values_are_those_of_refitting(
    shape, n_classes, weighted
):
    rng = np.random.default_rng(0)
    X = rng.normal(size=shape)
    y = rng.integers(0, n_classes, size=shape[0])
    weights = rng.uniform(0.5, 3, size=shape[0]) if weighted else None
    clf = LeaveOneOutRidgeClassifier(ALPHAS).fit(X, y, sample_weight=weights)
    expected = _left_out_by_refitting(RidgeClassifier(), X, y, clf.alpha_, weights)
    assert_allclose(clf.loo_decision_function_, expected, atol=1e-10)
    # The model itself is scikit-learn's ridge classifier at that penalty.
    ridge = RidgeClassifier(alpha=clf.alpha_).fit(X, y, sample_weight=weights)
    assert_allclose(clf.decision_function(X), ridge.decision_function(X), atol=1e-10)
    assert clf.loo_decision_function_.shape == ridge.decision_function(X).shape


@pytest.mark.parametrize("multi_output", [False, True])
def test_leave_one_out_predictions_are_those_of_refitting(multi_output):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(35, 5))
    y = X @ rng.normal(size=(5, 2 if multi_output else 1)) + rng.normal(size=(35, 1))
    y = y if multi_output else y[:, 0]
    reg = LeaveOneOutRidge(ALPHAS).fit(X, y)
    expected = _left_out_by_refitting(Ridge(), X, y, reg.alpha_)
    assert_allclose(reg.loo_prediction_, expected, atol=1e-10)
    assert reg.loo_prediction_.shape == y.shape
    assert_allclose(reg.predict(X), Ridge(alpha=reg.alpha_).fit(X, y).predict(X))


def test_without_weights_the_penalty_is_scikit_learn_s_choice():
    rng = np.random.default_rng(2)
    for n_samples, n_features in [(60, 8), (40, 100)]:
        X = rng.normal(size=(n_samples, n_features))
        y = (X[:, 0] + rng.normal(size=n_samples) > 0).astype(int)
        ours = LeaveOneOutRidgeClassifier(ALPHAS).fit(X, y)
        theirs = RidgeClassifierCV(ALPHAS).fit(X, y)
        assert ours.alpha_ == theirs.alpha_
        assert ours.best_score_ == pytest.approx(theirs.best_score_)
        target = X[:, 1] + rng.normal(size=n_samples)
        ours = LeaveOneOutRidge(ALPHAS).fit(X, target)
        theirs = RidgeCV(ALPHAS).fit(X, target)
        assert ours.alpha_ == theirs.alpha_
        assert ours.best_score_ == pytest.approx(theirs.best_score_)


def test_a_weight_of_k_counts_as_k_repeated_rows():
    """The penalty is chosen by leaving out one unit of weight: a row of
    weight 3 is three rows, and one of weight 0 is no row."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 30))
    y = rng.integers(0, 3, size=20)
    weights = rng.integers(0, 4, size=20)
    weighted = LeaveOneOutRidgeClassifier(ALPHAS).fit(X, y, sample_weight=weights)
    repeated = LeaveOneOutRidgeClassifier(ALPHAS).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    assert weighted.alpha_ == repeated.alpha_
    assert weighted.best_score_ == pytest.approx(repeated.best_score_)
    assert_allclose(weighted.coef_, repeated.coef_, atol=1e-10)
    # A row of no weight is left out of the fit already: its leave-one-out
    # decision values are the model's.
    unweighted = weights == 0
    assert unweighted.any()
    assert_allclose(
        weighted.loo_decision_function_[unweighted],
        weighted.decision_function(X[unweighted]),
    )


def test_float32_rows_give_what_float64_rows_give():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 50)).astype(np.float32)
    y = rng.integers(0, 2, size=30)
    single = LeaveOneOutRidgeClassifier(ALPHAS).fit(X, y)
    double = LeaveOneOutRidgeClassifier(ALPHAS).fit(X.astype(np.float64), y)
    assert single.alpha_ == double.alpha_
    assert_allclose(single.loo_decision_function_, double.loo_decision_function_)


@pytest.mark.parametrize("alphas", [[0.0, 1.0], [-1.0], []])
def test_alphas_must_be_positive(alphas):
    X, y = np.eye(4), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"alphas=.* must be one or more positive"):
        LeaveOneOutRidgeClassifier(alphas).fit(X, y)


@pytest.mark.parametrize(
    "weights, message",
    [(np.zeros(4), "at least one non-zero"), (-np.ones(4), "Negative values")],
)
def test_weights_must_be_non_negative_and_not_all_zero(weights, message):
    X, y = np.eye(4), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=message):
        LeaveOneOutRidgeClassifier().fit(X, y, sample_weight=weights)


def test_one_class_is_refused_by_name():
    with pytest.raises(ValueError, match="only one class: 7"):
        LeaveOneOutRidgeClassifier().fit(np.eye(3), [7, 7, 7])


def test_the_caller_s_arrays_are_left_alone():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(12, 4)), np.repeat([0, 1], 6)
    weights = rng.uniform(1, 2, size=12)
    copies = X.copy(), y.copy(), weights.copy()
    LeaveOneOutRidgeClassifier().fit(X, y, sample_weight=weights)
    for original, copy in zip((X, y, weights), copies):
        assert_array_equal(original, copy)
