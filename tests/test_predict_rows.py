import numpy as np
import pytest
from joblib import parallel_config
from joblib.parallel import get_active_backend
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch
from sklearn.utils.parallel import delayed
from threadpoolctl import threadpool_info, threadpool_limits

import skmgm._predict_rows as predict_rows_module
from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm._backend import kernel_view_n_jobs
from skmgm._plan import fit_parallel
from skmgm._predict_rows import _on_rows


class _RowsSeen(TransformerMixin, BaseEstimator):
    """Passes rows through and logs how many each transform call saw."""

    seen: list = []

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        type(self).seen.append(len(X))
        return X


class _BackendSeen(TransformerMixin, BaseEstimator):
    """Passes rows through and logs the joblib backend each transform saw,
    and the threads lent to kernel views."""

    seen: list = []
    blas_threads: list = []

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        backend, n_jobs = get_active_backend()
        lent = kernel_view_n_jobs(None)
        type(self).seen.append((type(backend).__name__, n_jobs, lent))
        blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        type(self).blas_threads.append({pool["num_threads"] for pool in blas})
        return X


def _levels():
    return [
        ("logged", _RowsSeen(), LogisticRegression()),
        ("forest", "passthrough", RandomForestClassifier(50, random_state=0)),
    ]


@pytest.fixture
def always_split(monkeypatch):
    """Split every predict of at least one row per worker among the workers."""
    monkeypatch.setattr(predict_rows_module, "SEQUENTIAL_SECONDS", 0.0)
    monkeypatch.setattr(predict_rows_module, "MIN_ROWS_PER_WORKER", 1)


def test_split_rows_give_the_predictions_of_one_call(multiclass_data, always_split):
    X, y = multiclass_data
    model = MultiGranularityClassifier(_levels(), cv=3, n_jobs=2).fit(X, y)
    _RowsSeen.seen.clear()
    with parallel_config(backend="threading"):  # the log is shared with threads
        split = model.predict_proba(X)
    # The timed first sixteenth, then the rest in two halves.
    first = len(X) // 16
    halves = [len(half) for half in np.array_split(X[first:], 2)]
    assert sorted(_RowsSeen.seen) == sorted([first, *halves])
    whole = model.set_params(n_jobs=1).predict_proba(X)
    assert_allclose(split, whole, rtol=0, atol=1e-12)
    assert_array_equal(model.set_params(n_jobs=2).predict(X), model.predict(X))


def test_split_rows_under_early_exit_and_for_a_regressor(regression_data, always_split):
    X, y = regression_data
    reg = MultiGranularityRegressor(cv=3, n_jobs=2).fit(X, y)
    assert_allclose(reg.predict(X), reg.set_params(n_jobs=1).predict(X), atol=1e-10)
    labels = (y > np.median(y)).astype(int)
    clf = MultiGranularityClassifier(cv=3, n_jobs=2, early_exit="auto").fit(X, labels)
    split = clf.exit_levels(X), clf.predict_proba(X)
    clf.set_params(n_jobs=1)
    assert_array_equal(split[0], clf.exit_levels(X))
    assert_allclose(split[1], clf.predict_proba(X), atol=1e-12)


def _logged_tasks(monkeypatch):
    """The keys of the tasks ``_on_workers`` sends, in the order sent."""
    tasks = []

    def logged_delayed(function):
        def task(key, *args):
            tasks.append(key)
            return delayed(function)(key, *args)

        return task

    monkeypatch.setattr(predict_rows_module, "delayed", logged_delayed)
    return tasks


def test_every_level_is_split_in_one_call(multiclass_data, always_split, monkeypatch):
    X, y = multiclass_data
    model = MultiGranularityClassifier(_levels(), cv=3, n_jobs=2).fit(X, y)
    calls = []

    def counted_parallel(*args, **kwargs):
        calls.append(kwargs)
        return fit_parallel(*args, **kwargs)

    monkeypatch.setattr(predict_rows_module, "fit_parallel", counted_parallel)
    tasks = _logged_tasks(monkeypatch)
    model.predict_proba(X)
    assert len(calls) == 1
    assert sorted(tasks) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def _first_column(X, params):
    return X[:, :1]


