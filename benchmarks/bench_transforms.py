"""Transform time of the series views, beside aeon's MiniRocket, same rows.

1,000 random series of length 500 (float32). ``DilatedKernels`` (10,000
PPV features; numpy, one thread) against aeon's ``MiniRocket`` transform
(numba) with one thread and with every core, ``IntervalQuantiles`` and
``CompetingKernels`` (32 groups of 8 kernels: Hydra's half for the series);
each fitted once, then transforms timed alternately, median of repeats. The
kernel views also with every core (``n_jobs``: chunks of rows in threads),
and on the same rows in float64 (as most data come), computed in float64
(``dtype=None``) and in float32 (``dtype=np.float32``). Then the kernel
views on one and on every thread, and aeon's ``MiniRocket`` on one, on 17
series of length 131: the rows a late stage of a staged fit transforms
(FaceAll's open rows), where call overhead, not arithmetic, is the cost.
Last, on 400 series of length 300 (a UCR test split that a predict
transforms in threads), the kernel views on every thread also in chunks as
large as on one thread, as they were before they scaled their chunks for
threads; and on the same rows, Hydra's view of the series preset (its two
``CompetingKernels``, on the series and on its first difference) with every
core lent as threads, as to a level fitted alone: its two parts in turn,
each splitting its rows among the threads (the preset's ``n_jobs=1``), and
side by side, one part per thread.
"""

from __future__ import annotations

import json
import os

import numpy as np
from _measure import alternating, timed
from _report import markdown, of
from joblib import parallel_config
from sklearn.base import clone

from skmgm import make_series_levels
from skmgm.granularity import CompetingKernels, DilatedKernels, IntervalQuantiles

NAME = "transforms"
TITLE = (
    "Transform time of the series views "
    "(1,000 series of length 500; 17 of 131; 400 of 300)"
)
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = False
REFERENCE = "aeon MiniRocket, 1 thread"


def _kernel_views(X, rows_type, dtype, n_jobs=1, one_thread_chunks=False):
    """The kernel views fitted on ``X``, as ``{name: (transform, rows)}``,
    computing in ``dtype`` on ``n_jobs`` threads; with ``one_thread_chunks``,
    in chunks as large as on one thread."""
    named = "None" if dtype is None else f"np.{dtype.__name__}"
    label = f" on {rows_type} rows, dtype={named}" if rows_type else ""
    threads = "1 thread" if n_jobs == 1 else f"{n_jobs} threads"
    if one_thread_chunks:
        threads += ", one thread's chunks"
    params = {"random_state": 0, "dtype": dtype, "n_jobs": n_jobs}
    views = {}
    for view in (DilatedKernels, CompetingKernels):
        fitted = view(**params).fit(X)
        if one_thread_chunks:
            # As the views were before they scaled their chunks for threads:
            # what the scaling brings.
            fitted._threads_scale = 1
        views[f"skmgm {view.__name__}{label} (numpy, {threads})"] = (
            fitted.transform,
            X,
        )
    return views


def _minirockets(X, n_jobs):
    """aeon's MiniRocket fitted on ``X`` for each of ``n_jobs``, compiled."""
    from aeon.transformations.collection.convolution_based import MiniRocket

    fitted = [MiniRocket(random_state=0, n_jobs=n).fit(X[:, None, :]) for n in n_jobs]
    fitted[0].transform(X[:5, None, :])  # numba compiles here, not in the timing
    return [lambda rows, m=m: m.transform(rows[:, None, :]) for m in fitted]


def _views(X):
    """Each contender as ``{name: (transform, rows)}``, fitted beforehand."""
    cores = os.cpu_count() or 1
    intervals = IntervalQuantiles().fit(X)
    one, every = _minirockets(X, [1, cores])
    X64 = X.astype(np.float64)
    return {
        **_kernel_views(X, None, None),
        **_kernel_views(X, None, None, n_jobs=cores),
        "skmgm IntervalQuantiles (numpy, 1 thread)": (intervals.transform, X),
        **_kernel_views(X64, "float64", None),
        **_kernel_views(X64, "float64", np.float32),
        REFERENCE: (one, X),
        f"aeon MiniRocket, {cores} threads": (every, X),
    }


def _small_views(X):
    """The kernel views on one and on every thread, and the reference."""
    cores = os.cpu_count() or 1
    (one,) = _minirockets(X, [1])
    return {
        **_kernel_views(X, None, None),
        **_kernel_views(X, None, None, n_jobs=cores),
        REFERENCE: (one, X),
    }


def _threaded_views(X):
    """The kernel views on one thread and on every thread, in the chunks
    they take there and in one thread's, and the reference."""
    cores = os.cpu_count() or 1
    return {
        **_small_views(X),
        **_kernel_views(X, None, None, n_jobs=cores, one_thread_chunks=True),
    }


def _hydra_views(X):
    """Hydra's view lent every core, its parts in turn and side by side."""
    cores = os.cpu_count() or 1
    levels = make_series_levels(random_state=0, granularities="competing_kernels")
    in_turn = levels[0][1][0].fit(X)  # the level's view: its union, then a scaler
    side_by_side = clone(in_turn).set_params(n_jobs=None).fit(X)

    def lent(view):
        def transform(rows):
            with parallel_config(backend="threading", n_jobs=cores):
                return view.transform(rows)

        return transform

    name = f"skmgm Hydra's view, {cores} threads lent"
    return {
        f"{name}: parts in turn (n_jobs=1)": (lent(in_turn), X),
        f"{name}: parts side by side": (lent(side_by_side), X),
    }


def _threaded_and_hydra_views(X):
    """The kernel views in threads, Hydra's view lent threads, and the
    reference, on the same rows."""
    return {**_threaded_views(X), **_hydra_views(X)}


def _series(n_rows, length):
    X = np.random.default_rng(0).normal(size=(n_rows, length))
    return X.astype(np.float32)


def _timed(views, n_repeats):
    """Median seconds of each view's transform, alternating."""
    seconds = {name: [] for name in views}
    for repeat in range(n_repeats):
        for name in alternating(repeat, list(views)):
            transform, rows = views[name]
            seconds[name].append(timed(transform, rows)[1])
    return {name: float(np.median(times)) for name, times in seconds.items()}


def run(quick: bool, n_jobs: int) -> list:
    cases = [((200, 200) if quick else (1000, 500), _views, 2 if quick else 5)]
    cases.append(((17, 131), _small_views, 5 if quick else 21))
    if not quick:
        cases.append(((400, 300), _threaded_and_hydra_views, 7))
    rows = []
    for (n_rows, length), views, n_repeats in cases:
        seconds = _timed(views(_series(n_rows, length)), n_repeats)
        for name, median_s in seconds.items():
            row = {"benchmark": NAME, "model": name, "n_rows": n_rows}
            row |= {"length": length, "seconds": median_s}
            rows.append(row | {"ratio": median_s / seconds[REFERENCE]})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    lines = [
        [r["model"], f"{r['n_rows']} x {r['length']}", f"{r['seconds']:.3f}",
         f"{r['ratio']:.2f}"]
        for r in of(rows, NAME)
    ]  # fmt: skip
    header = ["transform", "rows x length", "median seconds"]
    return markdown([*header, f"ratio to {REFERENCE}, same rows"], lines)


README_BLOCKS = {"transforms": table}
