"""Fit time of skmgm against scikit-learn's StackingClassifier, same levels.

Digits (deep-forest's split, ``train_test_split(random_state=1)``), three
levels (4x4-pooled, 2x2-pooled and raw images) with
``RandomForestClassifier(n_estimators=100)`` each, ``cv=5``, ``n_jobs=2``.
The two models are fitted alternately, after one warm-up fit each (which
starts joblib's worker pool), and the script prints the median of the
per-repeat fit-time ratios skmgm / StackingClassifier with both accuracies.

    python benchmarks/bench_fit.py [--repeats 9] [--n-jobs 2] [--save]

``--save`` writes ``benchmarks/results/bench_fit.json`` and rewrites the
marked table in the top-level README, so no figure there is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import joblib
import sklearn
from _report import machine, replace_readme_block
from sklearn.datasets import load_digits
from sklearn.ensemble import StackingClassifier
from sklearn.model_selection import StratifiedKFold, train_test_split

from skmgm import MultiGranularityClassifier
from skmgm.__main__ import as_stacking_estimators, digits_levels

RESULTS = Path(__file__).resolve().parent / "results" / "bench_fit.json"


def _fit_seconds(model, X, y):
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def measure(repeats: int = 7, n_jobs: int = 2, n_estimators: int = 100) -> dict:
    """Alternate the two fits ``repeats`` times; return medians and accuracies."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    levels = digits_levels(n_estimators)
    models = {
        "skmgm": MultiGranularityClassifier(levels, cv=folds, n_jobs=n_jobs),
        "StackingClassifier": StackingClassifier(
            as_stacking_estimators(levels), cv=folds, n_jobs=n_jobs
        ),
    }
    for model in models.values():  # warm-up: start the worker pool
        model.fit(X_train, y_train)
    seconds = {name: [] for name in models}
    for repeat in range(repeats):
        # Alternate which model goes first, so neither always follows the other.
        order = list(models) if repeat % 2 == 0 else list(models)[::-1]
        for name in order:
            seconds[name].append(_fit_seconds(models[name], X_train, y_train))
    ratios = [a / b for a, b in zip(seconds["skmgm"], seconds["StackingClassifier"])]
    return {
        "dataset": "digits, train_test_split(random_state=1)",
        "n_jobs": n_jobs,
        "repeats": repeats,
        "machine": machine(),
        "versions": {
            "sklearn": sklearn.__version__,
            "joblib": joblib.__version__,
        },
        "ratios": ratios,
        "seconds": seconds,
        "median_ratio": statistics.median(ratios),
        "median_fit_s": {name: statistics.median(s) for name, s in seconds.items()},
        "accuracy": {name: m.score(X_test, y_test) for name, m in models.items()},
    }


def readme_table(result: dict) -> str:
    """The README's table of this benchmark, from a result of :func:`measure`."""
    fit = result["median_fit_s"]
    accuracy = result["accuracy"]
    return "\n".join(
        [
            "| | skmgm | StackingClassifier |",
            "| --- | --- | --- |",
            f"| median fit time (s) | {fit['skmgm']:.2f} | "
            f"{fit['StackingClassifier']:.2f} |",
            f"| test accuracy | {accuracy['skmgm']:.4f} | "
            f"{accuracy['StackingClassifier']:.4f} |",
            f"| median fit-time ratio | {result['median_ratio']:.2f} | 1 |",
            "",
            f"{result['repeats']} alternating repeats, n_jobs={result['n_jobs']}, "
            f"{result['machine']['cores']} cores, scikit-learn "
            f"{result['versions']['sklearn']}, joblib "
            f"{result['versions']['joblib']}.",
        ]
    )


def save(result: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    replace_readme_block("bench_fit", readme_table(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    result = measure(args.repeats, args.n_jobs, args.n_estimators)
    print(json.dumps(result, indent=2))
    if args.save:
        save(result)
    print(
        f"median fit-time ratio skmgm / StackingClassifier: "
        f"{result['median_ratio']:.3f}"
    )


if __name__ == "__main__":
    main()
