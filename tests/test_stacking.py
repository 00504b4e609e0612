"""The fit/transform flow shared by the classifier and the regressor."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import Pool1D


def test_empty_stateful_view_names_level(regression_data):
    X, y = regression_data
    stateful_empty = make_pipeline(StandardScaler(), FunctionTransformer(_no_columns))
    reg = MultiGranularityRegressor([("gone", stateful_empty, Ridge())], cv=3)
    with pytest.raises(ValueError, match="Level 'gone': its granularity produced"):
        reg.fit(X, y)


def _no_columns(X):
    return X[:, :0]


def test_cv_must_partition_samples(binary_data):
    X, y = binary_data
    half = np.arange(len(y) // 2)
    rest = np.arange(len(y) // 2, len(y))
    overlapping = [(half, rest), (rest, half[:10])]
    with pytest.raises(ValueError, match="must partition the samples"):
        MultiGranularityClassifier(cv=overlapping).fit(X, y)


def test_a_used_up_generator_of_splits_is_named(binary_data):
    X, y = binary_data
    splits = (fold for fold in KFold(3).split(X))
    MultiGranularityClassifier(cv=splits).fit(X, y)
    with pytest.raises(ValueError, match="gave no splits: a generator"):
        MultiGranularityClassifier(cv=splits).fit(X, y)


def test_fit_does_not_modify_inputs(binary_data):
    X, y = binary_data
    X_before, y_before = X.copy(), y.copy()
    MultiGranularityClassifier(cv=StratifiedKFold(3)).fit(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_levels_report_has_a_row_per_fitted_level(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier(
        [
            ("coarse", Pool1D(window=4, stats=("mean", "max")), LogisticRegression()),
            ("gone", "passthrough", "drop"),
            ("fine", StandardScaler(), DecisionTreeClassifier(random_state=0)),
        ],
        cv=3,
    ).fit(X, y)
    report = clf.levels_report()
    assert list(report["level"]) == ["coarse", "fine"]
    assert list(report["granularity"]) == ["Pool1D", "StandardScaler"]
    assert list(report["view_width"]) == [6, 12]  # 3 windows x 2 stats; 12 scaled
    assert list(report["oof_score"]) == list(clf.level_scores_.values())
    assert all(seconds > 0 for seconds in report["fit_seconds"])


# Module-level log: clone() copies parameters, so a counter passed to the
# granularity would count in a copy.
_FITS = []


class _LabelFreeScaler(StandardScaler):
    _skmgm_label_free = True

    def fit(self, X, y=None, sample_weight=None):
        _FITS.append(len(X))
        return super().fit(X, y, sample_weight)


def test_label_free_view_is_fitted_once_on_all_rows(binary_data):
    X, y = binary_data
    levels = [("scaled", _LabelFreeScaler(), LogisticRegression())]
    _FITS.clear()
    MultiGranularityClassifier(levels, cv=3).fit(X, y)
    assert _FITS == [len(X)]  # once, on every row
    _FITS.clear()
    MultiGranularityClassifier(levels, cv=3, fit_once=None).fit(X, y)
    assert sorted(_FITS) == sorted([len(X)] + [len(X) * 2 // 3] * 3)


def test_fit_once_by_level_name(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier(
        [("scaled", StandardScaler(), LogisticRegression())],
        cv=3,
        fit_once=["scaled"],
    ).fit(X, y)
    scaler = clf.named_levels_.scaled.granularity
    np.testing.assert_allclose(scaler.mean_, X.mean(axis=0))


def test_fit_once_never_hands_labels_to_a_granularity(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier(
        [("selected", SelectKBest(k=3), LogisticRegression())],
        cv=3,
        fit_once=["selected"],
    )
    # SelectKBest uses y though its tags do not say so: fitted once, it gets
    # no labels, and fails instead of leaking the held-out rows' labels.
    with pytest.raises(ValueError, match="requires y to be passed"):
        clf.fit(X, y)
    # "label_free" leaves it in the folds, where it may use the labels.
    clf.set_params(fit_once="label_free").fit(X, y)


def test_fit_once_names_unknown_levels(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier(
        [("a", StandardScaler(), LogisticRegression())], fit_once=["a", "zz"]
    )
    with pytest.raises(ValueError, match=r"fit_once=\['a', 'zz'\].*\['zz'\]"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "model", [MultiGranularityClassifier(cv=2), MultiGranularityRegressor(cv=2)]
)
def test_default_levels_are_deterministic_above_ten_thousand_rows(model):
    # Above 10,000 rows HistGradientBoosting's early stopping draws a
    # validation split: unseeded, two fits gave probabilities 0.49 apart.
    X, y = make_classification(10_050, 5, n_informative=3, random_state=0)
    first = clone(model).fit(X, y).transform(X[:200])
    second = clone(model).fit(X, y).transform(X[:200])
    np.testing.assert_array_equal(first, second)


def test_a_frozen_level_is_never_refitted():
    # scikit-learn's FrozenEstimator (1.6+) is skmgm's prefitted level: its
    # fit does nothing, so every fold and the refit keep the given model,
    # and its predictions on all rows feed the meta-learner.
    frozen_module = pytest.importorskip("sklearn.frozen")
    X, y = make_classification(150, 6, n_informative=4, n_classes=3, random_state=0)
    prefit = LogisticRegression(max_iter=1000).fit(X[::2], y[::2])
    coef = prefit.coef_.copy()
    levels = [
        ("prefit", "passthrough", frozen_module.FrozenEstimator(prefit)),
        ("tree", "passthrough", DecisionTreeClassifier(max_depth=2, random_state=0)),
    ]
    clf = MultiGranularityClassifier(levels, cv=3).fit(X, y)
    assert clf.named_levels_.prefit.estimator.estimator is prefit
    np.testing.assert_array_equal(prefit.coef_, coef)
    np.testing.assert_allclose(clf.transform(X)[:, :3], prefit.predict_proba(X))
    assert clf.level_scores_["prefit"] == prefit.score(X, y)
