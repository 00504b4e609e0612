"""The levels as a composition: nested parameters, tags."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import get_tags

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm._composition import is_label_free
from skmgm.granularity import Pool1D, SparseScaler


def test_get_params_exposes_nested_level_parameters(pooled_and_raw):
    params = MultiGranularityClassifier(
        pooled_and_raw(LogisticRegression(C=1.0), DecisionTreeClassifier(max_depth=2))
    ).get_params(deep=True)
    assert params["coarse__granularity__window"] == 4
    assert params["coarse__estimator__C"] == 1.0
    assert params["fine__granularity"] == "passthrough"
    assert params["fine__estimator__max_depth"] == 2
    shallow = MultiGranularityClassifier(
        pooled_and_raw(LogisticRegression(C=1.0), DecisionTreeClassifier(max_depth=2))
    ).get_params(deep=False)
    assert "coarse__estimator" not in shallow


def test_set_params_tunes_and_replaces_level_parts(pooled_and_raw):
    levels = pooled_and_raw(
        LogisticRegression(C=1.0), DecisionTreeClassifier(max_depth=2)
    )
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


def test_set_params_rejects_unknown_level_part(pooled_and_raw):
    clf = MultiGranularityClassifier(
        pooled_and_raw(LogisticRegression(C=1.0), DecisionTreeClassifier(max_depth=2))
    )
    with pytest.raises(ValueError, match="level 'coarse'"):
        clf.set_params(coarse__model=LogisticRegression())


def test_set_params_of_a_whole_level_names_the_way_to_drop_it(pooled_and_raw):
    clf = MultiGranularityClassifier(
        pooled_and_raw(LogisticRegression(C=1.0), DecisionTreeClassifier(max_depth=2))
    )
    # StackingClassifier's set_params(fine="drop") names the parameter that
    # does it here, and changes nothing.
    with pytest.raises(ValueError, match="fine__estimator='drop'"):
        clf.set_params(fine="drop", coarse__estimator__C=2.0)
    assert clf.get_params()["fine__estimator"] != "drop"
    assert clf.get_params()["coarse__estimator__C"] == 1.0
    defaults = MultiGranularityClassifier()
    with pytest.raises(ValueError, match="raw__estimator='drop'"):
        defaults.set_params(raw="drop")
    assert defaults.levels is None


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
    "model", [MultiGranularityClassifier, MultiGranularityRegressor]
)
def test_default_levels_are_tunable(model):
    estimator = model()
    params = estimator.get_params()
    assert "raw__estimator__learning_rate" in params
    assert "binned__granularity__n_bins" in params
    grid = GridSearchCV(estimator, {"raw__estimator__max_iter": [5]}, cv=2).fit(
        *load_iris(return_X_y=True)
    )
    assert grid.best_estimator_.named_levels_.raw.estimator.max_iter == 5
    # The caller's estimator keeps levels=None; a set_params fills them in.
    assert estimator.levels is None
    estimator.set_params(raw__estimator__learning_rate=0.2)
    assert [name for name, _, _ in estimator.levels] == ["binned", "raw"]


def test_misspelt_level_key_lists_the_valid_ones():
    estimator = MultiGranularityClassifier(
        [("medium", Pool1D(window=2), LogisticRegression())]
    )
    with pytest.raises(ValueError) as caught:
        estimator.set_params(medium__granularty__window=4)
    message = str(caught.value)
    assert "'medium__granularty__window'" in message
    assert "medium__granularity__window" in message


@pytest.mark.parametrize(
    "granularity, label_free",
    [
        (StandardScaler(), True),  # fit(X, y=None) ignores y
        (MaxAbsScaler(), True),
        (make_pipeline(Pool1D(window=2), StandardScaler()), True),
        (SparseScaler(), True),
        (SelectKBest(k=2), False),  # uses y without requiring it
        (PCA(n_components=2), False),  # learns no labels, but does not say so
        (make_pipeline(StandardScaler(), SelectKBest(k=2)), False),
    ],
)
def test_label_free_views_are_those_known_to_ignore_y(granularity, label_free):
    assert is_label_free(granularity) is label_free
