"""The classifier's targets: single-label and multilabel strategies."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.multioutput import MultiOutputClassifier

from skmgm import MultiGranularityClassifier
from skmgm._targets import (
    EachLabelClassifier,
    MultilabelTargets,
    SingleLabelTargets,
    encode_targets,
)


def test_cv_larger_than_smallest_class_raises():
    X = np.arange(60, dtype=float).reshape(30, 2)
    y = np.array([0] * 27 + [1] * 3)
    clf = MultiGranularityClassifier(cv=5)
    with pytest.raises(ValueError, match="cv=5 folds .* class 1 has 3"):
        clf.fit(X, y)


def test_folds_missing_a_class_warn_once_naming_them():
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.repeat(["a", "b", "c"], 10)  # sorted: KFold(3) leaves a class out
    clf = MultiGranularityClassifier(cv=KFold(3))
    with pytest.warns(UserWarning) as record:
        clf.fit(X, y)
    messages = [str(w.message) for w in record if "training rows" in str(w.message)]
    assert len(messages) == 1
    assert "fold(s) [0, 1, 2]" in messages[0]
    assert "class(es) ['a', 'b', 'c']" in messages[0]
    assert not [w for w in record if w.category is RuntimeWarning]


def test_stratified_folds_warn_nothing():
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.repeat(["a", "b", "c"], 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MultiGranularityClassifier(cv=3).fit(X, y)


def test_one_class_raises():
    X = np.ones((10, 2))
    with pytest.raises(ValueError, match="at least 2 classes"):
        MultiGranularityClassifier().fit(X, np.zeros(10))


def test_single_label_strategy_round_trips_labels():
    targets, encoded = encode_targets(
        np.array(["b", "a", "c", "a"]), owner="Owner", early_exit=None
    )
    assert isinstance(targets, SingleLabelTargets)
    assert encoded.tolist() == [1, 0, 2, 0]
    assert targets.decode(encoded).tolist() == ["b", "a", "c", "a"]
    assert targets.n_classes == 3


def test_binary_levels_hand_over_one_probability_column():
    targets, _ = encode_targets(np.array([0, 1, 1]), owner="Owner", early_exit=None)
    proba = np.array([[0.2, 0.8], [0.6, 0.4]])
    assert_array_equal(targets.level_columns(proba, "predict_proba"), [[0.8], [0.4]])
    decision = np.array([-1.0, 2.0])
    assert targets.oof_labels(decision, "decision_function").tolist() == [0, 1]


def test_multilabel_strategy_gives_forest_style_probabilities():
    Y = np.array([[0, 1], [1, 1], [1, 0]])
    targets, encoded = encode_targets(Y, owner="Owner", early_exit=None)
    assert isinstance(targets, MultilabelTargets)
    assert targets.n_classes == [2, 2]
    assert_array_equal(targets.decode(encoded), Y)
    final = MultiOutputClassifier(LogisticRegression()).fit(np.eye(3), Y)
    proba = targets.proba(final, final.predict_proba(np.eye(3)))
    assert len(proba) == 2 and all(p.shape == (3, 2) for p in proba)
    assert_allclose([p.sum(axis=1) for p in proba], 1.0)


def test_multilabel_refuses_early_exit():
    with pytest.raises(ValueError, match="early_exit='auto' takes 1-D class labels"):
        encode_targets(np.array([[0, 1], [1, 0]]), owner="Owner", early_exit="auto")


def test_each_label_classifier_fits_each_varying_label_in_its_place():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X[:, 0] > 0, np.ones(40), X[:, 1] > 0]).astype(int)
    meta = EachLabelClassifier(LogisticRegression()).fit(X, Y)
    for label in (0, 2):
        alone = LogisticRegression().fit(X, Y[:, label])
        assert_allclose(meta.estimators_[label].coef_, alone.coef_)
    assert_array_equal(
        meta.predict(X),
        np.column_stack(
            [
                meta.estimators_[0].predict(X),
                np.ones(40),
                meta.estimators_[2].predict(X),
            ]
        ),
    )
    every_label_one_value = EachLabelClassifier(LogisticRegression()).fit(X, Y * 0)
    assert not every_label_one_value.predict(X).any()
    assert every_label_one_value.n_features_in_ == 3
