"""Held-out estimates instead of fold fits: a forest's out-of-bag estimates
and a ridge model's leave-one-out predictions as a level's out-of-fold
predictions."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.ensemble import BaggingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm._held_out import out_of_bag_predictions
from skmgm.granularity import Pool2D
from skmgm.linear_model import LeaveOneOutRidge, LeaveOneOutRidgeClassifier


def _forest(**params):
    return RandomForestClassifier(
        n_estimators=40, oob_score=True, random_state=0, **params
    )


def _tasks_of(capsys, level):
    """What the verbose report says ran for ``level``: 'refit' and folds."""
    lines = capsys.readouterr().err.splitlines()
    marker = f"level {level!r} "
    return sorted(
        line.split(marker)[1].split(":")[0] for line in lines if marker in line
    )


def test_out_of_bag_level_is_fitted_once_and_stacks_its_estimates(
    capsys, multiclass_data
):
    X, y = multiclass_data
    levels = [
        ("lr", "passthrough", LogisticRegression()),
        ("rf", Pool2D((4, 4), (2, 2)), _forest()),
    ]
    clf = MultiGranularityClassifier(levels, cv=3, verbose=1).fit(X, y)
    assert _tasks_of(capsys, "rf") == ["refit"]
    forest = clf.named_levels_.rf.estimator
    assert clf.level_scores_["rf"] == pytest.approx(forest.oob_score_)
    # Both levels stack their probabilities (3 classes each); that the
    # forest's are its out-of-bag estimates is what its score above shows.
    stacked = clf.final_estimator_.coef_.shape[1]
    assert stacked == 2 * 3
    assert clf.level_fit_seconds_["rf"] > 0

    clf.set_params(out_of_bag=None).fit(X, y)
    assert _tasks_of(capsys, "rf") == ["fold 0", "fold 1", "fold 2", "refit"]
    assert clf.level_scores_["rf"] != pytest.approx(forest.oob_score_)


def test_out_of_bag_regressor_stacks_the_forest_s_oob_prediction(regression_data):
    from sklearn.ensemble import RandomForestRegressor

    X, y = regression_data
    forest = RandomForestRegressor(n_estimators=40, oob_score=True, random_state=0)
    reg = MultiGranularityRegressor([("rf", "passthrough", forest)], cv=3).fit(X, y)
    assert reg.level_scores_["rf"] == pytest.approx(
        reg.named_levels_.rf.estimator.oob_score_
    )


def test_out_of_bag_level_keeps_its_one_model_without_refit(binary_data):
    X, y = binary_data
    levels = [
        ("lr", "passthrough", LogisticRegression()),
        ("rf", "passthrough", _forest()),
    ]
    clf = MultiGranularityClassifier(levels, cv=3, refit=False).fit(X, y)
    assert isinstance(clf.named_levels_.rf.estimator, RandomForestClassifier)
    assert type(clf.named_levels_.lr.estimator).__name__ == "FoldBag"
    assert clf.predict(X).shape == y.shape


def test_out_of_bag_auto_skips_a_level_whose_view_is_fitted_per_fold(
    capsys, binary_data
):
    from sklearn.feature_selection import SelectKBest

    X, y = binary_data
    levels = [("selected", SelectKBest(k=5), _forest())]
    MultiGranularityClassifier(levels, cv=3, verbose=1).fit(X, y)
    assert _tasks_of(capsys, "selected") == ["fold 0", "fold 1", "fold 2", "refit"]
    clf = MultiGranularityClassifier(levels, cv=3, out_of_bag=["selected"])
    with pytest.raises(ValueError, match="its view is fitted per fold"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "level, params, message",
    [
        (
            ("lr", "passthrough", LogisticRegression()),
            {"out_of_bag": ["lr"]},
            r"out_of_bag=\['lr'\] names level 'lr', but its estimator computes "
            "no out-of-bag estimates",
        ),
        (
            ("rf", "passthrough", _forest()),
            {"out_of_bag": ["rf"], "stack_method": "predict"},
            "it stacks predict, and its held-out estimates give predict_proba",
        ),
        (
            ("rf", "passthrough", _forest()),
            {"out_of_bag": ["rf", "zz"]},
            r"out_of_bag=\['rf', 'zz'\] names levels that do not exist: \['zz'\]",
        ),
    ],
)
def test_out_of_bag_refuses_what_it_cannot_do(binary_data, level, params, message):
    X, y = binary_data
    with pytest.raises(ValueError, match=message):
        MultiGranularityClassifier([level], cv=3, **params).fit(X, y)


def test_out_of_bag_rows_without_an_estimate_raise_naming_the_level(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier([("rf", "passthrough", _forest())], cv=3)
    clf.set_params(rf__estimator__n_estimators=2)
    with (
        pytest.warns(UserWarning, match="Some inputs do not have OOB scores"),
        pytest.raises(ValueError, match="have no out-of-bag estimate") as info,
    ):
        clf.fit(X, y)
    assert "Raised by level 'rf' during the refit on all rows." in info.value.__notes__
    # Its one task was the whole plan: no note of unfinished tasks, not an empty one.
    assert not [n for n in info.value.__notes__ if n.startswith("Unfinished")]


def test_out_of_bag_multilabel_stacks_each_label_s_probability():
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=120, n_classes=3, random_state=0)
    levels = [("rf", "passthrough", _forest())]
    clf = MultiGranularityClassifier(levels, cv=3).fit(X, Y)
    forest = clf.named_levels_.rf.estimator
    assert clf.level_scores_["rf"] == pytest.approx(
        np.mean((forest.oob_decision_function_.argmax(axis=1) == Y).all(axis=1))
    )
    assert clf.predict(X).shape == Y.shape


def test_out_of_bag_is_not_taken_when_the_folds_are_split_by_groups(
    capsys, binary_data
):
    from sklearn import config_context
    from sklearn.model_selection import GroupKFold

    X, y = binary_data
    groups = np.arange(len(y)) // 5
    levels = [("rf", "passthrough", _forest())]
    with config_context(enable_metadata_routing=True):
        clf = MultiGranularityClassifier(levels, cv=GroupKFold(3), verbose=1)
        clf.fit(X, y, groups=groups)
        assert _tasks_of(capsys, "rf") == ["fold 0", "fold 1", "fold 2", "refit"]
        with pytest.raises(ValueError, match="split by groups"):
            clf.set_params(out_of_bag=["rf"]).fit(X, y, groups=groups)


def test_out_of_bag_predictions_are_the_forest_s_estimates(multiclass_data):
    X, y = multiclass_data
    forest = RandomForestClassifier(n_estimators=30, oob_score=True, random_state=0)
    forest.fit(X, y)
    estimates = out_of_bag_predictions(forest, "predict_proba", n_classes=3)
    assert_array_equal(estimates, forest.oob_decision_function_)


def test_out_of_bag_predictions_refuse_rows_in_every_bag(binary_data):
    X, y = binary_data
    tree = DecisionTreeClassifier(random_state=0)
    bagging = BaggingClassifier(tree, n_estimators=3, oob_score=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scikit-learn's own note
        bagging.fit(X, y)
    drawn = [set(np.unique(rows)) for rows in bagging.estimators_samples_]
    in_every_bag = sorted(set.intersection(*drawn))
    assert in_every_bag  # 3 bootstrap samples: about a quarter of the rows
    with pytest.raises(ValueError, match=f"^{len(in_every_bag)} training rows"):
        out_of_bag_predictions(bagging, "predict_proba", n_classes=2)


# ------------------------------------------------------------ leave one out
def test_leave_one_out_level_is_fitted_once_and_stacks_its_decision_values(
    capsys, multiclass_data
):
    X, y = multiclass_data
    levels = [
        ("lr", "passthrough", LogisticRegression()),
        ("ridge", StandardScaler(), LeaveOneOutRidgeClassifier()),
    ]
    clf = MultiGranularityClassifier(levels, cv=3, verbose=1).fit(X, y)
    assert _tasks_of(capsys, "ridge") == ["refit"]
    ridge = clf.named_levels_.ridge.estimator
    loo_labels = ridge.classes_[ridge.loo_decision_function_.argmax(axis=1)]
    assert clf.level_scores_["ridge"] == pytest.approx(np.mean(loo_labels == y))
    # The scaler learns no labels: fitted once, on all rows, before the ridge.
    scaled = StandardScaler().fit_transform(X)
    reference = LeaveOneOutRidgeClassifier().fit(scaled, y)
    assert_allclose(ridge.loo_decision_function_, reference.loo_decision_function_)

    clf.set_params(out_of_bag=None).fit(X, y)
    assert _tasks_of(capsys, "ridge") == ["fold 0", "fold 1", "fold 2", "refit"]


def test_leave_one_out_regressor_stacks_the_ridge_s_predictions(regression_data):
    X, y = regression_data
    levels = [("ridge", "passthrough", LeaveOneOutRidge())]
    reg = MultiGranularityRegressor(levels, cv=3).fit(X, y)
    ridge = reg.named_levels_.ridge.estimator
    assert reg.level_scores_["ridge"] == pytest.approx(
        r2_score(y, ridge.loo_prediction_)
    )


def test_leave_one_out_classifier_needs_its_decision_values_stacked(binary_data):
    X, y = binary_data
    level = ("ridge", "passthrough", LeaveOneOutRidgeClassifier())
    clf = MultiGranularityClassifier([level], cv=3, stack_method="predict")
    with pytest.raises(ValueError, match="held-out estimates give decision_function"):
        clf.set_params(out_of_bag=["ridge"]).fit(X, y)
    # "auto" fits it per fold instead.
    assert clf.set_params(out_of_bag="auto").fit(X, y).predict(X).shape == y.shape


def test_out_of_bag_predictions_are_the_ridge_s_leave_one_out_ones(binary_data):
    X, y = binary_data
    ridge = LeaveOneOutRidgeClassifier().fit(X, y)
    estimates = out_of_bag_predictions(ridge, "decision_function", n_classes=2)
    assert_array_equal(estimates, ridge.loo_decision_function_)
    regressor = LeaveOneOutRidge().fit(X, y.astype(float))
    estimates = out_of_bag_predictions(regressor, "predict", n_classes=None)
    assert_array_equal(estimates, regressor.loo_prediction_)


def test_a_level_fitted_once_computes_its_view_in_its_one_task(
    monkeypatch, binary_data
):
    """No view computed before the plan: the refit task computes it, on all
    rows, and the fitted level keeps it."""
    import skmgm._plan

    X, y = binary_data
    planned = []
    plan_level = skmgm._plan.plan_level

    def recording(level, **kwargs):
        planned.append(plan_level(level, **kwargs))
        return planned[-1]

    monkeypatch.setattr(skmgm._plan, "plan_level", recording)
    levels = [("ridge", StandardScaler(), LeaveOneOutRidgeClassifier())]
    clf = MultiGranularityClassifier(levels, cv=3).fit(X, y)
    (plan,) = planned
    assert plan.out_of_bag and plan.data is X and plan.prefitted_granularity is None
    scaler = clf.named_levels_.ridge.granularity
    assert_allclose(scaler.mean_, X.mean(axis=0))


def test_a_view_fitted_once_by_name_gets_no_labels_in_its_task(binary_data):
    from sklearn.feature_selection import SelectKBest

    X, y = binary_data
    levels = [("selected", SelectKBest(k=5), _forest())]
    clf = MultiGranularityClassifier(levels, cv=3, fit_once=["selected"])
    with pytest.raises((TypeError, ValueError)) as info:
        clf.fit(X, y)
    assert "Raised by level 'selected' during the refit on all rows." in (
        info.value.__notes__
    )
