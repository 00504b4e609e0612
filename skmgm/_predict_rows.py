"""Levels' predictions, their rows split among the workers when that pays.

Predicting is one view and one model per level, row by row: on many rows the
dear views (a series preset's kernels) keep one core busy for seconds while
the others idle. On at least ``MIN_ROWS_PER_WORKER`` rows per worker, each
level's first rows are predicted where the call is made, and timed; when the
rows left would take longer than ``SEQUENTIAL_SECONDS`` on one core, every
level's rest is split among the model's ``n_jobs`` workers, all levels in one
call (so that the workers stay busy from one level to the next, and joblib's
temporary data is cleaned once), each worker sent each level's view and model
once. Rows are predicted independently, so the result does not depend on the
split (up to the last bits of BLAS sums). Rows predicted where the call is
made lend the workers' cores as threads to the kernel views' chunks, once
they hold at least ``MIN_VALUES_FOR_THREADS`` values (:func:`_threads_pay`);
nothing else gets threads there: a forest's trees or a ``FeatureUnion``'s
parts, one threaded task each, cost more than they save on so few rows.
"""

from __future__ import annotations

import time
from contextlib import contextmanager, nullcontext
from functools import partial

import numpy as np
from joblib import effective_n_jobs
from sklearn.utils import Bunch
from sklearn.utils.parallel import delayed

from skmgm._backend import (
    active_backend,
    blas_on_one_thread,
    threads_for_kernel_views,
)
from skmgm._compat import (
    _check_method_params,
    _num_features,
    _num_samples,
    _safe_indexing,
)
from skmgm._plan import fit_parallel
from skmgm._predictions import level_predictions

# What sending the levels to the workers and back may cost, with room to
# spare: models of a few MB pickled per worker, and the workers started if idle.
SEQUENTIAL_SECONDS = 1.0
# The share of the rows predicted first, to time them.
_TIMED_SHARE = 1 / 16
# Fewer rows per worker are predicted in one call: there a dear level's fixed
# costs (a forest's call per tree) weigh as much as its rows, and a second
# call (the timed rows, then the rest) was 5% to 15% slower on 150 to 300 rows.
MIN_ROWS_PER_WORKER = 256
# Rows predicted where the call is made lend threads to the kernel views from
# this many values on, each row counted as ``_ROW_VALUES`` values more than its
# features for what a level spends per row whatever its length (a forest's
# trees, interval quantiles): on the series preset, threads cost up to a
# quarter more than one thread on fewer, and paid from there on series of 24
# to 512 values (``benchmarks/bench_predict_rows.py``).
MIN_VALUES_FOR_THREADS = 15_000
_ROW_VALUES = 64


def predict_rows(predicts: list, X, params: list, *, n_jobs, timeout=None) -> list:
    """``[predict(X, level_params) ...]`` for the levels bound by
    :func:`bound_level` and their routed ``params``, the rows split among
    ``n_jobs`` workers when the rows left after the first, timed ones would
    take longer than ``SEQUENTIAL_SECONDS``."""
    n_samples = _num_samples(X)
    backend = active_backend()
    n_workers = effective_n_jobs(backend.n_jobs(n_jobs))

    def threads_lent(n_rows):
        """Where the call is made, the workers' cores lent as threads to
        the kernel views of ``n_rows`` rows, when that pays."""
        if (
            n_workers < 2
            or backend.on_cluster
            or not _threads_pay(n_rows, _num_features(X))
        ):
            return nullcontext()
        return _threads_for_views(n_workers)

    if n_workers < 2 or n_samples < MIN_ROWS_PER_WORKER * n_workers:
        with threads_lent(n_samples):
            return [predict(X, part) for predict, part in zip(predicts, params)]
    timed = np.arange(max(1, int(n_samples * _TIMED_SHARE)))
    rest = np.arange(len(timed), n_samples)
    firsts, seconds = [], []
    with threads_lent(len(timed)):
        for predict, part in zip(predicts, params):
            start = time.perf_counter()
            firsts.append(predict(*_on_rows(X, part, timed)))
            seconds.append((time.perf_counter() - start) * len(rest) / len(timed))
    if sum(seconds) <= SEQUENTIAL_SECONDS:
        with threads_lent(len(rest)):
            rests = [
                predict(*_on_rows(X, part, rest))
                for predict, part in zip(predicts, params)
            ]
    else:
        rests = _on_workers(
            predicts, X, params, rest, seconds, n_workers, n_jobs, timeout
        )
    return [np.concatenate(pair) for pair in zip(firsts, rests)]


@contextmanager
def _threads_for_views(n_threads):
    """``n_threads`` lent to the kernel views, and BLAS kept to one thread:
    OpenBLAS's threads spin a while after each call (a level's ridge model),
    on the cores lent to the views, which then gained nothing."""
    with threads_for_kernel_views(n_threads), blas_on_one_thread():
        yield


def _threads_pay(n_rows: int, n_features: int) -> bool:
    """Whether the kernel views of ``n_rows`` rows of ``n_features`` values
    are worth lending threads to."""
    return n_rows * (n_features + _ROW_VALUES) >= MIN_VALUES_FOR_THREADS


def _on_workers(predicts, X, params, rows, seconds, n_workers, n_jobs, timeout):
    """Each level's predictions of ``rows``, split in ``n_workers`` chunks, all
    levels in one call; the dearest levels (by ``seconds``) are sent first, so
    that the cheap ones fill the tail."""
    chunks = np.array_split(rows, n_workers)
    order = np.argsort(seconds, kind="stable")[::-1]
    with fit_parallel(n_jobs, timeout=timeout) as parallel:
        parts = dict(
            parallel(
                delayed(_indexed)(
                    (level, index),
                    predicts[level],
                    *_on_rows(X, params[level], chunk),
                )
                for level in order
                for index, chunk in enumerate(chunks)
            )
        )
    return [
        np.concatenate([parts[level, index] for index in range(len(chunks))])
        for level in range(len(predicts))
    ]


def bound_level(granularity, estimator, method, n_classes):
    """``level_predictions`` of one level, picklable without the model."""
    return partial(level_predictions, granularity, estimator, method, n_classes)


def _indexed(key, predict, X, params):
    """``(key, predictions)``: results may come back in any order."""
    return key, predict(X, params)


def _on_rows(X, params, rows):
    """``X`` and the per-row ``params`` of ``rows``."""

    def sliced(part):
        return _check_method_params(X, params=part, indices=rows)

    return _safe_indexing(X, rows), Bunch(
        granularity=sliced(params.granularity), estimator=sliced(params.estimator)
    )
