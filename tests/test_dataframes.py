"""DataFrames, sparse input and the HTML repr."""

import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import estimator_html_repr, get_tags

from skmgm import MultiGranularityClassifier
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


def test_sparse_input_is_taken_exactly_when_every_level_takes_it(binary_data):
    X, y = binary_data
    X_sparse = sp.csr_matrix(X)
    sparse_ok = MultiGranularityClassifier(
        [("lr", "passthrough", LogisticRegression())], cv=3
    )
    assert get_tags(sparse_ok).input_tags.sparse
    sparse_ok.fit(X_sparse, y).predict(X_sparse)
    dense_only = MultiGranularityClassifier(cv=3)  # KBinsDiscretizer: dense only
    assert not get_tags(dense_only).input_tags.sparse
    with pytest.raises(TypeError, match="dense data is required"):
        dense_only.fit(X_sparse, y)


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
            "this scikit-learn (1.6) reads polars column names through "
            "__dataframe__, which polars >= 2 no longer has"
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
