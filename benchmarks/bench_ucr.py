"""skmgm on the four UCR series that ship inside sktime, against published figures.

Official train/test splits of GunPoint, ItalyPowerDemand, ArrowHead and
OSULeaf (``sktime.datasets``; sktime is a benchmark dependency only). The
documented configuration :func:`ucr_levels` is fitted with 5 seeds per
dataset; the script reports test accuracy (mean and spread over seeds) and fit
time, beside the published test accuracies of 1-NN DTW, random forest and
ROCKET (marked *published*, read from ``shared/data/ucr-published-accuracies.csv``
beside the repository where it is present, else the figures quoted in issue 3).

    python benchmarks/bench_ucr.py [--seeds 5] [--only OSULeaf] [--save]

``--save`` writes ``benchmarks/results/ucr.json`` and ``ucr.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path

import numpy as np
from _report import replace_readme_block
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skmgm import MultiGranularityClassifier
from skmgm.granularity import MultiGrainedScanner, Pool1D

RESULTS = Path(__file__).resolve().parent / "results"
PUBLISHED_CSV = (
    Path(__file__).resolve().parents[2] / "shared/data/ucr-published-accuracies.csv"
)
DATASETS = ("GunPoint", "ItalyPowerDemand", "ArrowHead", "OSULeaf")
# The reference rows: method names in the shared CSV.
REFERENCE_METHODS = {
    "1-NN DTW": "1NN-DTW learned w (UCR)",
    "random forest": "RandF (bakeoff2017)",
    "ROCKET": "ROCKET (redux2023, resample0)",
}
# Used only where the shared CSV is absent: the figures quoted in issue 3
# (UCR archive for 1-NN DTW, 2017 bake-off for RF, ROCKET paper).
QUOTED_IN_ISSUE = {
    "1-NN DTW": {
        "GunPoint": 0.913,
        "ItalyPowerDemand": 0.955,
        "ArrowHead": 0.800,
        "OSULeaf": 0.612,
    },
    "random forest": {
        "GunPoint": 0.940,
        "ItalyPowerDemand": 0.966,
        "ArrowHead": 0.714,
        "OSULeaf": 0.512,
    },
    "ROCKET": {
        "GunPoint": 1.000,
        "ItalyPowerDemand": 0.970,
        "ArrowHead": 0.814,
        "OSULeaf": 0.941,
    },
}


def published_figures() -> dict:
    """Reference accuracies by method and dataset, with their sources."""
    if not PUBLISHED_CSV.exists():
        return {
            method: {"source": "quoted in issue 3", **figures}
            for method, figures in QUOTED_IN_ISSUE.items()
        }
    with PUBLISHED_CSV.open() as handle:
        rows = list(csv.DictReader(handle))
    figures = {}
    for label, method in REFERENCE_METHODS.items():
        matching = [r for r in rows if r["method"] == method]
        figures[label] = {r["dataset"]: float(r["accuracy"]) for r in matching}
        figures[label]["source"] = f"{method}: {matching[0]['source']}"
    return figures


def first_difference(X):
    """The series' first difference: its local slope, free of its level."""
    return np.diff(X, axis=1)


def ucr_levels(seed: int = 0) -> list:
    """The documented multi-granularity configuration for univariate series.

    Six levels, an ``ExtraTreesClassifier(200)`` each: the raw series; piecewise
    mean, standard deviation and slope over windows of 8; and multi-grained
    scans (shape-normalised windows) at 10% and 25% of the series length, on
    the series and on its first difference.
    """

    def forest():
        return ExtraTreesClassifier(n_estimators=200, random_state=seed)

    def scan(window, derivative=False):
        scanner = MultiGrainedScanner(
            window=window, max_instances=5000, random_state=seed
        )
        if derivative:
            return make_pipeline(FunctionTransformer(first_difference), scanner)
        return scanner

    return [
        ("raw", "passthrough", forest()),
        ("stats", Pool1D(window=8, stats=("mean", "std", "slope")), forest()),
        ("scan10", scan(0.10), forest()),
        ("scan25", scan(0.25), forest()),
        ("dscan10", scan(0.10, derivative=True), forest()),
        ("dscan25", scan(0.25, derivative=True), forest()),
    ]


