"""Shared by the benchmarks: timers, memory, worker start-up, alternation."""

from __future__ import annotations

import json
import os
import time
import tracemalloc

from sklearn.base import clone


def timed(function, *args):
    """``function(*args)`` and the wall seconds it took."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def start_workers(n_jobs: int) -> None:
    """Start joblib's worker pool, so that the first timed fit does not pay."""
    from sklearn.utils.parallel import Parallel, delayed

    Parallel(n_jobs=n_jobs)(delayed(abs)(i) for i in range(2 * (os.cpu_count() or 1)))


def peak_fit_memory_mib(model, X, y) -> float:
    """Peak Python allocations of a one-process fit, in MiB.

    tracemalloc sees numpy's buffers, not joblib's worker processes, so the
    fit runs with ``n_jobs=1``.
    """
    model = clone(model)
    if "n_jobs" in model.get_params(deep=False):
        model.set_params(n_jobs=1)
    tracemalloc.start()
    try:
        model.fit(X, y)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def fit_and_score(model, X_train, y_train, X_test, y_test, *, with_memory=False):
    """Fit a clone of ``model``: its test score, fit and predict seconds."""
    model = clone(model)
    _, fit_s = timed(model.fit, X_train, y_train)
    score, predict_s = timed(model.score, X_test, y_test)
    row = {"score": float(score), "fit_s": fit_s, "predict_s": predict_s}
    if with_memory:
        row["peak_fit_mib_tracemalloc"] = peak_fit_memory_mib(model, X_train, y_train)
    return row


def alternating(repeat: int, names: list) -> list:
    """``names`` in turn order for repeat ``repeat``: reversed every other one,
    so that no model always runs right after the other (warm caches, turbo)."""
    return list(names) if repeat % 2 == 0 else list(names)[::-1]


def score_over_seeds(make_model, data, seeds, **labels) -> list:
    """One row per seed: ``make_model(seed)`` fitted and scored on ``data``.

    ``labels`` (benchmark, dataset, model, metric...) go into every row; each
    row is printed as it comes, so a long run shows its progress.
    """
    rows = []
    for seed in seeds:
        row = fit_and_score(make_model(seed), *data) | labels | {"seed": seed}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows
