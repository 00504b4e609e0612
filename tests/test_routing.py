"""Metadata routing: what scikit-learn's stacking cannot route, skmgm does."""

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


@pytest.fixture
def grouped_data(binary_data):
    X, y = binary_data
    groups = np.arange(len(y)) % 10
    return X, y, groups


def test_groups_reach_the_splitter(routing, grouped_data):
    X, y, groups = grouped_data
    tree = DecisionTreeClassifier(random_state=0)
    peer = StackingClassifier([("tree", tree)], cv=GroupKFold(5))
    with pytest.raises(TypeError, match="groups"):  # not routed by the peer
        peer.fit(X, y, groups=groups)
    clf = MultiGranularityClassifier([("tree", "passthrough", tree)], cv=GroupKFold(5))
    clf.fit(X, y, groups=groups)
    oof = cross_val_predict(tree, X, y, cv=GroupKFold(5), params={"groups": groups})
    assert clf.level_scores_["tree"] == pytest.approx(np.mean(oof == y))


def test_final_estimator_gets_only_what_it_requested(routing, binary_data):
    X, y = binary_data
    weights = np.where(y == 1, 5.0, 1.0)
    weighted_lr = LogisticRegression().set_fit_request(sample_weight=True)
    # KNeighborsClassifier.fit takes no sample_weight at all.
    peer = StackingClassifier(
        [("lr", weighted_lr)], final_estimator=KNeighborsClassifier(), cv=3
    )
    with pytest.raises(TypeError):
        peer.fit(X, y, sample_weight=weights)
    unweighted_scaler = StandardScaler().set_fit_request(sample_weight=False)
    clf = MultiGranularityClassifier(
        [("lr", unweighted_scaler, weighted_lr)],
        final_estimator=KNeighborsClassifier(),
        cv=3,
    ).fit(X, y, sample_weight=weights)
    unweighted = MultiGranularityClassifier(
        [("lr", StandardScaler(), LogisticRegression())],
        final_estimator=KNeighborsClassifier(),
        cv=3,
    ).fit(X, y)
    # The level's estimator did receive the weights.
    lr_weighted = clf.named_levels_.lr.estimator.coef_
    lr_plain = unweighted.named_levels_.lr.estimator.coef_
    assert not np.allclose(lr_weighted, lr_plain)


def test_unrequested_metadata_is_an_error(routing, binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier([("lr", "passthrough", LogisticRegression())])
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(X, y, sample_weight=np.ones(len(y)))


def test_granularity_gets_its_requested_metadata(routing, regression_data):
    from sklearn.linear_model import Ridge

    X, y = regression_data
    weights = np.linspace(0.1, 1.0, len(y))
    scaler = StandardScaler().set_fit_request(sample_weight=True)
    ridge = Ridge().set_fit_request(sample_weight=False)
    reg = MultiGranularityRegressor(
        [("scaled", scaler, ridge)],
        final_estimator=Ridge().set_fit_request(sample_weight=False),
        cv=3,
    ).fit(X, y, sample_weight=weights)
    fitted_scaler = reg.named_levels_.scaled.granularity
    expected_mean = np.average(X, axis=0, weights=weights)
    np.testing.assert_allclose(fitted_scaler.mean_, expected_mean)


class _Shift(TransformerMixin, BaseEstimator):
    """A view that takes predict-time metadata: a shift of every value."""

    def fit(self, X, y=None):
        return self

    def transform(self, X, shift=0.0):
        return np.asarray(X) + shift


def test_predict_metadata_reach_the_levels_that_request_them(routing, binary_data):
    X, y = binary_data
    shifted = _Shift().set_transform_request(shift=True)
    levels = [
        ("shifted", shifted, LogisticRegression()),
        ("raw", "passthrough", DecisionTreeClassifier(max_depth=2, random_state=0)),
    ]
    clf = MultiGranularityClassifier(levels, cv=3).fit(X, y)
    routed = clf.predict(X, shift=1.5)
    # The same as shifting the shifted level's input by hand.
    lr = clf.named_levels_.shifted.estimator
    tree = clf.named_levels_.raw.estimator
    stacked = np.column_stack(
        [lr.predict_proba(X + 1.5)[:, 1:], tree.predict_proba(X)[:, 1:]]
    )
    expected = clf.classes_[clf.final_estimator_.predict(stacked)]
    np.testing.assert_array_equal(routed, expected)
    with pytest.raises(Exception, match="shift"):  # nobody else requested it
        MultiGranularityClassifier(levels[1:], cv=3).fit(X, y).predict(X, shift=1.5)
