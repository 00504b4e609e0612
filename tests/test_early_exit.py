"""Coarse-to-fine early exit: calibration, which levels run, probabilities."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import LinearSVC

from skmgm import MultiGranularityClassifier
from skmgm._early_exit import (
    EXIT_MARGIN_Z,
    NEVER,
    levels_between_exits,
    loosest_threshold,
)

# Rows each level's view transformed, by the id in column 0 (module level:
# clone() copies parameters, so a log passed as a parameter would be a copy).
_SEEN = {"coarse": [], "fine": []}


def _coarse_view(X):
    _SEEN["coarse"].extend(X[:, 0].tolist())
    return X[:, 1:4]


def _fine_view(X):
    _SEEN["fine"].extend(X[:, 0].tolist())
    return X[:, 1:]


@pytest.fixture
def id_data(multiclass_data):
    """The multiclass data with a row id in column 0."""
    X, y = multiclass_data
    return np.column_stack([np.arange(len(X)), X]), y


def _levels():
    return [
        ("coarse", FunctionTransformer(_coarse_view), LogisticRegression()),
        (
            "fine",
            FunctionTransformer(_fine_view),
            RandomForestClassifier(50, random_state=0),
        ),
    ]


CV = StratifiedKFold(5, shuffle=True, random_state=0)
# 180 rows: one sample is 0.56 points, more than the default 0.5-point budget,
# and the margin for the noise of the out-of-fold change takes a few more.
TOLERANCE = 0.05


def test_thresholds_reproduce_the_calibrated_out_of_fold_accuracy(id_data):
    X, y = id_data
    clf = MultiGranularityClassifier(
        _levels(), cv=CV, early_exit="auto", early_exit_tolerance=TOLERANCE
    ).fit(X, y)
    # Recompute every out-of-fold prediction independently, on the same folds.
    coarse = cross_val_predict(
        LogisticRegression(), X[:, 1:4], y, cv=CV, method="predict_proba"
    )
    fine = cross_val_predict(
        RandomForestClassifier(50, random_state=0),
        X[:, 1:],
        y,
        cv=CV,
        method="predict_proba",
    )
    stack = cross_val_predict(LogisticRegression(), np.hstack([coarse, fine]), y, cv=CV)
    threshold = clf.early_exit_thresholds_["coarse"]
    exits = coarse.max(axis=1) > threshold
    cascade = np.where(exits, coarse.argmax(axis=1), stack)
    assert clf.early_exit_scores_["stack"] == pytest.approx(accuracy_score(y, stack))
    assert clf.early_exit_scores_["cascade"] == pytest.approx(
        accuracy_score(y, cascade)
    )
    assert (
        clf.early_exit_scores_["cascade"] >= clf.early_exit_scores_["stack"] - TOLERANCE
    )
    assert clf.early_exit_shares_["coarse"] == pytest.approx(exits.mean())
    assert 0 < exits.mean() < 1  # the calibration lets some, not all, exit
    assert list(clf.early_exit_thresholds_) == ["coarse"]  # never the last level
    # The threshold is the loosest: one step lower would break the budget.
    target = accuracy_score(y, stack) - TOLERANCE + 1 / len(y)  # one unseen loss
    assert _charged_score(y, stack, coarse, threshold) >= target
    looser = np.sort(np.unique(coarse.max(axis=1)))
    looser = looser[looser < threshold]
    if looser.size:
        assert _charged_score(y, stack, coarse, looser[-1]) < target


def _charged_score(y, stack, coarse, threshold):
    """The cascade's accuracy less EXIT_MARGIN_Z standard errors of its change:
    the square root of the number of rows whose answer changes, over n."""
    exits = coarse.max(axis=1) > threshold
    cascade = np.where(exits, coarse.argmax(axis=1), stack)
    changed = np.sum((cascade == y) != (stack == y))
    return accuracy_score(y, cascade) - EXIT_MARGIN_Z * np.sqrt(changed) / len(y)


def test_exit_levels_match_the_levels_evaluated(id_data):
    X, y = id_data
    clf = MultiGranularityClassifier(
        _levels(), cv=CV, early_exit="auto", early_exit_tolerance=TOLERANCE
    ).fit(X, y)
    _SEEN["coarse"].clear()
    _SEEN["fine"].clear()
    exit_levels = clf.exit_levels(X)
    assert set(exit_levels) <= {"coarse", "final_estimator"}
    ids = X[:, 0]
    # Every row reaches the coarse level, once.
    assert sorted(_SEEN["coarse"]) == sorted(ids.tolist())
    # Exactly the rows that did not exit at the coarse level reach the fine one.
    assert sorted(_SEEN["fine"]) == sorted(ids[exit_levels != "coarse"].tolist())
    assert (exit_levels == "coarse").sum() > 0


def test_rows_exiting_at_level_0_never_reach_level_1(id_data):
    X, y = id_data
    clf = MultiGranularityClassifier(_levels(), cv=CV, early_exit=0.6).fit(X, y)
    exited = clf.exit_levels(X) == "coarse"
    _SEEN["fine"].clear()
    proba = clf.predict_proba(X)
    assert not set(_SEEN["fine"]) & set(X[exited, 0].tolist())
    # An exiting row gets the coarse level's probabilities, above the threshold.
    coarse = clf.named_levels_.coarse.estimator.predict_proba(X[exited, 1:4])
    assert_allclose(proba[exited], coarse)
    assert (coarse.max(axis=1) > 0.6).all()


@pytest.mark.parametrize("early_exit", ["auto", 0.0, 0.5, 0.9])
def test_probabilities_are_a_distribution_and_agree_with_predict(id_data, early_exit):
    X, y = id_data
    clf = MultiGranularityClassifier(_levels(), cv=CV, early_exit=early_exit)
    proba = clf.fit(X, y).predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1)
    assert (proba >= 0).all()
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_threshold_one_equals_the_full_stack(id_data):
    X, y = id_data
    full = MultiGranularityClassifier(_levels(), cv=CV).fit(X, y)
    never = MultiGranularityClassifier(_levels(), cv=CV, early_exit=1.0).fit(X, y)
    assert never.early_exit_thresholds_ == {"coarse": NEVER}
    assert_array_equal(never.predict(X), full.predict(X))
    assert_allclose(never.predict_proba(X), full.predict_proba(X))
    assert set(never.exit_levels(X)) == {"final_estimator"}


def test_threshold_zero_lets_every_row_exit_at_the_first_level(id_data):
    X, y = id_data
    clf = MultiGranularityClassifier(_levels(), cv=CV, early_exit=0.0).fit(X, y)
    _SEEN["fine"].clear()
    assert set(clf.exit_levels(X)) == {"coarse"}
    assert _SEEN["fine"] == []
    coarse = clf.named_levels_.coarse.estimator
    assert_array_equal(clf.predict(X), coarse.predict(X[:, 1:4]))


def test_small_data_needs_gains_before_a_level_takes_samples(id_data):
    X, y = id_data
    # At the default budget (below one sample of 180), no level can exit
    # without out-of-fold gains over the stack.
    clf = MultiGranularityClassifier(_levels(), cv=CV, early_exit="auto").fit(X, y)
    assert clf.early_exit_thresholds_ == {"coarse": NEVER}
    assert clf.early_exit_scores_["cascade"] == clf.early_exit_scores_["stack"]


def test_no_early_exit_changes_nothing_and_hides_exit_levels(id_data):
    X, y = id_data
    clf = MultiGranularityClassifier(_levels(), cv=CV).fit(X, y)
    assert not hasattr(clf, "exit_levels")
    assert not hasattr(clf, "early_exit_thresholds_")
    # A refit without early exit drops the thresholds of an earlier fit.
    clf.set_params(early_exit="auto").fit(X, y)
    assert hasattr(clf, "early_exit_thresholds_")
    clf.set_params(early_exit=None).fit(X, y)
    assert not hasattr(clf, "early_exit_thresholds_")


def test_binary_and_decision_function_levels(binary_data):
    X, y = binary_data
    levels = [
        ("svm", "passthrough", LinearSVC()),  # no probabilities: cannot exit
        ("lr", "passthrough", LogisticRegression()),
        ("forest", "passthrough", RandomForestClassifier(30, random_state=0)),
    ]
    clf = MultiGranularityClassifier(levels, early_exit="auto").fit(X, y)
    assert clf.early_exit_thresholds_["svm"] == NEVER
    assert "svm" not in set(clf.exit_levels(X))
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert_allclose(proba.sum(axis=1), 1)
    # No decision function is consistent with the cascade's predictions.
    assert not hasattr(clf, "decision_function")
    assert hasattr(MultiGranularityClassifier(levels), "decision_function")


def test_early_exit_in_grid_search(id_data):
    X, y = id_data
    search = GridSearchCV(
        MultiGranularityClassifier(_levels(), cv=3, early_exit="auto"),
        {"early_exit_tolerance": [0.0, 0.05]},
        cv=3,
    ).fit(X, y)
    assert search.best_estimator_.early_exit_thresholds_


def test_early_exit_refuses_multilabel_and_bad_values(binary_data):
    X, y = binary_data
    Y = np.column_stack([y, 1 - y])
    with pytest.raises(ValueError, match="early_exit='auto' takes 1-D class labels"):
        MultiGranularityClassifier(early_exit="auto").fit(X, Y)
    with pytest.raises(ValueError, match="early_exit"):
        MultiGranularityClassifier(early_exit=1.5).fit(X, y)
    with pytest.raises(ValueError, match="early_exit"):
        MultiGranularityClassifier(early_exit="fast").fit(X, y)


def test_decision_function_levels_exit_through_a_fitted_temperature():
    # A ridge level has no predict_proba: its decision values become exit
    # probabilities through a softmax whose temperature is fitted out of fold.
    X, y = load_digits(return_X_y=True)
    levels = [
        ("ridge", StandardScaler(), RidgeClassifier()),
        ("forest", "passthrough", RandomForestClassifier(50, random_state=0)),
    ]
    clf = MultiGranularityClassifier(levels, early_exit=0.9, cv=3)
    clf.fit(X[:900], y[:900])
    assert clf.stack_method_[0] == "decision_function"
    exits = clf.exit_levels(X[900:])
    assert 0 < np.mean(exits == "ridge") < 1
    proba = clf.predict_proba(X[900:])
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    exited = exits == "ridge"
    assert (proba[exited].max(axis=1) > 0.9).all()
    np.testing.assert_array_equal(
        clf.predict(X[900:])[exited],
        clf.named_levels_.ridge.estimator.predict(
            clf.named_levels_.ridge.granularity.transform(X[900:][exited])
        ),
    )


@pytest.mark.parametrize(
    "thresholds, groups",
    [
        ({"a": NEVER, "b": NEVER, "c": NEVER}, [[0, 1, 2, 3]]),
        ({"a": NEVER, "b": 0.9, "c": NEVER}, [[0, 1], [2, 3]]),
        ({"a": 0.5, "b": 0.9, "c": 0.0}, [[0], [1], [2], [3]]),
        ({}, [[0, 1, 2, 3]]),
    ],
)
def test_levels_no_row_can_leave_between_are_grouped(thresholds, groups):
    assert levels_between_exits(["a", "b", "c", "d"], thresholds) == groups


@pytest.mark.parametrize(
    "thresholds, calls",
    [({"coarse": NEVER, "fine": NEVER}, [[0, 1, 2]]), ({"coarse": 0.6}, [[0], [1, 2]])],
)
def test_levels_seeing_the_same_rows_are_predicted_in_one_call(
    id_data, monkeypatch, thresholds, calls
):
    """A level that lets no row exit leaves the next one the same rows: both
    are predicted in one call, which can split the rows among the workers,
    as without early exit."""
    X, y = id_data
    levels = [*_levels(), ("raw", "passthrough", LogisticRegression())]
    clf = MultiGranularityClassifier(levels, cv=CV, early_exit=1.0).fit(X, y)
    full_stack = clf.predict_proba(X)
    clf._early_exit.thresholds = thresholds
    logged, predict_levels = [], clf._predict_levels

    def logging_predict_levels(indices, X_rows, *args):
        logged.append(list(indices))
        return predict_levels(indices, X_rows, *args)

    monkeypatch.setattr(clf, "_predict_levels", logging_predict_levels)
    exit_levels, proba = clf.exit_levels(X), clf.predict_proba(X)
    assert logged == calls * 2
    if "fine" in thresholds:
        assert_allclose(proba, full_stack)
    else:
        assert 0 < np.mean(exit_levels == "coarse") < 1


def test_exits_that_win_as_often_as_they_lose_are_charged_their_noise():
    # 1,000 rows by falling confidence: the level's first 40 change nothing,
    # the next 40 alternately win (stack wrong, level right) and lose, and
    # every later one loses. The budget is 4 rows (0.5 points less one row).
    n = 1000
    confidence = np.linspace(1.0, 0.5, n)
    correct, level_correct = np.ones(n), np.ones(n)
    correct[40:80:2] = 0
    level_correct[41:80:2] = 0
    level_correct[80:] = 0
    remaining = np.ones(n, dtype=bool)
    target = correct.mean() - 0.005 + 1 / n

    def exits(margin_z, weight=1.0):
        weights = np.full(n, weight)
        threshold = loosest_threshold(
            confidence,
            level_correct,
            correct,
            remaining,
            weights,
            target,
            margin_z=margin_z,
        )
        return np.sum(confidence > threshold)

    # Without a margin the 40 changes net 0 and 4 losses more fit the budget.
    assert exits(0.0) == 84
    # With 2 standard errors, k changed rows cost 2 * sqrt(k) rows: after 5
    # (net +1) the cost is 1 - 4.47 = -3.47 rows, after 6 (net 0) -4.90.
    assert exits(2.0) == 45
    # The margin is in the weights' units: doubling them changes nothing.
    assert exits(2.0, weight=2.0) == 45
