"""skmgm on digits with deep-forest's split, against deep-forest's published figure.

``train_test_split(X, y, random_state=1)`` on ``load_digits``: the split on
which deep-forest's ``CascadeForestClassifier`` is published at 98.667% test
accuracy (marked *published*; deep-forest itself is not installed here). The
documented configuration :func:`digits_scan_levels` is fitted with 5 seeds;
the script reports test accuracy (mean and spread) and fit time.

    python benchmarks/bench_digits.py [--seeds 5] [--save]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from _report import replace_readme_block
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.svm import SVC

from skmgm import MultiGranularityClassifier
from skmgm.granularity import MultiGrainedScanner, Pool2D

RESULTS = Path(__file__).resolve().parent / "results"
DEEP_FOREST_PUBLISHED = 0.98667  # deep-forest README, digits, random_state=1


def digits_scan_levels(seed: int = 0) -> list:
    """The documented configuration for 8x8 digit images.

    gcForest-style scans with 3x3 and 5x5 patches, 2x2 block means and maxima,
    each learned by ``ExtraTreesClassifier(300)``, and an RBF ``SVC`` on the
    raw pixels, calibrated to probabilities.
    """

    def forest():
        return ExtraTreesClassifier(n_estimators=300, random_state=seed)

    def scan(patch):
        return MultiGrainedScanner(
            window=patch,
            stride=1,
            image_shape=(8, 8),
            normalize=False,
            random_state=seed,
        )

    return [
        ("scan3", scan(3), forest()),
        ("scan5", scan(5), forest()),
        ("pool2", Pool2D((8, 8), 2, stats=("mean", "max")), forest()),
        # What SVC(probability=True) did, before scikit-learn 1.9 deprecated it.
        (
            "raw",
            "passthrough",
            CalibratedClassifierCV(SVC(gamma=0.001), ensemble=False),
        ),
    ]


def run(seeds: int = 5, n_jobs: int = -1) -> dict:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    rows = []
    for seed in range(seeds):
        model = MultiGranularityClassifier(
            digits_scan_levels(seed),
            cv=StratifiedKFold(5, shuffle=True, random_state=seed),
            n_jobs=n_jobs,
        )
        start = time.perf_counter()
        model.fit(X_train, y_train)
        rows.append(
            {
                "dataset": "digits (random_state=1 split)",
                "model": "skmgm digits_scan_levels",
                "seed": seed,
                "accuracy": float(model.score(X_test, y_test)),
                "fit_s": time.perf_counter() - start,
                "level_scores": model.level_scores_,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return {
        "rows": rows,
        "published": {"deep-forest CascadeForestClassifier": DEEP_FOREST_PUBLISHED},
    }


def summary_table(result: dict) -> str:
    scores = [r["accuracy"] for r in result["rows"]]
    seconds = [r["fit_s"] for r in result["rows"]]
    return "\n".join(
        [
            "| model | test accuracy | fit time (s) |",
            "| --- | --- | --- |",
            f"| skmgm `digits_scan_levels` (measured, {len(scores)} seeds) | "
            f"{statistics.mean(scores):.4f} ± {statistics.pstdev(scores):.4f} | "
            f"{statistics.median(seconds):.1f} |",
            f"| deep-forest CascadeForestClassifier (*published*) | "
            f"{DEEP_FOREST_PUBLISHED:.4f} | |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    result = run(args.seeds, args.n_jobs)
    table = summary_table(result)
    print(table)
    if args.save:
        replace_readme_block("digits", table)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "digits.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS / "digits.md").write_text(
            "# Digits, deep-forest's split\n\nWritten by "
            "`python benchmarks/bench_digits.py --save`. The published figure is "
            "from deep-forest's README.\n\n" + table + "\n"
        )


if __name__ == "__main__":
    main()
