import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils import get_tags

from skmgm.granularity import FeatureGroups


def test_hand_checked_aggregates():
    X = np.array([[1.0, 2.0, 6.0, 4.0], [0.0, 0.0, 3.0, 1.0]])
    view = FeatureGroups({"ab": [0, 1], "cd": [2, 3]}, agg=("sum", "std"))
    assert_allclose(view.fit_transform(X), [[3, 0.5, 10, 1], [0, 0, 4, 1]])
    assert view.get_feature_names_out().tolist() == [
        "ab_sum",
        "ab_std",
        "cd_sum",
        "cd_std",
    ]


def test_columns_by_dataframe_name():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 9.0]})
    view = FeatureGroups({"ac": ["a", "c"], "b": ["b"]}, agg="max")
    assert_allclose(view.fit_transform(X), [[5.0, 3.0], [9.0, 4.0]])
    assert view.feature_names_in_.tolist() == ["a", "b", "c"]


@pytest.mark.parametrize("frame", [False, True])
def test_a_column_may_belong_to_several_groups(frame):
    X = np.array([[1.0, 2.0, 6.0], [0.0, 4.0, 2.0]])
    groups = {"ab": [0, 1], "bc": [1, 2]}
    if frame:
        pd = pytest.importorskip("pandas")
        X = pd.DataFrame(X, columns=["a", "b", "c"])
        groups = {"ab": ["a", "b"], "bc": ["b", "c"]}
    assert_allclose(FeatureGroups(groups).fit_transform(X), [[1.5, 4.0], [2.0, 3.0]])


@pytest.mark.parametrize(
    "groups, agg, match",
    [
        ({"g": [0, 7]}, "mean", r"groups\['g'\] names column 7, but X has n_features"),
        ({"g": ["a"]}, "mean", r"groups\['g'\] names column 'a', which X does not"),
        ({"g": []}, "mean", r"groups\['g'\] has no columns"),
        ({}, "mean", "groups is empty"),
        ({"g": [0]}, ("mean", "mode"), r"agg=.* holds unknown names \['mode'\]"),
    ],
)
def test_bad_groups_name_the_problem(groups, agg, match):
    with pytest.raises(ValueError, match=match):
        FeatureGroups(groups, agg=agg).fit(np.ones((3, 4)))


def test_nan_is_refused_in_grouped_columns_only():
    X = np.ones((3, 4))
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="X's grouped columns contains NaN"):
        FeatureGroups({"g": [0, 1]}).fit(X)
    # A column outside every group is never read.
    assert_array_equal(FeatureGroups({"g": [2, 3]}).fit_transform(X), np.ones((3, 1)))


def test_nan_tolerant_statistics_skip_missing_values():
    X = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 5.0]])
    view = FeatureGroups({"g": [0, 1, 2]}, agg=("nanmean", "nanmax", "nansum"))
    assert get_tags(view).input_tags.allow_nan
    assert_array_equal(view.fit_transform(X), [[2.0, 3.0, 4.0], [5.0, 5.0, 5.0]])


def test_text_columns_outside_the_groups_are_never_read():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 5.0], "city": ["x", "y"]})
    view = FeatureGroups({"ab": ["a", "b"]}, agg="mean").fit(frame)
    assert_array_equal(view.transform(frame), [[2.0], [3.5]])
    with pytest.raises(ValueError, match="could not convert string"):
        FeatureGroups({"all": ["a", "city"]}).fit(frame)
