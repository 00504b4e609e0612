"""A level's predictions, its rows split among the workers when that pays.

Predicting is one view and one model per level, row by row: on many rows a
dear view (a series preset's kernels) keeps one core busy for seconds while
the others idle. On at least ``MIN_ROWS_PER_WORKER`` rows per worker, a
level's first rows are predicted where the call is made, and timed; when the
rows left would take longer than ``SEQUENTIAL_SECONDS`` on one core, they are
split among the model's ``n_jobs`` workers, each sent the level's view and
model once. Rows are predicted independently, so the result does not depend
on the split (up to the last bits of BLAS sums).
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np
from joblib import effective_n_jobs
from sklearn.utils import Bunch
from sklearn.utils.parallel import delayed

from skmgm._backend import active_backend
from skmgm._compat import _check_method_params, _num_samples, _safe_indexing
from skmgm._plan import fit_parallel
from skmgm._predictions import level_predictions

# What sending a level to the workers and back may cost, with room to spare:
# a model of a few MB pickled per worker, and the workers started if idle.
SEQUENTIAL_SECONDS = 1.0
# The share of the rows predicted first, to time them.
_TIMED_SHARE = 1 / 16
# Fewer rows per worker are predicted in one call: there a dear level's fixed
# costs (a forest's call per tree) weigh as much as its rows, and a second
# call (the timed rows, then the rest) was 5% to 15% slower on 150 to 300 rows.
MIN_ROWS_PER_WORKER = 256


def predict_rows(predict, X, params, *, n_jobs, timeout=None):
    """``predict(X, params)`` (a level bound by :func:`bound_level`), the
    rows split among ``n_jobs`` workers when the rows left after the first,
    timed ones would take longer than ``SEQUENTIAL_SECONDS``."""
    n_samples = _num_samples(X)
    n_workers = effective_n_jobs(active_backend().n_jobs(n_jobs))
    if n_workers < 2 or n_samples < MIN_ROWS_PER_WORKER * n_workers:
        return predict(X, params)
    timed = np.arange(max(1, int(n_samples * _TIMED_SHARE)))
    start = time.perf_counter()
    first = predict(*_on_rows(X, params, timed))
    seconds_per_row = (time.perf_counter() - start) / len(timed)
    rest = np.arange(len(timed), n_samples)
    if seconds_per_row * len(rest) <= SEQUENTIAL_SECONDS:
        return np.concatenate([first, predict(*_on_rows(X, params, rest))])
    chunks = np.array_split(rest, n_workers)
    with fit_parallel(n_jobs, timeout=timeout) as parallel:
        parts = dict(
            parallel(
                delayed(_indexed)(index, predict, *_on_rows(X, params, rows))
                for index, rows in enumerate(chunks)
            )
        )
    return np.concatenate([first, *(parts[index] for index in range(len(chunks)))])


def bound_level(granularity, estimator, method, n_classes):
    """``level_predictions`` of one level, picklable without the model."""
    return partial(level_predictions, granularity, estimator, method, n_classes)


def _indexed(index, predict, X, params):
    """``(index, predictions)``: results may come back in any order."""
    return index, predict(X, params)


def _on_rows(X, params, rows):
    """``X`` and the per-row ``params`` of ``rows``."""

    def sliced(part):
        return _check_method_params(X, params=part, indices=rows)

    return _safe_indexing(X, rows), Bunch(
        granularity=sliced(params.granularity), estimator=sliced(params.estimator)
    )
