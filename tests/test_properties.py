"""Property tests: random shapes, dtypes, label types and levels.

Invariants: predictions have the right shape and labels, ``predict_proba``
rows sum to one, the caller's arrays are never modified, and fitting twice
gives the same model.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import Pool1D


def _row_means(X):
    return np.asarray(X, dtype=float).mean(axis=1, keepdims=True)


VIEWS = {
    "passthrough": lambda: "passthrough",
    "pool": lambda: Pool1D(window=2, stats=("mean", "max")),
    "means": lambda: FunctionTransformer(_row_means),
    "scaled": StandardScaler,
}
LABELS = {
    "int": lambda k: np.arange(k),
    "negative": lambda k: -np.arange(1, k + 1) * 3,
    "noncontiguous": lambda k: np.array([2, 7, 40])[:k],
    "str": lambda k: np.array(["cat", "dog", "emu"])[:k],
    "bool": lambda k: np.array([False, True])[:k],
}


@st.composite
def problems(draw, classification=True):
    n_samples = draw(st.integers(20, 50))
    n_features = draw(st.integers(2, 7))
    dtype = draw(st.sampled_from([np.int64, np.float32, np.float64]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n_samples, n_features)) * 5).astype(dtype)
    views = draw(st.lists(st.sampled_from(sorted(VIEWS)), min_size=1, max_size=3))
    if not classification:
        return X, X[:, 0].astype(float) + rng.normal(size=n_samples), views
    kind = draw(st.sampled_from(sorted(LABELS)))
    n_classes = 2 if kind == "bool" else draw(st.integers(2, 3))
    classes = LABELS[kind](n_classes)
    # Every class at least 3 times, so that the default folds can stratify.
    y = classes[rng.permutation(np.arange(n_samples) % n_classes)]
    return X, y, views


def _levels(views, estimator):
    return [(f"{view}{i}", VIEWS[view](), estimator) for i, view in enumerate(views)]


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(problems())
def test_classifier_invariants(problem):
    X, y, views = problem
    X_before, y_before = X.copy(), y.copy()
    levels = _levels(views, DecisionTreeClassifier(max_depth=3, random_state=0))
    levels.append(("linear", "passthrough", LogisticRegression()))
    clf = MultiGranularityClassifier(levels).fit(X, y)
    predicted = clf.predict(X)
    proba = clf.predict_proba(X)
    assert predicted.shape == y.shape
    assert set(predicted) <= set(y)
    assert predicted.dtype == y.dtype
    assert proba.shape == (len(X), len(np.unique(y)))
    assert_allclose(proba.sum(axis=1), 1)
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)
    assert_array_equal(X, X_before)
    assert_array_equal(y, y_before)
    again = MultiGranularityClassifier(levels).fit(X, y)
    assert_allclose(again.predict_proba(X), proba, rtol=0, atol=1e-12)
    assert again.level_scores_ == clf.level_scores_


@SETTINGS
@given(problems(classification=False))
def test_regressor_invariants(problem):
    X, y, views = problem
    X_before, y_before = X.copy(), y.copy()
    levels = _levels(views, DecisionTreeRegressor(max_depth=3, random_state=0))
    levels.append(("linear", "passthrough", Ridge()))
    reg = MultiGranularityRegressor(levels).fit(X, y)
    predicted = reg.predict(X)
    assert predicted.shape == y.shape
    assert np.isfinite(predicted).all()
    assert_array_equal(X, X_before)
    assert_array_equal(y, y_before)
    again = MultiGranularityRegressor(levels).fit(X, y)
    assert_allclose(again.predict(X), predicted, rtol=0, atol=1e-12)
