"""The flat task plan: one Parallel, views computed once, same folds."""

import os

import numpy as np
import pytest
from joblib import parallel_config
from joblib.parallel import get_active_backend
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.parallel import Parallel

import skmgm._plan
from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import Pool2D


class _RecordingParallel(Parallel):
    calls = []

    def __call__(self, iterable):
        tasks = list(iterable)
        type(self).calls.append(len(tasks))
        return super().__call__(tasks)


def test_one_parallel_call_holds_every_fold_and_refit(monkeypatch, multiclass_data):
    X, y = multiclass_data
    _RecordingParallel.calls = []
    monkeypatch.setattr(skmgm._plan, "Parallel", _RecordingParallel)
    import sklearn.model_selection._validation as validation

    def forbidden(*args, **kwargs):
        raise AssertionError("cross_val_predict must not be called")

    monkeypatch.setattr(validation, "cross_val_predict", forbidden)
    clf = MultiGranularityClassifier(
        [
            ("a", StandardScaler(), LogisticRegression()),
            ("b", "passthrough", LogisticRegression(C=0.1)),
            ("c", "passthrough", "drop"),
            ("d", FunctionTransformer(np.abs), LogisticRegression()),
        ],
        cv=4,
        fit_once=None,  # the scaler in every task, the stateless view before
    ).fit(X, y)
    # 3 active levels x (4 folds + 1 refit), all in a single Parallel call.
    assert _RecordingParallel.calls == [15]
    assert len(clf.levels_) == 3


# Module-level logs: clone() deep-copies parameters, so a counter handed to a
# level as a parameter would count in a copy.
_CALLS = {"view": 0, "fit_rows": []}


def _counted_half(X):
    _CALLS["view"] += 1
    return X[:, ::2]


class _CountingScaler(TransformerMixin, BaseEstimator):
    """A stateful view that logs the rows of each fit."""

    def fit(self, X, y=None):
        _CALLS["fit_rows"].append(len(X))
        self.mean_ = X.mean(axis=0)
        return self

    def transform(self, X):
        return X - self.mean_


def test_stateless_view_is_computed_once_per_fit(binary_data):
    X, y = binary_data
    _CALLS["view"] = 0
    clf = MultiGranularityClassifier(
        [("half", FunctionTransformer(_counted_half), LogisticRegression())],
        cv=5,
        n_jobs=1,
    ).fit(X, y)
    assert _CALLS["view"] == 1
    clf.predict(X)
    assert _CALLS["view"] == 2


def test_stateful_view_is_refitted_in_every_fold(binary_data):
    X, y = binary_data
    _CALLS["fit_rows"] = []
    MultiGranularityClassifier(
        [("centred", _CountingScaler(), LogisticRegression())],
        cv=StratifiedKFold(5),
        n_jobs=1,
    ).fit(X, y)
    # Five fold fits on 4/5 of the rows, one refit on every row.
    assert sorted(_CALLS["fit_rows"]) == [120] * 5 + [150]


def test_every_level_sees_the_same_folds(binary_data):
    X, y = binary_data
    forest = RandomForestClassifier(n_estimators=5, random_state=0)
    # A shuffling splitter without a seed: folds must still be shared.
    clf = MultiGranularityClassifier(
        [("one", "passthrough", forest), ("two", "passthrough", forest)],
        cv=StratifiedKFold(5, shuffle=True),
    )
    clf.fit(X, y)
    X_meta = clf.final_estimator_.coef_  # fitted on identical columns
    assert X_meta[0, 0] == pytest.approx(X_meta[0, 1])


class _ProcessRecordingView(TransformerMixin, BaseEstimator):
    """A label-free view that remembers the process it was fitted in."""

    _skmgm_label_free = True

    def __init__(self, fail=False):
        self.fail = fail

    def fit(self, X, y=None):
        if self.fail:
            raise ValueError("this view cannot be computed")
        self.pid_ = os.getpid()
        return self

    def transform(self, X):
        return X


def _views_fitted_once(n_jobs, n_views):
    levels = [
        (f"view{index}", _ProcessRecordingView(), LogisticRegression())
        for index in range(n_views)
    ]
    return MultiGranularityClassifier(levels, cv=3, n_jobs=n_jobs)


def test_views_computed_once_are_computed_side_by_side(binary_data):
    X, y = binary_data
    # Several views computed once: tasks of one Parallel, in the workers.
    clf = _views_fitted_once(2, 3).fit(X, y)
    assert all(view.pid_ != os.getpid() for _, view, _ in clf.levels_)
    reference = _views_fitted_once(1, 3).fit(X, y)
    assert all(view.pid_ == os.getpid() for _, view, _ in reference.levels_)
    assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    # One alone is computed where the fit runs, without sending X anywhere.
    (single,) = _views_fitted_once(2, 1).fit(X, y).levels_
    assert single[1].pid_ == os.getpid()


def test_view_error_names_its_level_from_a_worker(binary_data):
    X, y = binary_data
    clf = MultiGranularityClassifier(
        [
            ("fine", _ProcessRecordingView(), LogisticRegression()),
            ("broken", _ProcessRecordingView(fail=True), LogisticRegression()),
        ],
        cv=3,
        n_jobs=2,
    )
    with pytest.raises(ValueError, match="cannot be computed") as info:
        clf.fit(X, y)
    assert "Raised by level 'broken' computing its view once." in info.value.__notes__


