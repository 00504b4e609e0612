"""The presets' finalists again, on a second cross-validation seed.

Where the most accurate candidate of ``bench_presets`` and a cheaper one are
about the rule's 0.002 apart, one seed's folds and kernels decide, and the
per-set differences between seeds are far larger (0.05 on ArrowHead). The
finalists are scored again as ``bench_presets`` scores them, training splits
only, with the levels' ``random_state=1`` and the folds shuffled with seed 1;
the rule (the cheapest within 0.002 of the most accurate) is applied to the
means over both seeds.
"""

from __future__ import annotations

import json

import bench_presets
from _report import markdown, mean, median, of
from bench_presets import IMAGES, SERIES, _cases, _cv_scores, candidate

NAME = "preset_seeds"
TITLE = "The presets' finalists on two cross-validation seeds"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
SEED = 1
FINALISTS = {
    "series": [
        "competing_kernels + kernels + slope_kernels + intervals, vote",
        "kernels + slope_kernels + intervals, vote, kernels pooled PPV + MPV",
        "kernels + slope_kernels + intervals, vote",
        *(label for label in SERIES if "forest out of bag" in label),
    ],
    "images": [
        "pixels + shifted_pixels, vote",
        "shifted_pixels + competing_kernels, vote",
        "shifted_pixels, vote (the level alone)",
        "pixels + shifted_pixels, vote, early exit, staged fit",
    ],
}
assert all(label in SERIES for label in FINALISTS["series"])
assert all(label in IMAGES for label in FINALISTS["images"])


def run(quick: bool, n_jobs: int) -> list:
    rows = []
    for kind, dataset, X_train, y_train, preset, candidates in _cases(quick):
        for label in FINALISTS[kind]:
            model = candidate(preset, candidates[label], SEED, n_jobs)
            score, fit_s = _cv_scores(model, X_train, y_train, SEED)
            row = {"benchmark": NAME, "dataset": dataset, "model": label, "kind": kind}
            rows.append(row | {"seed": SEED, "cv_accuracy": score, "fold_fit_s": fit_s})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    lines = []
    for kind, labels in FINALISTS.items():
        for label in labels:
            first = of(rows, bench_presets.NAME, kind=kind, model=label)
            second = of(rows, NAME, kind=kind, model=label)
            if not (first and second):
                continue
            both = [mean(first, "cv_accuracy"), mean(second, "cv_accuracy")]
            fit = median(first + second, "fold_fit_s")
            lines.append(
                [kind, label, *(f"{score:.4f}" for score in both),
                 f"{sum(both) / 2:.4f}", f"{fit:.2f}"]
            )  # fmt: skip
    header = ["data", "finalist", "CV accuracy, seed 0", "seed 1", "mean"]
    return markdown([*header, "median fit of one fold (s)"], lines)


README_BLOCKS = {"preset_seeds": table}