def ucr_model(seed: int = 0, n_jobs: int = -1) -> MultiGranularityClassifier:
    """The configuration of :func:`ucr_levels` as a classifier."""
    return MultiGranularityClassifier(
        ucr_levels(seed),
        cv=StratifiedKFold(5, shuffle=True, random_state=seed),
        n_jobs=n_jobs,
    )


def load_ucr(name: str):
    """Official train and test split of one UCR dataset bundled with sktime."""
    from sktime import datasets

    loader = {
        "GunPoint": datasets.load_gunpoint,
        "ItalyPowerDemand": datasets.load_italy_power_demand,
        "ArrowHead": datasets.load_arrow_head,
        "OSULeaf": datasets.load_osuleaf,
    }[name]
    X_train, y_train = loader(split="train", return_type="numpy2d")
    X_test, y_test = loader(split="test", return_type="numpy2d")
    return X_train.astype(float), y_train, X_test.astype(float), y_test


def run(datasets=DATASETS, seeds: int = 5, n_jobs: int = -1) -> dict:
    rows = []
    for name in datasets:
        X_train, y_train, X_test, y_test = load_ucr(name)
        for seed in range(seeds):
            model = ucr_model(seed, n_jobs)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            fit_seconds = time.perf_counter() - start
            rows.append(
                {
                    "dataset": name,
                    "model": "skmgm ucr_levels",
                    "seed": seed,
                    "accuracy": float(model.score(X_test, y_test)),
                    "fit_s": fit_seconds,
                    "level_scores": model.level_scores_,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return {"rows": rows, "published": published_figures(), "seeds": seeds}


def summary_table(result: dict) -> str:
    rows = result["rows"]
    names = [d for d in DATASETS if any(r["dataset"] == d for r in rows)]
    header = "| model | " + " | ".join(names) + " | mean |"
    lines = [header, "|" + " --- |" * (len(names) + 2)]
    means, spreads, times = {}, {}, {}
    for name in names:
        scores = [r["accuracy"] for r in rows if r["dataset"] == name]
        means[name] = statistics.mean(scores)
        spreads[name] = statistics.pstdev(scores)
        times[name] = statistics.median(
            r["fit_s"] for r in rows if r["dataset"] == name
        )
    cells = [f"{means[n]:.3f} ± {spreads[n]:.3f}" for n in names]
    overall = statistics.mean(means.values())
    lines.append(
        f"| skmgm `ucr_levels` (measured, {result['seeds']} seeds) | "
        + " | ".join(cells)
        + f" | **{overall:.3f}** |"
    )
    for model, figures in result["published"].items():
        values = [figures[n] for n in names]
        lines.append(
            f"| {model} (*published*) | "
            + " | ".join(f"{v:.3f}" for v in values)
            + f" | {statistics.mean(values):.3f} |"
        )
    lines.append(
        "| skmgm median fit time (s) | "
        + " | ".join(f"{times[n]:.1f}" for n in names)
        + " | |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=list(DATASETS))
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    result = run(args.only, args.seeds, args.n_jobs)
    table = summary_table(result)
    print(table)
    if args.save:
        replace_readme_block("ucr", table)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "ucr.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS / "ucr.md").write_text(
            "# UCR series bundled with sktime (official splits)\n\n"
            "Written by `python benchmarks/bench_ucr.py --save`. Published rows "
            "come from these sources:\n\n"
            + "".join(
                f"- {label}: {figures['source']}\n"
                for label, figures in result["published"].items()
            )
            + "\n"
            + table
            + "\n"
        )


if __name__ == "__main__":
    main()
