"""The task plan: every (level, fold) fit and every refit, run in one ``Parallel``.

scikit-learn's stacking runs one ``cross_val_predict`` per estimator inside an
outer ``Parallel``, so its tasks are nested and a 2-core machine idles while
the slowest level finishes its folds. Here the plan is flat: one task per
(level, fold) and one refit task per level, all handed to a single
:class:`sklearn.utils.parallel.Parallel` call, which keeps every worker busy
and lets any joblib backend (loky, threading, Dask, Ray) schedule them. The
views computed once per fit come before it, side by side in a call of their
own (:func:`plan_levels`): every fold task needs them; a level fitted once
(held-out estimates, no fold tasks) computes its view in its one task. A fit
makes all its calls through one ``Parallel`` (:func:`fit_parallel`).
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone
from sklearn.utils import get_tags
from sklearn.utils.parallel import Parallel, delayed

from skmgm._backend import active_backend, inner_parallelism_in_threads
from skmgm._compat import _check_method_params, _safe_indexing, add_note
from skmgm._composition import computes_view_once, short_name
from skmgm._held_out import out_of_bag_predictions
from skmgm._predictions import FoldBag, level_predictions


@dataclass
class PlannedLevel:
    """One level as the plan runs it.

    ``granularity`` is ``None`` when ``data`` already holds the level's view
    (a stateless granularity, computed once before the plan); otherwise it is
    the unfitted transformer, fitted inside every task on that task's rows.
    ``prefitted_granularity`` is the stateless granularity that made ``data``.
    ``fit_params`` and ``granularity_params`` are the metadata routed to the
    estimator's and the granularity's ``fit``, for all rows (tasks slice them).
    ``out_of_bag``: the level is fitted once, on all rows, and its out-of-fold
    predictions are its estimator's held-out estimates (no fold fits); its
    view, computed once, is then computed in that one task.
    ``view_sees_labels``: whether the tasks hand ``y`` to the granularity's
    fit (not to one fitted once because ``fit_once`` says so, so that one
    that needs labels raises).
    """

    name: str
    granularity: Any
    estimator: Any
    method: str
    data: Any
    prefitted_granularity: Any = None
    fit_params: dict = field(default_factory=dict)
    granularity_params: dict = field(default_factory=dict)
    out_of_bag: bool = False
    view_sees_labels: bool = True


@dataclass
class FittedLevel:
    """What the plan gives back for one level."""

    granularity: Any
    estimator: Any
    oof_predictions: np.ndarray
    fit_seconds: float
    view_width: int


@dataclass
class TaskResult:
    """What one task ships back: models only when they are kept."""

    granularity: Any
    estimator: Any
    predictions: np.ndarray | None
    seconds: float
    view_width: int | None = None


def fit_parallel(
    n_jobs, *, max_tasks: int | None = None, verbose: int = 0, timeout=None
) -> Parallel:
    """The ``Parallel`` that every task of one fit runs through: the views
    computed once, and every fold fit and refit.

    A fit enters it once (``with``) for all its calls, so that they share the
    workers and one temporary folder for the data sent to them: joblib cleans
    that folder at the end of every call made outside such a block, waiting
    0.1 s at a time until the workers have let go of the data, and a staged
    fit makes a call per stage (0.30 s of a 1.84 s staged FaceAll fit,
    profiled). Entered once, the folder is cleaned once. Tasks are
    never batched (each is a view or a model fit, and batches make the tail
    uneven), and are taken as they finish where the backend allows it. A
    predict that splits the levels' rows among the workers
    (:mod:`skmgm._predict_rows`) runs them through one too.

    On this machine's cores, no more workers than ``max_tasks`` (the most
    tasks any of its calls will have, or two) are started, as scikit-learn's
    forests start no more than their trees: loky starts every worker asked
    for, and 64 of them take seconds to start on 2 cores. The cores
    ``n_jobs`` asks for are kept as ``n_cores``: those the workers leave idle
    are lent to the tasks as threads (:func:`_lend_idle_cores`).
    """
    backend = active_backend()
    n_jobs = backend.n_jobs(n_jobs)
    n_cores = effective_n_jobs(n_jobs)
    if max_tasks is not None and not backend.on_cluster:
        # Two at least: one would run the tasks in this process, where a
        # timeout cannot bind.
        n_jobs = min(n_cores, max(max_tasks, 2))
    parallel = Parallel(
        n_jobs=n_jobs,
        verbose=max(0, verbose - 1),
        batch_size=1,
        return_as="generator_unordered" if backend.streams_results else "list",
        timeout=timeout,
    )
    parallel.n_cores = n_cores
    return parallel


def plan_levels(levels, options, X, y, parallel) -> list[PlannedLevel]:
    """Every level's plan, by :func:`plan_level` (``options``: each level's
    keyword arguments to it).

    Computing the views that are computed once is all the work of planning.
    Where there are several, they run as the tasks of one call of
    ``parallel`` (the fit's :func:`fit_parallel`), so that they are not
    computed one after the other while the other cores idle; a single one is
    computed here. A level fitted once (``out_of_bag``) computes its view in
    its one task instead: no other task needs it, and the view need not
    travel from a worker and back to another.
    """
    once = [
        index
        for index, ((_, granularity, _), kwargs) in enumerate(zip(levels, options))
        if computes_view_once(granularity, kwargs["fit_once"])
        and not kwargs["out_of_bag"]
    ]
    side_by_side = {}
    if len(once) > 1:
        side_by_side = dict(
            parallel(
                delayed(_indexed_plan)(index, levels[index], X, y, options[index])
                for index in once
            )
        )
    return [
        side_by_side[index]
        if index in side_by_side
        else plan_level(level, X=X, y=y, **kwargs)
        for index, (level, kwargs) in enumerate(zip(levels, options))
    ]


def _indexed_plan(index, level, X, y, options):
    """``(index, plan)``: results may come back in any order."""
    return index, plan_level(level, X=X, y=y, **options)


def plan_level(
    level,
    method,
    X,
    y,
    estimator_params,
    granularity_params,
    fit_once,
    out_of_bag,
):
    """A checked ``(name, granularity, estimator)`` level as the plan runs it.

    A view computed once (:func:`computes_view_once`) is computed here for
    all rows, unless the level is fitted once (``out_of_bag``), whose one
    task computes it. A granularity fitted once because ``fit_once`` says so
    is fitted without ``y``, so that one that needs labels fails instead of
    seeing the held-out rows' labels.
    """
    name, granularity, estimator = level
    once = computes_view_once(granularity, fit_once)
    stateful = not isinstance(granularity, str)
    sees_labels = not (once and stateful and get_tags(granularity).requires_fit)
    if not once or out_of_bag:
        return PlannedLevel(
            name,
            granularity if stateful else None,
            estimator,
            method,
            X,
            fit_params=estimator_params,
            granularity_params=granularity_params,
            out_of_bag=out_of_bag,
            view_sees_labels=sees_labels,
        )
    fitted = clone(granularity)
    try:
        view = fitted.fit_transform(
            X, *labels_for(sees_labels, y), **granularity_params
        )
    except Exception as exc:
        add_note(exc, f"Raised by level {name!r} computing its view once.")
        raise
    check_view_not_empty(name, view)
    return PlannedLevel(
        name,
        None,
        estimator,
        method,
        view,
        fitted,
        fit_params=estimator_params,
        out_of_bag=out_of_bag,
    )


def labels_for(sees_labels: bool, y) -> tuple:
    """The positional ``y`` a granularity's ``fit_transform`` gets, if any."""
    return (y,) if sees_labels else ()


def check_view_not_empty(name: str, view) -> None:
    """Refuse a level whose granularity gives no column at all."""
    if view.shape[1] == 0:
        raise ValueError(
            f"Level {name!r}: its granularity produced an empty view "
            f"(shape {view.shape}); a level needs at least one feature."
        )


@dataclass
class FitTask:
    """Fit one level on a fold's training rows and predict its test rows.

    ``fold=None`` is the level's refit on every row: it returns its fitted
    models, and predicts nothing unless the level is out of bag, when it
    returns the estimator's out-of-bag estimates as its out-of-fold
    predictions. A fold returns its models only when they are
    kept (``keep_models``, for ``refit=False``); otherwise shipping them back
    from a worker would cost time for nothing. The level's data and ``y`` are
    arguments of the call, not fields, so that a cluster backend can send
    them once for every task. With ``on_cluster``, the estimator's own
    parallelism (a forest's ``n_jobs``) runs in threads inside this task;
    elsewhere it gets ``n_threads``, the cores its call leaves it (see
    :func:`~skmgm._backend.inner_parallelism_in_threads`).
    """

    index: int
    level: PlannedLevel
    fold: int | None
    train: np.ndarray | None
    test: np.ndarray | None
    n_classes: int | list | None
    keep_models: bool
    on_cluster: bool
    n_threads: int = 1

    @property
    def key(self) -> tuple:
        return self.index, self.fold

    @property
    def what(self) -> str:
        return "the refit on all rows" if self.fold is None else f"fold {self.fold}"

    def describe(self) -> str:
        return f"level {self.level.name!r} {self.what}"

    def __call__(self, data, y) -> tuple:
        start = time.perf_counter()
        try:
            with inner_parallelism_in_threads(self.on_cluster, self.n_threads):
                granularity, estimator, width = self._fit(data, y)
                predictions = None
                if self.test is not None:
                    predictions = self._predict(data, granularity, estimator)
                elif self.level.out_of_bag:
                    predictions = out_of_bag_predictions(
                        estimator, self.level.method, self.n_classes
                    )
        except Exception as exc:
            add_note(exc, f"Raised by level {self.level.name!r} during {self.what}.")
            # Travels with the error's __dict__ from any worker, so that the
            # note on unfinished tasks can leave this one out.
            exc._skmgm_task = self.key
            raise
        seconds = time.perf_counter() - start
        if self.test is not None and not self.keep_models:
            granularity = estimator = None
        return self.key, TaskResult(granularity, estimator, predictions, seconds, width)

    def _fit(self, data, y):
        rows = self.train
        X = data if rows is None else _safe_indexing(data, rows)
        y = y if rows is None else y[rows]
        granularity = None
        if self.level.granularity is not None:
            granularity = clone(self.level.granularity)
            params = _check_method_params(data, self.level.granularity_params, rows)
            labels = labels_for(self.level.view_sees_labels, y)
            X = granularity.fit_transform(X, *labels, **params)
            check_view_not_empty(self.level.name, X)
        estimator = clone(self.level.estimator)
        estimator.fit(X, y, **_check_method_params(data, self.level.fit_params, rows))
        return granularity, estimator, X.shape[1]

    def _predict(self, data, granularity, estimator):
        X = _safe_indexing(data, self.test)
        return level_predictions(
            granularity, estimator, self.level.method, self.n_classes, X
        )


def run_plan(
    levels: list[PlannedLevel],
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    *,
    parallel: Parallel,
    n_classes: int | list | None,
    verbose: int,
    refit: bool = True,
) -> list[FittedLevel]:
    """Run every (level, fold) fit and every refit as one flat call of
    ``parallel`` (the fit's :func:`fit_parallel`).

    Refits come first: they are the longest tasks, and starting them first
    shortens the tail of the schedule. With ``refit=False`` there is no refit
    and each level keeps its fold models as a
    :class:`~skmgm._predictions.FoldBag`. A level out of bag has no fold
    fits: its one fit on all rows gives its model and its out-of-fold
    predictions, whatever ``refit`` says. Results are taken as tasks finish,
    so ``verbose >= 1`` reports each task (level, fold, seconds) on stderr
    when it is done; ``verbose >= 2`` adds joblib's own progress lines.
    ``parallel``'s ``timeout`` bounds the wait for any one task; a task
    still running then raises a ``TimeoutError`` that names it.
    """
    backend = active_backend()
    tasks = _make_tasks(levels, splits, n_classes, refit, backend.on_cluster)
    _lend_idle_cores(tasks, parallel, backend)
    if verbose:
        _report_plan(tasks, levels, backend, parallel.n_jobs)
    with backend.data_on_every_worker([level.data for level in levels] + [y]) as sent:
        # The data go as arguments of their own (not inside the task): on Dask,
        # the futures of the copies already on every worker.
        results = parallel(
            delayed(_keyed_task)(task, sent(levels[task.index].data), sent(y))
            for task in tasks
        )
        by_key = _collect(results, tasks, verbose, parallel.timeout)
    return [
        _assemble_level(index, level.out_of_bag, by_key, splits, len(y), n_classes)
        for index, level in enumerate(levels)
    ]


def fitted_granularity(plan: PlannedLevel, fit: FittedLevel):
    """The granularity a fitted level keeps in ``levels_``: the one fitted
    once, else the refit's, else ``"passthrough"`` (a level with no view, or
    fold models that each hold their own)."""
    if plan.prefitted_granularity is not None:
        return plan.prefitted_granularity
    return "passthrough" if fit.granularity is None else fit.granularity


def count_tasks(options: list[dict], n_splits: int, refit: bool) -> int:
    """The tasks of :func:`run_plan` for levels planned with ``options``
    (:func:`plan_level`'s)."""
    out_of_bag = [level["out_of_bag"] for level in options]
    return len(_task_keys(out_of_bag, n_splits, refit))


def _keyed_task(task, data, y):
    """Run ``task``; a plain function, so that Dask names its tasks after it."""
    return task(data, y)


def _lend_idle_cores(tasks, parallel, backend):
    """Give each task the cores its call would leave idle, as threads.

    A call with fewer tasks than the fit's cores (a stage of a staged fit, a
    level fitted once out of bag) would otherwise run each task on one core
    while the others wait. A cluster schedules its own cores.
    """
    if backend.on_cluster:
        return
    n_threads = parallel.n_cores // len(tasks)
    for task in tasks:
        task.n_threads = max(1, n_threads)


def _task_keys(out_of_bag: list[bool], n_splits: int, refit: bool) -> list:
    """``(level index, fold)`` of every task, ``None`` for a fit on all rows:
    one for a level out of bag, else its fold fits and, with ``refit``, its
    refit. Fits on all rows come first: they are the longest tasks."""
    keys = [(index, None) for index, oob in enumerate(out_of_bag) if refit or oob]
    keys += [
        (index, fold)
        for index, oob in enumerate(out_of_bag)
        if not oob
        for fold in range(n_splits)
    ]
    return keys


def _make_tasks(levels, splits, n_classes, refit, on_cluster):
    keys = _task_keys([level.out_of_bag for level in levels], len(splits), refit)
    light = [replace(level, data=None) for level in levels]
    return [
        FitTask(
            index,
            light[index],
            fold,
            None if fold is None else splits[fold][0],
            None if fold is None else splits[fold][1],
            n_classes,
            keep_models=not refit,
            on_cluster=on_cluster,
        )
        for index, fold in keys
    ]


def _collect(results, tasks, verbose, timeout):
    """Each task's result by key, as they arrive; errors name what is pending."""
    by_key = {}
    task_of = {task.key: task for task in tasks}
    try:
        for key, result in results:
            by_key[key] = result
            if verbose:
                _report_task(task_of[key], result, len(by_key), len(tasks))
    except (TimeoutError, multiprocessing.TimeoutError) as exc:
        raise TimeoutError(
            f"Tasks did not finish within timeout={timeout} s: "
            f"{_pending(tasks, by_key)}."
        ) from exc
    except Exception as exc:
        # A task's own error names its level already; a lost worker or a
        # cancelled future does not.
        raised_by = getattr(exc, "_skmgm_task", None)
        pending = _pending([task for task in tasks if task.key != raised_by], by_key)
        if pending:
            add_note(exc, f"Unfinished tasks when it was raised: {pending}.")
        raise
    return by_key


def _report_plan(tasks, levels, backend, n_jobs):
    refits = sum(task.fold is None for task in tasks)
    print(
        f"[skmgm] {len(tasks)} tasks for {len(levels)} levels "
        f"({len(tasks) - refits} fold fits + {refits} fits on all rows) on "
        f"joblib's {type(backend.backend).__name__}, "
        f"n_jobs={backend.n_jobs(n_jobs)}",
        file=sys.stderr,
        flush=True,
    )


def report_final_fit(final_estimator, X_meta, seconds):
    """The verbose line of the meta-learner's fit, after the tasks' lines."""
    print(
        f"[skmgm] final estimator {short_name(final_estimator)} on "
        f"{X_meta.shape[0]} x {X_meta.shape[1]} stacked columns: {seconds:.2f} s",
        file=sys.stderr,
        flush=True,
    )


def _report_task(task, result, done, total):
    what = "refit" if task.fold is None else f"fold {task.fold}"
    print(
        f"[skmgm] {done}/{total} level {task.level.name!r} {what}: "
        f"{result.seconds:.2f} s",
        file=sys.stderr,
        flush=True,
    )


def _pending(tasks, by_key):
    return ", ".join(task.describe() for task in tasks if task.key not in by_key)


def _assemble_level(index, out_of_bag, by_key, splits, n_samples, n_classes):
    refit = by_key.get((index, None))
    if out_of_bag:
        return FittedLevel(
            refit.granularity,
            refit.estimator,
            refit.predictions,
            refit.seconds,
            refit.view_width,
        )
    fold_results = [by_key[(index, fold)] for fold in range(len(splits))]
    first = fold_results[0].predictions
    oof = np.empty((n_samples, *first.shape[1:]), dtype=first.dtype)
    for (_, test), result in zip(splits, fold_results):
        oof[test] = result.predictions
    seconds = sum(result.seconds for result in fold_results)
    if refit is None:
        members = [(result.granularity, result.estimator) for result in fold_results]
        bag = FoldBag(members, n_classes)
        return FittedLevel(None, bag, oof, seconds, fold_results[0].view_width)
    return FittedLevel(
        refit.granularity,
        refit.estimator,
        oof,
        seconds + refit.seconds,
        refit.view_width,
    )
