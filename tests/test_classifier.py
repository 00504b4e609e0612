import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier, StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skmgm import MultiGranularityClassifier
from skmgm._targets import EachLabelClassifier
from skmgm.granularity import Pool1D, Pool2D


def _peer_estimators():
    return [
        ("lr", make_pipeline(StandardScaler(), LogisticRegression())),
        ("rf", RandomForestClassifier(n_estimators=15, random_state=0)),
        ("svc", make_pipeline(StandardScaler(), LinearSVC(random_state=0))),
    ]


@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
@pytest.mark.parametrize("passthrough", [False, True])
def test_equals_stacking_classifier_with_passthrough_levels(request, data, passthrough):
    X, y = request.getfixturevalue(data)
    cv = StratifiedKFold(4, shuffle=True, random_state=3)
    peer = StackingClassifier(_peer_estimators(), cv=cv, passthrough=passthrough)
    ours = MultiGranularityClassifier(
        [(name, "passthrough", est) for name, est in _peer_estimators()],
        cv=cv,
        passthrough=passthrough,
    )
    peer.fit(X, y)
    ours.fit(X, y)
    assert ours.stack_method_ == peer.stack_method_
    assert_allclose(ours.transform(X), peer.transform(X), rtol=0, atol=1e-10)
    assert_allclose(ours.predict_proba(X), peer.predict_proba(X), rtol=0, atol=1e-10)
    assert_array_equal(ours.predict(X), peer.predict(X))


def test_fitted_attributes(digits_small):
    X, y = digits_small
    clf = MultiGranularityClassifier(
        [
            ("coarse", Pool2D((8, 8), 4), LogisticRegression(max_iter=500)),
            ("gone", "passthrough", "drop"),
            ("fine", "passthrough", DecisionTreeClassifier(random_state=0)),
        ],
        cv=3,
    ).fit(X, y)
    assert [name for name, _, _ in clf.levels_] == ["coarse", "fine"]
    assert clf.named_levels_.fine.granularity == "passthrough"
    assert isinstance(clf.named_levels_.coarse.granularity, Pool2D)
    assert clf.named_levels_.coarse.granularity.n_features_in_ == 64
    assert_array_equal(clf.classes_, np.arange(10))
    assert clf.n_features_in_ == 64
    assert clf.stack_method_ == ["predict_proba", "predict_proba"]
    assert set(clf.level_scores_) == {"coarse", "fine"}
    assert set(clf.level_fit_seconds_) == {"coarse", "fine"}
    assert clf.transform(X[:5]).shape == (5, 20)
    names = clf.get_feature_names_out()
    assert names[0] == "multigranularityclassifier_coarse0"
    assert len(names) == 20


def test_level_scores_are_out_of_fold_accuracies(binary_data):
    X, y = binary_data
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    tree = DecisionTreeClassifier(random_state=0)
    clf = MultiGranularityClassifier([("tree", "passthrough", tree)], cv=cv)
    clf.fit(X, y)
    expected = cross_val_score(tree, X, y, cv=cv).mean()
    # Equal folds of 30 samples: mean fold accuracy is the overall accuracy.
    assert clf.level_scores_["tree"] == pytest.approx(expected)
    # An unpruned tree is perfect in sample, never out of fold here.
    assert clf.level_scores_["tree"] < 1.0


def test_string_labels_and_decision_function(binary_data):
    X, y = binary_data
    labels = np.array(["no", "yes"])[y]
    clf = MultiGranularityClassifier(
        [("svc", StandardScaler(), LinearSVC(random_state=0))], cv=3
    ).fit(X, labels)
    assert clf.stack_method_ == ["decision_function"]
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert clf.decision_function(X).shape == (len(X),)
    assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


