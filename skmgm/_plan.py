"""The task plan: every (level, fold) fit and every refit, run in one ``Parallel``.

scikit-learn's stacking runs one ``cross_val_predict`` per estimator inside an
outer ``Parallel``, so its tasks are nested and a 2-core machine idles while
the slowest level finishes its folds. Here the plan is flat: one task per
(level, fold) and one refit task per level, all handed to a single
:class:`sklearn.utils.parallel.Parallel` call, which keeps every worker busy
and lets any joblib backend (loky, threading, Dask, Ray) schedule them.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils.parallel import Parallel, delayed

from skmgm._compat import _check_method_params, _safe_indexing
from skmgm._predictions import FoldBag, align_predictions


@dataclass
class PlannedLevel:
    """One level as the plan runs it.

    ``granularity`` is ``None`` when ``data`` already holds the level's view
    (a stateless granularity, computed once before the plan); otherwise it is
    the unfitted transformer, fitted inside every task on that task's rows.
    ``prefitted_granularity`` is the stateless granularity that made ``data``.
    ``fit_params`` and ``granularity_params`` are the metadata routed to the
    estimator's and the granularity's ``fit``, for all rows (tasks slice them).
    """

    name: str
    granularity: Any
    estimator: Any
    method: str
    data: Any
    prefitted_granularity: Any = None
    fit_params: dict = field(default_factory=dict)
    granularity_params: dict = field(default_factory=dict)


@dataclass
class FittedLevel:
    """What the plan gives back for one level."""

    granularity: Any
    estimator: Any
    oof_predictions: np.ndarray
    fit_seconds: float
    view_width: int


@dataclass
class _TaskResult:
    granularity: Any
    estimator: Any
    predictions: np.ndarray | None
    seconds: float
    view_width: int | None = None


def _fit_task(level, fold, y, train, test, n_classes, keep_models):
    """Fit one level on ``train`` rows and predict its ``test`` rows.

    ``train=None`` is the level's refit on every row: it predicts nothing and
    returns its fitted models. A fold returns its models only when they are
    kept (``refit=False``); otherwise shipping them back from a worker would
    cost time for nothing.
    """
    start = time.perf_counter()
    try:
        granularity, estimator, width = _fit_level(level, y, train)
        if test is None:
            seconds = time.perf_counter() - start
            return _TaskResult(granularity, estimator, None, seconds, width)
        predictions = _predict_rows(level, granularity, estimator, test, n_classes)
    except Exception as exc:
        where = "the refit on all rows" if fold is None else f"fold {fold}"
        if hasattr(exc, "add_note"):  # Python >= 3.11
            exc.add_note(f"Raised by level {level.name!r} during {where}.")
        raise
    seconds = time.perf_counter() - start
    if keep_models:
        return _TaskResult(granularity, estimator, predictions, seconds, width)
    return _TaskResult(None, None, predictions, seconds, width)


def _fit_level(level, y, rows):
    X = level.data if rows is None else _safe_indexing(level.data, rows)
    y = y if rows is None else y[rows]
    granularity = None
    if level.granularity is not None:
        granularity = clone(level.granularity)
        params = _check_method_params(level.data, level.granularity_params, rows)
        X = granularity.fit_transform(X, y, **params)
        check_view_not_empty(level.name, X)
    estimator = clone(level.estimator)
    estimator.fit(X, y, **_check_method_params(level.data, level.fit_params, rows))
    return granularity, estimator, X.shape[1]


def _predict_rows(level, granularity, estimator, rows, n_classes):
    X = _safe_indexing(level.data, rows)
    if granularity is not None:
        X = granularity.transform(X)
    predictions = getattr(estimator, level.method)(X)
    return align_predictions(estimator, predictions, level.method, n_classes)


def _keyed_task(key, *args):
    return key, _fit_task(*args)


def _report_task(name, fold, result, done, total):
    what = "refit" if fold is None else f"fold {fold}"
    print(
        f"[skmgm] {done}/{total} level {name!r} {what}: {result.seconds:.2f} s",
        file=sys.stderr,
        flush=True,
    )


def check_view_not_empty(name: str, view) -> None:
    """Refuse a level whose granularity gives no column at all."""
    if view.shape[1] == 0:
        raise ValueError(
            f"Level {name!r}: its granularity produced an empty view "
            f"(shape {view.shape}); a level needs at least one feature."
        )


def run_plan(
    levels: list[PlannedLevel],
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    *,
    n_classes: int | list | None,
    n_jobs: int | None,
    verbose: int,
    refit: bool = True,
) -> list[FittedLevel]:
    """Run every (level, fold) fit and every refit as one flat ``Parallel``.

    Refits come first: they are the longest tasks, and starting them first
    shortens the tail of the schedule. With ``refit=False`` there is no refit
    and each level keeps its fold models as a :class:`~skmgm._predictions.FoldBag`.
    Results are taken as tasks finish, so ``verbose >= 1`` reports each task
    (level, fold, seconds) on stderr when it is done; ``verbose >= 2`` adds
    joblib's own progress lines.
    """
    keys = [(index, None) for index in range(len(levels))] if refit else []
    keys += [
        (index, fold) for index in range(len(levels)) for fold in range(len(splits))
    ]
    # Every task is a model fit: never batch them, or the tail gets uneven.
    parallel = Parallel(
        n_jobs=n_jobs,
        verbose=max(0, verbose - 1),
        batch_size=1,
        return_as="generator_unordered",
    )
    results = parallel(
        delayed(_keyed_task)(
            (index, fold),
            levels[index],
            fold,
            y,
            None if fold is None else splits[fold][0],
            None if fold is None else splits[fold][1],
            n_classes,
            not refit,
        )
        for index, fold in keys
    )
    by_key = {}
    for key, result in results:
        by_key[key] = result
        if verbose:
            _report_task(levels[key[0]].name, key[1], result, len(by_key), len(keys))
    return [
        _assemble_level(index, by_key, splits, len(y), n_classes)
        for index in range(len(levels))
    ]


def _assemble_level(index, by_key, splits, n_samples, n_classes):
    fold_results = [by_key[(index, fold)] for fold in range(len(splits))]
    first = fold_results[0].predictions
    oof = np.empty((n_samples, *first.shape[1:]), dtype=first.dtype)
    for (_, test), result in zip(splits, fold_results):
        oof[test] = result.predictions
    seconds = sum(result.seconds for result in fold_results)
    refit = by_key.get((index, None))
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
