"""Aligned level predictions, fold-model bagging (refit=False) and out-of-bag
estimates as a level's out-of-fold predictions."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge, RidgeClassifierCV
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm._predictions import FoldBag, align_predictions
from skmgm.granularity import Pool1D


def _levels():
    return [
        ("coarse", Pool1D(window=4), LogisticRegression()),
        ("scaled", StandardScaler(), KNeighborsClassifier()),
    ]


def test_align_predictions_puts_back_a_class_the_fold_missed():
    X = np.arange(6.0).reshape(-1, 1)
    model = LogisticRegression().fit(X, [0, 0, 0, 2, 2, 2])  # class 1 missing
    aligned = align_predictions(model, model.predict_proba(X), "predict_proba", 3)
    assert aligned.shape == (6, 3)
    assert_array_equal(aligned[:, 1], 0)
    assert_allclose(aligned.sum(axis=1), 1)


def test_refit_false_keeps_fold_models_and_averages_them(multiclass_data):
    X, y = multiclass_data
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    # The scaler fitted per fold (fit_once=None), as a view that learns labels.
    bagged = MultiGranularityClassifier(_levels(), cv=cv, refit=False, fit_once=None)
    bagged.fit(X, y)
    refitted = MultiGranularityClassifier(_levels(), cv=cv, fit_once=None).fit(X, y)
    # Same folds, same out-of-fold predictions: same scores, same meta-learner.
    assert bagged.level_scores_ == refitted.level_scores_
    assert_allclose(
        bagged.final_estimator_.coef_, refitted.final_estimator_.coef_, rtol=1e-10
    )
    # The scaled level keeps one (scaler, model) pair per fold.
    bag = bagged.named_levels_.scaled.estimator
    assert isinstance(bag, FoldBag)
    assert bagged.named_levels_.scaled.granularity == "passthrough"
    assert len(bag.members) == 4
    by_hand = np.mean(
        [est.predict_proba(scaler.transform(X)) for scaler, est in bag.members],
        axis=0,
    )
    assert_allclose(bag.predict_proba(X), by_hand)
    # A shared (stateless) view stays on the level; its bag holds models only.
    assert isinstance(bagged.named_levels_.coarse.granularity, Pool1D)
    assert all(g is None for g, _ in bagged.named_levels_.coarse.estimator.members)
    proba = bagged.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1)
    assert "FoldBag(4 fold models of StandardScaler()" in repr(bag)


def test_refit_false_votes_labels_of_predict_levels(binary_data):
    X, y = binary_data
    levels = [
        ("svm", "passthrough", LinearSVC()),
        ("tree", "passthrough", DecisionTreeClassifier(random_state=0)),
    ]
    clf = MultiGranularityClassifier(
        levels, stack_method="predict", cv=5, refit=False
    ).fit(X, y)
    bag = clf.named_levels_.tree.estimator
    votes = np.array([est.predict(X) for _, est in bag.members])
    majority = (votes.sum(axis=0) * 2 > len(votes)).astype(int)
    assert_array_equal(bag.predict(X), majority)
    assert set(np.unique(clf.predict(X))) <= set(np.unique(y))


def test_refit_false_regressor_averages(regression_data):
    X, y = regression_data
    levels = [("coarse", Pool1D(window=5), Ridge()), ("raw", "passthrough", Ridge())]
    reg = MultiGranularityRegressor(levels, cv=KFold(3), refit=False).fit(X, y)
    bag = reg.named_levels_.raw.estimator
    by_hand = np.mean([est.predict(X) for _, est in bag.members], axis=0)
    assert_allclose(bag.predict(X), by_hand)
    assert reg.score(X, y) > 0.9


def test_refit_false_multilabel():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 8))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.5, X[:, 2] > 1]).astype(int)
    levels = [("knn", "passthrough", KNeighborsClassifier())]
    clf = MultiGranularityClassifier(levels, cv=KFold(3), refit=False).fit(X, Y)
    assert [p.shape for p in clf.predict_proba(X)] == [(len(X), 2)] * 3
    assert clf.score(X, Y) > 0.5


def test_refit_is_a_grid_search_parameter_and_pickles(binary_data):
    X, y = binary_data
    search = GridSearchCV(
        MultiGranularityClassifier(_levels(), cv=3), {"refit": [True, False]}, cv=3
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    model = clone(search.best_estimator_).set_params(refit=False).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("refit", [True, False])
def test_fit_seconds_counted_for_every_task(binary_data, refit):
    X, y = binary_data
    clf = MultiGranularityClassifier(_levels(), cv=3, refit=refit).fit(X, y)
    assert all(seconds > 0 for seconds in clf.level_fit_seconds_.values())


def test_a_class_the_fold_missed_gets_the_lowest_seen_decision_value():
    X = np.arange(12.0).reshape(-1, 1)
    y = np.repeat([0, 2, 3], 4)  # class 1 missing from this fold
    model = RidgeClassifierCV().fit(X, y)
    raw = model.decision_function(X)
    aligned = align_predictions(model, raw, "decision_function", 4)
    assert np.isfinite(aligned).all()
    assert_allclose(aligned[:, [0, 2, 3]], raw)
    assert_allclose(aligned[:, 1], raw.min(axis=1))


def test_a_binary_model_in_a_multiclass_fit_scores_its_two_classes():
    """Its one decision value scores its second class, the opposite its
    first; the classes it never saw get the row's lowest."""
    X = np.arange(8.0).reshape(-1, 1)
    model = RidgeClassifierCV().fit(X, np.repeat([1, 3], 4))
    raw = model.decision_function(X)
    assert raw.ndim == 1
    aligned = align_predictions(model, raw, "decision_function", 4)
    assert_allclose(aligned[:, 3], raw)
    assert_allclose(aligned[:, 1], -raw)
    assert_allclose(aligned[:, [0, 2]], np.tile(-np.abs(raw)[:, None], 2))
    assert_array_equal(aligned.argmax(axis=1), np.where(raw > 0, 3, 1))


def test_rare_class_stack_with_decision_values_stays_accurate():
    # One row of class 3: the folds without it used to stack -1.8e308 there.
    rng = np.random.default_rng(0)
    centres = [0, 3, -3]
    X = np.vstack([rng.normal(c, 1, (30, 5)) for c in centres] + [[[6.0] * 5]])
    y = np.array([0] * 30 + [1] * 30 + [2] * 30 + [3])
    clf = MultiGranularityClassifier(
        [("ridge", "passthrough", RidgeClassifierCV())],
        cv=KFold(3, shuffle=True, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert np.abs(clf.transform(X)).max() < 1e3
    assert clf.score(X, y) > 0.95