def test_predict_proba_absent_when_final_estimator_lacks_it(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier(final_estimator=LinearSVC())
    assert not hasattr(clf, "predict_proba")
    clf.fit(X, y)
    assert not hasattr(clf, "predict_proba")
    assert clf.decision_function(X).shape == (len(X),)


def test_missing_method_error_chains_the_final_estimators(binary_data):
    X, y = binary_data
    forest = RandomForestClassifier(n_estimators=5, random_state=0)
    ours = MultiGranularityClassifier(final_estimator=forest, cv=3).fit(X, y)
    theirs = StackingClassifier(
        [("tree", DecisionTreeClassifier())], final_estimator=forest, cv=3
    ).fit(X, y)
    errors = []
    for model in (ours, theirs):
        with pytest.raises(AttributeError, match="decision_function") as caught:
            model.decision_function(X)
        errors.append(caught.value)
    assert isinstance(errors[0].__cause__, AttributeError)
    assert str(errors[0].__cause__) == str(errors[1].__cause__)


def test_works_in_pipeline_grid_search_cross_val_score(digits_small):
    X, y = digits_small
    clf = MultiGranularityClassifier(
        [
            ("coarse", Pool2D((8, 8), 2), LogisticRegression(max_iter=300)),
            ("fine", "passthrough", DecisionTreeClassifier(random_state=0)),
        ],
        cv=3,
    )
    pipe = make_pipeline(StandardScaler(), clf)
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.8
    grid = GridSearchCV(
        clf,
        {
            "coarse__estimator__C": [0.01, 1.0],
            "coarse__granularity__window": [2, 4],
            "final_estimator__C": [1.0],
        },
        cv=2,
    ).fit(X, y)
    assert set(grid.best_params_) == {
        "coarse__estimator__C",
        "coarse__granularity__window",
        "final_estimator__C",
    }
    best = grid.best_estimator_
    assert (
        best.named_levels_.coarse.estimator.C
        == grid.best_params_["coarse__estimator__C"]
    )
    assert (
        best.named_levels_.coarse.granularity.window
        == grid.best_params_["coarse__granularity__window"]
    )


def test_clone_and_pickle_round_trip(digits_small):
    X, y = digits_small
    clf = MultiGranularityClassifier(
        [
            ("coarse", Pool2D((8, 8), 4), LogisticRegression(max_iter=300)),
            ("fine", "passthrough", RandomForestClassifier(10, random_state=0)),
        ],
        cv=3,
    )
    cloned = clone(clf)
    assert cloned.get_params()["coarse__granularity__window"] == 4
    assert cloned.levels[0][1] is not clf.levels[0][1]
    clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_default_cv_adapts_to_small_classes():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.array([0] * 17 + [1] * 3)
    clf = MultiGranularityClassifier(
        [("tree", "passthrough", DecisionTreeClassifier(random_state=0))]
    ).fit(X, y)
    assert clf.predict(X).shape == (20,)


# ------------------------------------------------------------------ multilabel
@pytest.fixture
def multilabel_data():
    X, Y = make_multilabel_classification(
        n_samples=120, n_features=12, n_classes=4, random_state=0
    )
    return X, Y


@pytest.fixture
def multilabel_levels(pooled_and_raw):
    """Levels whose estimators take multilabel y."""
    forest = RandomForestClassifier(20, random_state=0)
    return pooled_and_raw(KNeighborsClassifier(), forest, names=("coarse", "raw"))


def test_multilabel_equals_stacking_classifier(multilabel_data):
    X, Y = multilabel_data
    levels = [
        ("knn", "passthrough", KNeighborsClassifier()),
        ("forest", "passthrough", RandomForestClassifier(20, random_state=0)),
    ]
    ours = MultiGranularityClassifier(
        levels, final_estimator=KNeighborsClassifier(), cv=KFold(4)
    ).fit(X, Y)
    peer = StackingClassifier(
        [(name, est) for name, _, est in levels],
        final_estimator=KNeighborsClassifier(),
        cv=KFold(4),
    ).fit(X, Y)
    assert_allclose(ours.transform(X), peer.transform(X))
    assert_array_equal(ours.predict(X), peer.predict(X))


def test_multilabel_outputs(multilabel_data, multilabel_levels):
    X, Y = multilabel_data
    clf = MultiGranularityClassifier(multilabel_levels).fit(X, Y)
    assert [list(c) for c in clf.classes_] == [[0, 1]] * 4
    assert clf.predict(X).shape == Y.shape
    assert set(np.unique(clf.predict(X))) <= {0, 1}
    proba = clf.predict_proba(X)
    assert len(proba) == Y.shape[1]
    for label, label_proba in enumerate(proba):
        assert label_proba.shape == (len(X), 2)
        assert_allclose(label_proba.sum(axis=1), 1)
        # Column 1 is the probability of label value 1: it agrees with predict.
        assert_array_equal(label_proba[:, 1] > 0.5, clf.predict(X)[:, label] == 1)
    assert isinstance(clf.final_estimator_, MultiOutputClassifier)
    oof = cross_val_predict(
        KNeighborsClassifier(), Pool1D(window=4).fit_transform(X), Y, cv=KFold(5)
    )
    assert clf.level_scores_["coarse"] == pytest.approx(accuracy_score(Y, oof))
    assert clf.__sklearn_tags__().classifier_tags.multi_label
    default = MultiGranularityClassifier()  # its levels take 1-D y only
    assert not default.__sklearn_tags__().classifier_tags.multi_label


def test_multilabel_label_never_one_in_a_fold(multilabel_data, multilabel_levels):
    X, Y = multilabel_data
    Y = Y.copy()
    Y[:, 0] = 0
    Y[0, 0] = 1  # one fold's training rows never see label 0 set
    clf = MultiGranularityClassifier(multilabel_levels, cv=KFold(3)).fit(X, Y)
    assert np.isfinite(clf.transform(X)).all()
    assert len(clf.predict_proba(X)) == Y.shape[1]


def test_multilabel_label_of_one_value_is_answered_with_it(
    multilabel_data, multilabel_levels
):
    X, Y = multilabel_data
    Y = Y.copy()
    Y[:, 1] = 1  # the default meta-learner's LogisticRegression refuses a
    Y[:, 2] = 0  # label of one value; the forest level answers it
    clf = MultiGranularityClassifier(multilabel_levels).fit(X, Y)
    predicted = clf.predict(X)
    assert (predicted[:, 1] == 1).all() and (predicted[:, 2] == 0).all()
    assert [list(c) for c in clf.classes_] == [[0, 1], [1], [0], [0, 1]]
    proba = clf.predict_proba(X)
    # As a forest's: a column per class of the label, the one class certain.
    forest = RandomForestClassifier(10, random_state=0).fit(X, Y).predict_proba(X)
    assert [p.shape for p in proba] == [p.shape for p in forest]
    for label in (1, 2):
        assert_array_equal(proba[label], np.ones((len(X), 1)))
    # The labels of two values get the estimator fitted on them.
    fitted = clf.final_estimator_.estimators_
    assert [type(estimator).__name__ for estimator in fitted] == [
        "LogisticRegression",
        "DummyClassifier",
        "DummyClassifier",
        "LogisticRegression",
    ]
    assert_array_equal(fitted[3].classes_, [0, 1])


def test_multilabel_rejects_level_without_multilabel_support(
    multilabel_data, multilabel_levels
):
    X, Y = multilabel_data
    levels = [*multilabel_levels, ("linear", "passthrough", LogisticRegression())]
    with pytest.raises(ValueError, match="Level 'linear'.*multilabel"):
        MultiGranularityClassifier(levels).fit(X, Y)
    wrapped = [("linear", "passthrough", MultiOutputClassifier(LogisticRegression()))]
    MultiGranularityClassifier(wrapped).fit(X, Y)
    with pytest.raises(ValueError, match="final_estimator='vote' .*multilabel"):
        MultiGranularityClassifier(multilabel_levels, final_estimator="vote").fit(X, Y)


def test_multilabel_meta_learner_of_1d_labels_is_fitted_per_label(
    multilabel_data, multilabel_levels
):
    X, Y = multilabel_data
    # As the default is: so that a grid can tune final_estimator__C.
    search = GridSearchCV(
        MultiGranularityClassifier(multilabel_levels),
        {"final_estimator__C": [0.01, 1.0]},
        cv=KFold(3),
    ).fit(X, Y)
    meta = search.best_estimator_.final_estimator_
    assert isinstance(meta, EachLabelClassifier)
    assert meta.estimator.C == search.best_params_["final_estimator__C"]
    assert len(meta.estimators_) == Y.shape[1]
    # One that takes multilabel y is kept as it is.
    forest = RandomForestClassifier(10, random_state=0)
    clf = MultiGranularityClassifier(multilabel_levels, final_estimator=forest)
    assert isinstance(clf.fit(X, Y).final_estimator_, RandomForestClassifier)


def test_multiclass_multioutput_is_refused(multilabel_data, multilabel_levels):
    X, Y = multilabel_data
    Y = Y.copy()
    Y[:, 0] = Y[:, 0] + Y[:, 1] * 2  # three values in the first column
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        MultiGranularityClassifier(multilabel_levels).fit(X, Y)