def test_the_dearest_levels_are_sent_first(monkeypatch):
    """By their timed first rows' seconds (given here, not timed, so that a
    busy machine cannot swap them): the cheap levels fill the tail."""
    tasks = _logged_tasks(monkeypatch)
    X = np.arange(12.0).reshape(6, 2)
    params = Bunch(granularity={}, estimator={})
    with parallel_config(backend="threading"):
        parts = predict_rows_module._on_workers(
            [_first_column] * 3, X, [params] * 3, np.arange(1, 6),
            [0.1, 2.0, 0.5], n_workers=2, n_jobs=2, timeout=None,
        )  # fmt: skip
    assert tasks == [(1, 0), (1, 1), (2, 0), (2, 1), (0, 0), (0, 1)]
    for part in parts:
        assert_array_equal(part, X[1:, :1])


def test_few_rows_are_predicted_in_one_call(multiclass_data):
    X, y = multiclass_data
    model = MultiGranularityClassifier(_levels(), cv=3, n_jobs=2).fit(X, y)
    _RowsSeen.seen.clear()
    model.predict(X)  # fewer rows than MIN_ROWS_PER_WORKER per worker
    assert _RowsSeen.seen == [len(X)]


def test_a_cheap_level_is_predicted_in_one_go(multiclass_data, monkeypatch):
    monkeypatch.setattr(predict_rows_module, "MIN_ROWS_PER_WORKER", 1)
    X, y = multiclass_data
    model = MultiGranularityClassifier(_levels(), cv=3, n_jobs=2).fit(X, y)
    _RowsSeen.seen.clear()
    model.predict(X)  # the rest would take far less than SEQUENTIAL_SECONDS
    assert _RowsSeen.seen == [len(X) // 16, len(X) - len(X) // 16]


@pytest.mark.parametrize(
    "n_jobs, n_rows, lent", [(2, None, 2), (2, 10, None), (1, None, None)]
)
def test_rows_predicted_here_lend_threads_to_kernel_views_only(
    multiclass_data, n_jobs, n_rows, lent, monkeypatch
):
    """A kernel view's chunks run on the cores the model may use, also when
    its rows are predicted where the call is made, from
    MIN_VALUES_FOR_THREADS values on; what else leaves its parallelism to
    joblib (a forest's trees) runs as the caller configured it."""
    X, y = multiclass_data
    monkeypatch.setattr(predict_rows_module, "MIN_VALUES_FOR_THREADS", 20 * 80)
    levels = [("seen", _BackendSeen(), LogisticRegression()), *_levels()[1:]]
    model = MultiGranularityClassifier(levels, cv=3, n_jobs=n_jobs).fit(X, y)
    _BackendSeen.seen.clear()
    _BackendSeen.blas_threads.clear()
    # The suite keeps BLAS to one thread: let it have two.
    with parallel_config(backend="loky"), threadpool_limits(2, user_api="blas"):
        model.predict(X[:n_rows])
    assert _BackendSeen.seen == [("LokyBackend", None, lent)]
    if lent:  # BLAS's threads would spin on the lent cores
        assert _BackendSeen.blas_threads[0] <= {1}


def test_threads_pay_from_enough_values():
    values = predict_rows_module.MIN_VALUES_FOR_THREADS
    row = predict_rows_module._ROW_VALUES
    assert predict_rows_module._threads_pay(values // (100 + row) + 1, 100)
    assert not predict_rows_module._threads_pay(values // (100 + row) - 1, 100)


def test_per_row_parameters_are_sliced_with_the_rows():
    X = np.arange(12.0).reshape(6, 2)
    params = Bunch(granularity={"weights": np.arange(6)}, estimator={"scale": 2})
    X_rows, params_rows = _on_rows(X, params, np.array([1, 4]))
    assert_array_equal(X_rows, X[[1, 4]])
    assert_array_equal(params_rows.granularity["weights"], [1, 4])
    assert params_rows.estimator == {"scale": 2}
