import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.inspection import GranularityDisplay, level_usage


def test_level_usage_sums_coefficients_per_level(binary_data, pooled_and_raw):
    X, y = binary_data
    clf = MultiGranularityClassifier(
        pooled_and_raw(
            LogisticRegression(), RandomForestClassifier(10, random_state=0)
        ),
        cv=3,
        passthrough=True,
    ).fit(X, y)
    usage = level_usage(clf)
    coef = np.abs(clf.final_estimator_.coef_[0])
    expected = np.array([coef[0], coef[1]]) / (coef[0] + coef[1])
    np.testing.assert_allclose(usage, expected)  # raw features left out
    knn = MultiGranularityClassifier(
        pooled_and_raw(
            LogisticRegression(), RandomForestClassifier(10, random_state=0)
        ),
        final_estimator=KNeighborsClassifier(),
        cv=3,
    ).fit(X, y)
    assert level_usage(knn) is None


def test_display_renders_to_png(binary_data, tmp_path, pooled_and_raw):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = binary_data
    clf = MultiGranularityClassifier(
        pooled_and_raw(
            LogisticRegression(), RandomForestClassifier(10, random_state=0)
        ),
        cv=3,
    ).fit(X, y)
    display = GranularityDisplay.from_estimator(clf)
    assert display.level_names == ["coarse", "fine"]
    assert display.score_name == "accuracy"
    assert len(display.ax_) == 2
    path = tmp_path / "levels.png"
    display.figure_.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000


def test_display_of_a_regressor_without_usage(regression_data):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from sklearn.neighbors import KNeighborsRegressor

    X, y = regression_data
    reg = MultiGranularityRegressor(
        [("linear", "passthrough", LinearRegression())],
        final_estimator=KNeighborsRegressor(),
        cv=3,
    ).fit(X, y)
    with pytest.warns(UserWarning, match="KNeighborsRegressor has neither coef_"):
        display = GranularityDisplay.from_estimator(reg)
    assert display.usage is None and display.score_name == "R²"
    assert display.ax_.get_xlabel() == "out-of-fold R²"


def test_display_of_a_pipeline_ending_in_a_stack(binary_data, pooled_and_raw):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = binary_data
    final = make_pipeline(StandardScaler(), LogisticRegression())
    stack = MultiGranularityClassifier(
        pooled_and_raw(LogisticRegression(), LogisticRegression()),
        final_estimator=final,
        cv=3,
    )
    pipeline = make_pipeline(StandardScaler(), stack).fit(X, y)
    with pytest.warns(UserWarning, match="the meta-learner is a Pipeline"):
        display = GranularityDisplay.from_estimator(pipeline)
    assert display.level_names == ["coarse", "fine"] and display.usage is None


def test_an_estimator_that_is_not_a_stack_is_refused(binary_data, pooled_and_raw):
    X, y = binary_data
    plain = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    with pytest.raises(TypeError, match="from_estimator takes a MultiGranularity"):
        GranularityDisplay.from_estimator(plain)
    with pytest.raises(TypeError, match="level_usage takes a MultiGranularity"):
        level_usage(plain[-1])
    # level_usage reads a pipeline ending in a stack, as the display does.
    stack = MultiGranularityClassifier(
        pooled_and_raw(LogisticRegression(), LogisticRegression()), cv=3
    )
    fitted = make_pipeline(StandardScaler(), stack).fit(X, y)
    assert_allclose(level_usage(fitted), level_usage(fitted[-1]))


def test_the_vote_shows_its_level_weights(binary_data, pooled_and_raw):
    X, y = binary_data
    clf = MultiGranularityClassifier(
        pooled_and_raw(
            LogisticRegression(), RandomForestClassifier(10, random_state=0)
        ),
        final_estimator="vote",
        cv=3,
    ).fit(X, y)
    np.testing.assert_array_equal(level_usage(clf), clf.final_estimator_.weights_)


def test_plot_without_matplotlib_says_what_to_install(binary_data, monkeypatch):
    X, y = binary_data
    clf = MultiGranularityClassifier(cv=3).fit(X, y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    with pytest.raises(
        ImportError, match="GranularityDisplay.plot requires matplotlib"
    ):
        GranularityDisplay.from_estimator(clf)