def _pooled_digits_model(n_jobs):
    return MultiGranularityClassifier(
        [
            ("coarse", Pool2D((8, 8), 4), LogisticRegression(max_iter=2000)),
            ("mid", Pool2D((8, 8), 2), RandomForestClassifier(20, random_state=0)),
            ("fine", "passthrough", RandomForestClassifier(20, random_state=1)),
        ],
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )


def test_identical_predictions_whatever_n_jobs_and_backend(digits_small):
    X, y = digits_small
    reference = _pooled_digits_model(1).fit(X, y).predict_proba(X)
    assert_array_equal(_pooled_digits_model(2).fit(X, y).predict_proba(X), reference)
    with parallel_config(backend="threading"):
        threaded = _pooled_digits_model(2).fit(X, y).predict_proba(X)
    assert_array_equal(threaded, reference)


class _RecordsItsCores(RandomForestClassifier):
    """A forest that records the joblib backend and n_jobs its fit runs under."""

    def fit(self, X, y, sample_weight=None):
        backend, n_jobs = get_active_backend()
        self.inner_ = (type(backend).__name__, n_jobs)
        return super().fit(X, y, sample_weight)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_a_task_alone_in_its_call_gets_the_idle_cores(binary_data, backend):
    X, y = binary_data
    forest = _RecordsItsCores(n_estimators=30, oob_score=True, random_state=0)
    pair = [("a", "passthrough", forest), ("b", "passthrough", forest)]
    with parallel_config(backend=backend):
        # Each level is fitted once, out of bag: one task per level.
        lone = MultiGranularityClassifier(pair[:1], n_jobs=2).fit(X, y)
        two = MultiGranularityClassifier(pair, n_jobs=2).fit(X, y)
    assert lone.named_levels_.a.estimator.inner_ == ("ThreadingBackend", 2)
    for name in "ab":
        assert two.named_levels_[name].estimator.inner_[1] != 2
    # The same forest whatever threads built its trees.
    assert_array_equal(
        lone.named_levels_.a.estimator.oob_decision_function_,
        two.named_levels_.a.estimator.oob_decision_function_,
    )


def test_no_more_workers_than_tasks_are_asked_for(capsys, binary_data):
    X, y = binary_data
    folds = [("a", "passthrough", LogisticRegression())]
    forest = RandomForestClassifier(n_estimators=30, oob_score=True, random_state=0)
    alone = [("a", "passthrough", forest)]  # out of bag: one task
    with parallel_config(backend="threading"):
        MultiGranularityClassifier(folds, cv=2, n_jobs=64, verbose=1).fit(X, y)
        MultiGranularityClassifier(alone, n_jobs=64, verbose=1).fit(X, y)
    plans = [line for line in capsys.readouterr().err.splitlines() if "tasks" in line]
    assert plans[0].startswith("[skmgm] 3 tasks for 1 levels")
    assert plans[0].endswith("n_jobs=3")
    # Never one worker when more were asked for: the task would run here,
    # where a timeout cannot bind.
    assert plans[1].startswith("[skmgm] 1 tasks for 1 levels")
    assert plans[1].endswith("n_jobs=2")


class _FailsOnSmallData(BaseEstimator):
    _estimator_type = "regressor"

    def fit(self, X, y):
        if len(X) < 100:
            raise RuntimeError("too few rows")
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        return tags


def test_task_error_names_level_and_fold(regression_data):
    X, y = regression_data
    reg = MultiGranularityRegressor(
        [
            ("ok", "passthrough", Ridge()),
            ("fragile", "passthrough", _FailsOnSmallData()),
        ],
        cv=KFold(2),
    )
    with pytest.raises(RuntimeError, match="too few rows") as info:
        reg.fit(X, y)
    assert "Raised by level 'fragile' during fold 0." in info.value.__notes__


def test_verbose_reports_every_task_and_is_silent_at_zero(capsys, binary_data):
    X, y = binary_data
    levels = [("a", "passthrough", LogisticRegression())]
    MultiGranularityClassifier(levels, cv=3, verbose=0).fit(X, y)
    assert capsys.readouterr().err == ""
    MultiGranularityClassifier(levels, cv=3, verbose=1).fit(X, y)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 6  # the plan, 3 folds, the refit, the meta-learner
    assert lines[0].startswith(
        "[skmgm] 4 tasks for 1 levels (3 fold fits + 1 fits on all rows) on "
    )
    assert any("level 'a' refit" in line for line in lines)
    assert any("level 'a' fold 2" in line for line in lines)
    assert lines[-1].startswith(
        f"[skmgm] final estimator LogisticRegression on {len(X)} x 1 stacked columns"
    )


def test_refit_false_runs_fold_tasks_only(monkeypatch, multiclass_data):
    X, y = multiclass_data
    _RecordingParallel.calls = []
    monkeypatch.setattr(skmgm._plan, "Parallel", _RecordingParallel)
    levels = [
        ("a", StandardScaler(), LogisticRegression()),
        ("b", "passthrough", LogisticRegression(C=0.1)),
    ]
    MultiGranularityClassifier(levels, cv=4, refit=False).fit(X, y)
    assert _RecordingParallel.calls == [8]  # 2 levels x 4 folds, no refit
