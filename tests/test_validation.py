"""The checks of the levels parameter, at fit."""

import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import Pool1D


@pytest.mark.parametrize(
    "levels, error, match",
    [
        ([], ValueError, "non-empty list"),
        ([("a", "passthrough")], TypeError, r"levels\[0\] must be a \(name"),
        ([(1, "passthrough", LogisticRegression())], TypeError, "must be a str"),
        (
            [("a", "passthrough", LogisticRegression())] * 2,
            ValueError,
            "Level name 'a' is used twice",
        ),
        (
            [("a__b", "passthrough", LogisticRegression())],
            ValueError,
            "Level name 'a__b' must not contain '__'",
        ),
        (
            [("cv", "passthrough", LogisticRegression())],
            ValueError,
            "Level name 'cv' clashes with the parameter 'cv'",
        ),
        (
            [("a", Pool1D, LogisticRegression())],
            TypeError,
            "Level 'a': granularity is the class Pool1D, not an instance",
        ),
        (
            [("a", "passthrough", LogisticRegression)],
            TypeError,
            "Level 'a': estimator is the class LogisticRegression",
        ),
        (
            [("a", LogisticRegression(), LogisticRegression())],
            TypeError,
            "Level 'a': granularity must be a transformer",
        ),
        (
            [("a", "mean", LogisticRegression())],
            TypeError,
            "Level 'a': granularity must be a transformer",
        ),
        (
            [("a", "passthrough", "drop"), ("b", "passthrough", "drop")],
            ValueError,
            "Every level's estimator is 'drop'",
        ),
        (
            [("a", "passthrough", LinearRegression())],
            ValueError,
            "Level 'a': estimator LinearRegression.* is not a classifier",
        ),
        (
            [("a", FunctionTransformer(lambda X: X[:, :0]), LogisticRegression())],
            ValueError,
            "Level 'a': its granularity produced an empty view",
        ),
        (
            [("a", "passthrough", StandardScaler())],
            ValueError,
            "Level 'a': estimator StandardScaler.* is not a classifier",
        ),
    ],
)
def test_malformed_levels_raise_at_fit(binary_data, levels, error, match):
    X, y = binary_data
    clf = MultiGranularityClassifier(levels)  # never raises at construction
    with pytest.raises(error, match=match):
        clf.fit(X, y)


def test_classifier_level_in_regressor_raises(regression_data):
    X, y = regression_data
    reg = MultiGranularityRegressor([("a", "passthrough", LogisticRegression())])
    with pytest.raises(ValueError, match="Level 'a'.* is not a regressor"):
        reg.fit(X, y)
    reg = MultiGranularityRegressor(final_estimator=LogisticRegression())
    with pytest.raises(ValueError, match="final_estimator must be a regressor"):
        reg.fit(X, y)


def test_a_final_estimator_class_is_refused_naming_it(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier(final_estimator=LogisticRegression)
    with pytest.raises(TypeError, match="final_estimator is the class Logistic"):
        clf.fit(X, y)
