"""Fit time of skmgm against scikit-learn's StackingClassifier, same levels.

Digits (deep-forest's split), three levels (4x4-pooled, 2x2-pooled and raw
images) with ``RandomForestClassifier(n_estimators=100)`` each, the same 5
folds, ``n_jobs=2``. The two models are fitted alternately, after one warm-up
fit each (which starts joblib's worker pool); the figure is the median of the
per-repeat fit-time ratios skmgm / StackingClassifier.
"""

from __future__ import annotations

import statistics

from _cases import digits_split, image_levels
from _measure import alternating, timed
from _report import markdown, of
from bench_tabular import peer_models

NAME = "fit_ratio"
TITLE = "Fit-time ratio skmgm / StackingClassifier (digits, same levels)"
NOTE = ""
SLOW = False
MODELS = {"skmgm": "skmgm", "StackingClassifier": "sklearn StackingClassifier"}


def run(quick: bool, n_jobs: int) -> list:
    n_jobs = 2 if n_jobs == -1 else n_jobs
    repeats = 2 if quick else 9
    X_train, y_train, X_test, y_test = digits_split()
    levels = image_levels(30 if quick else 100, 0)
    peers = peer_models(levels, True, 0, n_jobs, 100)
    models = {short: peers[name] for short, name in MODELS.items()}
    for model in models.values():  # warm-up: start the worker pool
        model.fit(X_train, y_train)
    seconds = {name: [] for name in models}
    for repeat in range(repeats):
        for name in alternating(repeat, list(models)):
            seconds[name].append(timed(models[name].fit, X_train, y_train)[1])
    ratios = [a / b for a, b in zip(seconds["skmgm"], seconds["StackingClassifier"])]
    return [
        {
            "benchmark": NAME,
            "dataset": "digits, train_test_split(random_state=1)",
            "n_jobs": n_jobs,
            "repeats": repeats,
            "ratios": ratios,
            "seconds": seconds,
            "median_ratio": statistics.median(ratios),
            "median_fit_s": {n: statistics.median(s) for n, s in seconds.items()},
            "accuracy": {n: m.score(X_test, y_test) for n, m in models.items()},
        }
    ]


def table(rows: list) -> str:
    found = of(rows, NAME)
    if not found:
        return ""
    result = found[0]
    fit, accuracy = result["median_fit_s"], result["accuracy"]
    lines = [
        ["median fit time (s)", f"{fit['skmgm']:.2f}",
         f"{fit['StackingClassifier']:.2f}"],
        ["test accuracy", f"{accuracy['skmgm']:.4f}",
         f"{accuracy['StackingClassifier']:.4f}"],
        ["median fit-time ratio", f"{result['median_ratio']:.2f}", "1"],
    ]  # fmt: skip
    return (
        markdown(["", "skmgm", "StackingClassifier"], lines)
        + f"\n\n{result['repeats']} alternating repeats, n_jobs={result['n_jobs']}."
    )


README_BLOCKS = {"bench_fit": table}
