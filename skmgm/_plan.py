"""The task plan: every (level, fold) fit and every refit, run in one ``Parallel``.

scikit-learn's stacking runs one ``cross_val_predict`` per estimator inside an
outer ``Parallel``, so its tasks are nested and a 2-core machine idles while
the slowest level finishes its folds. Here the plan is flat: one task per
(level, fold) and one refit task per level, all handed to a single
:class:`sklearn.utils.parallel.Parallel` call, which keeps every worker busy
and lets any joblib backend (loky, threading, Dask, Ray) schedule them.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from joblib import parallel_config
from joblib.parallel import get_active_backend
from sklearn.base import clone
from sklearn.utils.parallel import Parallel, delayed

from skmgm._compat import _check_method_params, _safe_indexing
from skmgm._predictions import FoldBag, align_predictions

# joblib backends that send tasks to other machines' workers.
_CLUSTER_BACKENDS = {"DaskDistributedBackend", "RayBackend"}


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


def _fit_task(level, data, fold, y, train, test, n_classes, keep_models, local):
    """Fit one level on ``train`` rows and predict its ``test`` rows.

    ``train=None`` is the level's refit on every row: it predicts nothing and
    returns its fitted models. A fold returns its models only when they are
    kept (``refit=False``); otherwise shipping them back from a worker would
    cost time for nothing. ``data`` travels apart from ``level`` so that a
    cluster backend can send it once for all tasks. With ``local``, the
    estimator's own parallelism (a forest's ``n_jobs``) runs in threads inside
    this task instead of going back to the cluster as tiny tasks.
    """
    start = time.perf_counter()
    try:
        with parallel_config(backend="threading") if local else nullcontext():
            granularity, estimator, width = _fit_level(level, data, y, train)
            predictions = None
            if test is not None:
                predictions = _predict_rows(
                    level, data, granularity, estimator, test, n_classes
                )
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python >= 3.11
            exc.add_note(f"Raised by level {level.name!r} during {_task_name(fold)}.")
        raise
    seconds = time.perf_counter() - start
    if test is None or keep_models:
        return _TaskResult(granularity, estimator, predictions, seconds, width)
    return _TaskResult(None, None, predictions, seconds, width)


def _task_name(fold):
    return "the refit on all rows" if fold is None else f"fold {fold}"


def _fit_level(level, data, y, rows):
    X = data if rows is None else _safe_indexing(data, rows)
    y = y if rows is None else y[rows]
    granularity = None
    if level.granularity is not None:
        granularity = clone(level.granularity)
        params = _check_method_params(data, level.granularity_params, rows)
        X = granularity.fit_transform(X, y, **params)
        check_view_not_empty(level.name, X)
    estimator = clone(level.estimator)
    estimator.fit(X, y, **_check_method_params(data, level.fit_params, rows))
    return granularity, estimator, X.shape[1]


def _predict_rows(level, data, granularity, estimator, rows, n_classes):
    X = _safe_indexing(data, rows)
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
    timeout: float | None = None,
) -> list[FittedLevel]:
    """Run every (level, fold) fit and every refit as one flat ``Parallel``.

    Refits come first: they are the longest tasks, and starting them first
    shortens the tail of the schedule. With ``refit=False`` there is no refit
    and each level keeps its fold models as a
    :class:`~skmgm._predictions.FoldBag`. Results are taken as tasks finish,
    so ``verbose >= 1`` reports each task (level, fold, seconds) on stderr
    when it is done; ``verbose >= 2`` adds joblib's own progress lines.
    ``timeout`` bounds the wait for any one task (joblib's ``timeout``); a
    task still running then raises a ``TimeoutError`` that names it.
    """
    keys = [(index, None) for index in range(len(levels))] if refit else []
    keys += [
        (index, fold) for index in range(len(levels)) for fold in range(len(splits))
    ]
    backend, _ = get_active_backend()
    on_cluster = type(backend).__name__ in _CLUSTER_BACKENDS
    if on_cluster and n_jobs is None:
        n_jobs = -1  # Ray's joblib backend would run one task at a time
    # The data go as arguments of their own (not inside the level), which
    # joblib's Dask backend can then send once for every task that shares them.
    light = [replace(level, data=None) for level in levels]
    by_key = {}
    with _data_on_every_worker(backend, [level.data for level in levels] + [y]):
        # Every task is a model fit: never batch them, or the tail gets uneven.
        parallel = Parallel(
            n_jobs=n_jobs,
            verbose=max(0, verbose - 1),
            batch_size=1,
            # Ray's joblib backend cannot hand results over as they come.
            return_as="generator_unordered"
            if backend.supports_return_generator
            else "list",
            timeout=timeout,
        )
        results = parallel(
            delayed(_keyed_task)(
                (index, fold),
                light[index],
                levels[index].data,
                fold,
                y,
                None if fold is None else splits[fold][0],
                None if fold is None else splits[fold][1],
                n_classes,
                not refit,
                on_cluster,
            )
            for index, fold in keys
        )
        try:
            for key, result in results:
                by_key[key] = result
                if verbose:
                    _report_task(
                        levels[key[0]].name, key[1], result, len(by_key), len(keys)
                    )
        except (TimeoutError, multiprocessing.TimeoutError) as exc:
            raise TimeoutError(
                f"Tasks did not finish within timeout={timeout} s: "
                f"{_pending(levels, keys, by_key)}."
            ) from exc
        except Exception as exc:
            # A task's own error names its level already; a lost worker or a
            # cancelled future does not.
            if hasattr(exc, "add_note"):
                exc.add_note(
                    f"Unfinished tasks when it was raised: "
                    f"{_pending(levels, keys, by_key)}."
                )
            raise
    return [
        _assemble_level(index, by_key, splits, len(y), n_classes)
        for index in range(len(levels))
    ]


def _pending(levels, keys, by_key):
    return ", ".join(
        f"level {levels[index].name!r} {_task_name(fold)}"
        for index, fold in keys
        if (index, fold) not in by_key
    )


def _data_on_every_worker(backend, arrays):
    """On Dask, send the data to every worker once, before the tasks.

    joblib's Dask backend would otherwise scatter each array to one worker
    when a task first needs it: a task elsewhere fetches it from there, and
    if that worker dies the only copy goes with it and the fit fails.
    """
    if type(backend).__name__ != "DaskDistributedBackend":
        return nullcontext()
    unique = list({id(array): array for array in arrays}.values())
    return parallel_config(
        backend="dask",
        client=backend.client,
        scatter=unique,
        wait_for_workers_timeout=backend.wait_for_workers_timeout,
    )


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
