"""Transform time of the series views, beside aeon's MiniRocket, same rows.

1,000 random series of length 500 (float32). ``DilatedKernels`` (10,000
PPV features; numpy, one thread) against aeon's ``MiniRocket`` transform
(numba) with one thread and with every core, ``IntervalQuantiles`` and
``CompetingKernels`` (32 groups of 8 kernels: Hydra's half for the series);
each fitted once, then transforms timed alternately, median of repeats. The
kernel views also with every core (``n_jobs``: chunks of rows in threads),
and on the same rows in float64 (as most data come), computed in float64
(``dtype=None``) and in float32 (``dtype=np.float32``).
"""

from __future__ import annotations

import json
import os

import numpy as np
from _measure import alternating, timed
from _report import markdown, of

from skmgm.granularity import CompetingKernels, DilatedKernels, IntervalQuantiles

NAME = "transforms"
TITLE = "Transform time of the series views (1,000 series of length 500)"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = False
REFERENCE = "aeon MiniRocket, 1 thread"


def _kernel_views(X, rows_type, dtype, n_jobs=1):
    """The kernel views fitted on ``X``, as ``{name: (transform, rows)}``,
    computing in ``dtype`` on ``n_jobs`` threads."""
    named = "None" if dtype is None else f"np.{dtype.__name__}"
    label = f" on {rows_type} rows, dtype={named}" if rows_type else ""
    threads = "1 thread" if n_jobs == 1 else f"{n_jobs} threads"
    params = {"random_state": 0, "dtype": dtype, "n_jobs": n_jobs}
    return {
        f"skmgm {view.__name__}{label} (numpy, {threads})": (
            view(**params).fit(X).transform,
            X,
        )
        for view in (DilatedKernels, CompetingKernels)
    }


def _views(X):
    """Each contender as ``{name: (transform, rows)}``, fitted beforehand."""
    from aeon.transformations.collection.convolution_based import MiniRocket

    cores = os.cpu_count() or 1
    intervals = IntervalQuantiles().fit(X)
    one = MiniRocket(random_state=0, n_jobs=1).fit(X[:, None, :])
    every = MiniRocket(random_state=0, n_jobs=cores).fit(X[:, None, :])
    one.transform(X[:5, None, :])  # numba compiles here, not in the timing
    X64 = X.astype(np.float64)
    return {
        **_kernel_views(X, None, None),
        **_kernel_views(X, None, None, n_jobs=cores),
        "skmgm IntervalQuantiles (numpy, 1 thread)": (intervals.transform, X),
        **_kernel_views(X64, "float64", None),
        **_kernel_views(X64, "float64", np.float32),
        REFERENCE: (lambda rows: one.transform(rows[:, None, :]), X),
        f"aeon MiniRocket, {cores} threads": (
            lambda rows: every.transform(rows[:, None, :]),
            X,
        ),
    }


def run(quick: bool, n_jobs: int) -> list:
    rows_count, length = (200, 200) if quick else (1000, 500)
    X = np.random.default_rng(0).normal(size=(rows_count, length))
    X = X.astype(np.float32)
    views = _views(X)
    seconds = {name: [] for name in views}
    for repeat in range(2 if quick else 5):
        for name in alternating(repeat, list(views)):
            transform, rows = views[name]
            seconds[name].append(timed(transform, rows)[1])
    reference = float(np.median(seconds[REFERENCE]))
    rows = []
    for name, times in seconds.items():
        row = {"benchmark": NAME, "model": name, "n_rows": rows_count}
        row |= {"length": length, "seconds": float(np.median(times))}
        rows.append(row | {"ratio": float(np.median(times)) / reference})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    lines = [
        [r["model"], f"{r['n_rows']} x {r['length']}", f"{r['seconds']:.3f}",
         f"{r['ratio']:.2f}"]
        for r in of(rows, NAME)
    ]  # fmt: skip
    header = ["transform", "rows x length", "median seconds"]
    return markdown([*header, f"ratio to {REFERENCE}"], lines)


README_BLOCKS = {"transforms": table}
