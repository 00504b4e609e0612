"""Shared behaviour: nested parameters, tags and the validation of levels."""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import get_tags

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import Pool1D


def _two_levels():
    return [
        ("coarse", Pool1D(window=4), LogisticRegression(C=1.0)),
        ("fine", "passthrough", DecisionTreeClassifier(max_depth=2)),
    ]


def test_get_params_exposes_nested_level_parameters():
    params = MultiGranularityClassifier(_two_levels()).get_params(deep=True)
    assert params["coarse__granularity__window"] == 4
    assert params["coarse__estimator__C"] == 1.0
    assert params["fine__granularity"] == "passthrough"
    assert params["fine__estimator__max_depth"] == 2
    shallow = MultiGranularityClassifier(_two_levels()).get_params(deep=False)
    assert "coarse__estimator" not in shallow


def test_set_params_tunes_and_replaces_level_parts():
    levels = _two_levels()
    clf = MultiGranularityClassifier(levels)
    clf.set_params(
        coarse__granularity__window=2,
        coarse__estimator__C=0.5,
        fine__estimator="drop",
        final_estimator__C=3.0,
    )
    params = clf.get_params()
    assert params["coarse__granularity__window"] == 2
    assert params["coarse__estimator__C"] == 0.5
    assert params["fine__estimator"] == "drop"
    assert isinstance(clf.final_estimator, LogisticRegression)
    assert clf.final_estimator.C == 3.0
    # Replacing a part builds a new list: the caller's list is untouched.
    assert levels[1][2] != "drop"


def test_set_params_rejects_unknown_level_part():
    clf = MultiGranularityClassifier(_two_levels())
    with pytest.raises(ValueError, match="level 'coarse'"):
        clf.set_params(coarse__model=LogisticRegression())


def test_tags_follow_the_levels():
    nan_ok = MultiGranularityClassifier(
        [("raw", "passthrough", HistGradientBoostingClassifier())]
    )
    assert get_tags(nan_ok).input_tags.allow_nan
    assert not get_tags(MultiGranularityClassifier()).input_tags.allow_nan
    X = np.array([[0.0, np.nan], [1.0, 2.0]] * 10)
    y = np.array([0, 1] * 10)
    nan_ok.set_params(cv=2).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        MultiGranularityClassifier(cv=2).fit(X, y)


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


def test_empty_stateful_view_names_level(regression_data):
    X, y = regression_data
    stateful_empty = make_pipeline(StandardScaler(), FunctionTransformer(_no_columns))
    reg = MultiGranularityRegressor([("gone", stateful_empty, Ridge())], cv=3)
    with pytest.raises(ValueError, match="Level 'gone': its granularity produced"):
        reg.fit(X, y)


def _no_columns(X):
    return X[:, :0]


def test_cv_larger_than_smallest_class_raises():
    X = np.arange(60, dtype=float).reshape(30, 2)
    y = np.array([0] * 27 + [1] * 3)
    clf = MultiGranularityClassifier(cv=5)
    with pytest.raises(ValueError, match="cv=5 folds .* class 1 has 3"):
        clf.fit(X, y)


def test_cv_must_partition_samples(binary_data):
    X, y = binary_data
    half = np.arange(len(y) // 2)
    rest = np.arange(len(y) // 2, len(y))
    overlapping = [(half, rest), (rest, half[:10])]
    with pytest.raises(ValueError, match="must partition the samples"):
        MultiGranularityClassifier(cv=overlapping).fit(X, y)


def test_one_class_raises():
    X = np.ones((10, 2))
    with pytest.raises(ValueError, match="at least 2 classes"):
        MultiGranularityClassifier().fit(X, np.zeros(10))


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
