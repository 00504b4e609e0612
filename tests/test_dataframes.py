"""DataFrames in and out (columns by name, text and categories, pandas output),
sparse input and the HTML repr."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import estimator_html_repr, get_tags

from skmgm import (
    MultiGranularityClassifier,
    MultiGranularityRegressor,
    make_image_levels,
    make_series_levels,
)
from skmgm._compat import _get_feature_names
from skmgm.granularity import FeatureGroups


def _levels_by_column_name():
    return [
        (
            "groups",
            FeatureGroups({"head": ["f0", "f1", "f2"], "tail": ["f10", "f11"]}),
            LogisticRegression(),
        ),
        ("raw", "passthrough", DecisionTreeClassifier(random_state=0)),
    ]


def test_dataframe_column_names_reach_the_granularity(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = MultiGranularityClassifier(
        _levels_by_column_name(),
        cv=3,
        passthrough=True,
    ).fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns)
    names = clf.get_feature_names_out()
    assert list(names[-3:]) == ["f9", "f10", "f11"]
    out = clf.set_output(transform="pandas").transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(names)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"f0": "renamed"}))


@pytest.mark.parametrize(
    "Estimator, data",
    [(MultiGranularityClassifier, "binary"), (MultiGranularityRegressor, "regression")],
)
def test_a_frame_s_column_names_are_kept_and_checked(
    Estimator, data, binary_data, regression_data
):
    pd = pytest.importorskip("pandas")
    X, y = binary_data if data == "binary" else regression_data
    columns = [f"f{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    model = Estimator(cv=3, passthrough=True).fit(frame, y)
    assert list(model.feature_names_in_) == columns
    assert list(model.get_feature_names_out()[-len(columns) :]) == columns
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"f0": "renamed"}))


def test_sparse_input_is_taken_exactly_when_every_level_takes_it(binary_data):
    X, y = binary_data
    X_sparse = sp.csr_matrix(X)
    sparse_ok = MultiGranularityClassifier(
        [("lr", "passthrough", LogisticRegression())], cv=3
    )
    assert get_tags(sparse_ok).input_tags.sparse
    sparse_ok.fit(X_sparse, y).predict(X_sparse)
    dense_only = MultiGranularityClassifier(cv=3)  # both levels: dense only
    assert not get_tags(dense_only).input_tags.sparse
    with pytest.raises(TypeError, match="dense data is required") as caught:
        dense_only.fit(X_sparse, y)
    # As for NaN, the error names the levels that refuse sparse input.
    assert caught.value.__notes__ == [
        "Levels whose first step cannot take sparse input: "
        "'binned' (KBinsDiscretizer), 'raw' (HistGradientBoostingClassifier)."
    ]


def test_text_columns_are_refused_before_any_task_runs(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["city"] = np.where(y == 1, "Paris", "Lyon")
    clf = MultiGranularityClassifier(
        [
            ("lr", "passthrough", LogisticRegression()),
            ("tree", "passthrough", DecisionTreeClassifier()),
        ],
        cv=3,
    )
    with pytest.raises(ValueError, match=r"columns \['city'\], which levels "
                       r"\['lr', 'tree'\] cannot take"):  # fmt: skip
        clf.fit(frame, y)
    # A ColumnTransformer as a level's granularity encodes them.
    encode = make_column_transformer(
        (OneHotEncoder(), ["city"]), remainder="passthrough"
    )
    encoded = MultiGranularityClassifier(
        [
            ("lr", encode, LogisticRegression()),
            ("tree", encode, DecisionTreeClassifier()),
        ],
        cv=3,
    )
    assert encoded.fit(frame, y).score(frame, y) > 0.9


def test_text_categories_are_refused_by_the_default_levels_only(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["city"] = pd.Categorical(np.where(y == 1, "Paris", "Lyon"))
    with pytest.raises(ValueError, match=r"categorical columns \['city'\] with text"):
        MultiGranularityClassifier(cv=3).fit(frame, y)
    # HistGradientBoosting takes them as they are; so do numeric categories.
    native = [("raw", "passthrough", HistGradientBoostingClassifier(max_iter=20))]
    assert MultiGranularityClassifier(native, cv=3).fit(frame, y).score(frame, y) > 0.9
    frame["city"] = pd.Categorical(y)
    MultiGranularityClassifier(cv=3).fit(frame, y)


def test_passthrough_refuses_text_columns_for_the_final_estimator(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["city"] = pd.Categorical(np.where(y == 1, "Paris", "Lyon"))
    native = [("raw", "passthrough", HistGradientBoostingClassifier(max_iter=20))]
    clf = MultiGranularityClassifier(native, cv=3, passthrough=True)
    # The level takes the column; the stack of floats it joins cannot.
    with pytest.raises(ValueError, match=r"passthrough=True .* columns \['city'\]"):
        clf.fit(frame, y)
    clf.set_params(passthrough=False).fit(frame, y)
    frame["city"] = pd.Categorical(y)  # categories of numbers are numbers
    stacked = clf.set_params(passthrough=True).fit(frame, y).transform(frame)
    assert stacked.shape == (len(y), 1 + 4)  # a binary level's one column, and X


def test_a_failing_task_is_not_listed_as_unfinished(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier(
        [("bad", _FailingView(), LogisticRegression())], cv=3
    )
    with pytest.raises(RuntimeError) as caught:
        clf.fit(X, y)
    unfinished = [n for n in caught.value.__notes__ if n.startswith("Unfinished")]
    raised = [n for n in caught.value.__notes__ if n.startswith("Raised by")]
    assert len(raised) == 1 and len(unfinished) == 1
    what = raised[0].removeprefix("Raised by level 'bad' during ").rstrip(".")
    assert what not in unfinished[0]


class _FailingView(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        raise RuntimeError("this view always fails")

    def transform(self, X):
        return X


def test_html_repr_shows_levels_and_final_estimator():
    clf = MultiGranularityClassifier(
        [("coarse", FeatureGroups({"g": [0, 1]}), LogisticRegression())]
    )
    html = estimator_html_repr(clf)
    for text in ("coarse", "FeatureGroups", "LogisticRegression", "final_estimator"):
        assert text in html


def test_polars_frames_reach_the_granularity(binary_data):
    pl = pytest.importorskip("polars")
    X, y = binary_data
    columns = [f"f{i}" for i in range(X.shape[1])]
    frame = pl.DataFrame(X, schema=columns)
    if _get_feature_names(frame) is None:
        pytest.skip(
            f"scikit-learn {sklearn.__version__} reads polars column names "
            "through __dataframe__, which polars >= 2 no longer has"
        )
    clf = MultiGranularityClassifier(
        _levels_by_column_name(),
        cv=3,
    ).fit(frame, y)
    assert list(clf.feature_names_in_) == columns
    assert clf.predict(frame).shape == y.shape
    out = clf.set_output(transform="polars").transform(frame)
    assert isinstance(out, pl.DataFrame)
    assert out.columns == list(clf.get_feature_names_out())
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename({"f0": "renamed"}))


def test_a_frame_fitted_model_warns_once_for_an_array(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = MultiGranularityClassifier(cv=3).fit(frame, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.predict(X)
    nameless = [w for w in caught if "valid feature names" in str(w.message)]
    assert len(nameless) == 1


def _wavy_series():
    # 40 positions: the slope's 39 are a length where a shifted interval of
    # IntervalQuantiles covers an unshifted one.
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    t = np.arange(40) / np.where(y == 0, 6.0, 9.0)[:, None]
    return np.sin(2 * np.pi * t) + rng.normal(scale=0.3, size=t.shape), y


def _digits_rows():
    X, y = load_digits(return_X_y=True)
    return X[:150], y[:150]


@pytest.mark.parametrize(
    "make_model, data",
    [
        (lambda: MultiGranularityClassifier(cv=3), "binary"),
        (lambda: MultiGranularityRegressor(cv=3), "regression"),
        (
            lambda: MultiGranularityClassifier(
                make_series_levels(random_state=0, n_features=168),
                final_estimator="vote",
                cv=3,
            ),
            "series",
        ),
        (
            lambda: MultiGranularityClassifier(
                make_image_levels((8, 8), random_state=0), final_estimator="vote", cv=3
            ),
            "digits",
        ),
    ],
    ids=["classifier defaults", "regressor defaults", "series", "images"],
)
def test_defaults_and_presets_work_under_global_pandas_output(
    make_model, data, binary_data, regression_data
):
    pd = pytest.importorskip("pandas")
    X, y = {
        "binary": binary_data,
        "regression": regression_data,
        "series": _wavy_series(),
        "digits": _digits_rows(),
    }[data]
    with sklearn.config_context(transform_output="pandas"):
        model = make_model().fit(X, y)
        assert model.predict(X).shape == y.shape
        out = model.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(model.get_feature_names_out())
