import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skmgm import make_levels
from skmgm.granularity import MultiGrainedScanner, Pool1D, Pool2D


def test_names_are_derived_and_made_unique():
    levels = make_levels(
        DecisionTreeClassifier(),
        [
            Pool1D(8),
            Pool2D((8, 8), (2, 4)),
            MultiGrainedScanner(window=0.1),
            KBinsDiscretizer(strategy="uniform"),
            make_pipeline(StandardScaler(), Pool1D(4)),
            Pool1D(8),
            "passthrough",
        ],
    )
    assert [name for name, _, _ in levels] == [
        "pool1d_w8",
        "pool2d_w2x4",
        "scan_w0.1",
        "kbinsdiscretizer",
        "standardscaler_pool1d_w4",
        "pool1d_w8_2",
        "raw",
    ]


def test_every_level_gets_its_own_clone():
    tree = DecisionTreeClassifier(max_depth=3)
    levels = make_levels(tree, [Pool1D(2), "passthrough"], names=["a", "b"])
    estimators = [est for _, _, est in levels]
    assert estimators[0] is not estimators[1] and estimators[0] is not tree
    assert all(est.max_depth == 3 for est in estimators)


def test_names_must_match_granularities():
    with pytest.raises(ValueError, match="names has 1 entries for 2"):
        make_levels(DecisionTreeClassifier(), [Pool1D(2), "passthrough"], ["a"])


@pytest.mark.parametrize(
    "granularities, error, message",
    [
        ("passthrough", TypeError, r"got 'passthrough'\. For one level, pass"),
        (Pool1D(2), TypeError, "granularities must be a list"),
        ([], ValueError, "granularities is empty"),
        ([Pool1D(2), "raw"], TypeError, r"granularities\[1\] must be a transformer"),
        ([Pool1D], TypeError, r"granularities\[0\] is the class Pool1D"),
    ],
)
def test_granularities_that_are_not_a_list_of_views_are_refused(
    granularities, error, message
):
    with pytest.raises(error, match=message):
        make_levels(DecisionTreeClassifier(), granularities)


@pytest.mark.parametrize(
    "estimator, names, message",
    [
        (None, None, "estimator must be a scikit-learn estimator; got None"),
        (DecisionTreeClassifier, None, "estimator is the class DecisionTree"),
        # A string of names is not read as one name per character.
        (DecisionTreeClassifier(), "ab", r"names must be a list of str; got 'ab'"),
    ],
)
def test_an_estimator_or_names_of_the_wrong_kind_are_refused(estimator, names, message):
    with pytest.raises(TypeError, match=message):
        make_levels(estimator, [Pool1D(2), "passthrough"], names)
