"""The fit/transform flow shared by the classifier and the regressor."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold
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
