"""What the stacking layer costs the series preset: the same level with and
without it, on the UCR development panel's official splits.

``MultiGranularityClassifier(make_series_levels(random_state=seed,
granularities=("kernels",)))`` (its one kernel level) against
``make_pipeline(view, estimator)`` of its one level (no folds, no
meta-learner), 3 seeds, fitted in turn on the same data. A diagnosis, not a
configuration choice: nothing is chosen from these test splits.
"""

from __future__ import annotations

import json

import numpy as np
from _cases import load_ucr, ucr_available
from _measure import alternating, fit_and_score
from _report import distinct, markdown, mean, of
from sklearn.pipeline import make_pipeline

from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "stack_cost"
TITLE = "The series preset with and without the stacking layer"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
STACKED, ALONE = "stacked (meta-learner on out-of-fold scores)", "level alone"


def contenders(seed: int, n_jobs: int) -> dict:
    levels = make_series_levels(random_state=seed, granularities=("kernels",))
    ((_, view, estimator),) = make_series_levels(
        random_state=seed, granularities=("kernels",)
    )
    return {
        STACKED: MultiGranularityClassifier(levels, n_jobs=n_jobs),
        ALONE: make_pipeline(view, estimator),
    }


def run(quick: bool, n_jobs: int) -> list:
    rows = []
    for index, dataset in enumerate(["ItalyPowerDemand"] if quick else ucr_available()):
        data = load_ucr(dataset)
        for seed in range(1 if quick else 3):
            models = contenders(seed, n_jobs)
            for model in alternating(index + seed, list(models)):
                row = fit_and_score(models[model], *data)
                row |= {"benchmark": NAME, "dataset": dataset, "model": model}
                rows.append(row | {"seed": seed, "n_classes": len(set(data[1]))})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    """Per data set (most classes first): both accuracies and the difference."""
    found = of(rows, NAME)
    lines = []
    by_classes = sorted(
        distinct(found, "dataset"),
        key=lambda d: -of(found, NAME, dataset=d)[0]["n_classes"],
    )
    for dataset in by_classes:
        stacked = mean(of(found, NAME, dataset=dataset, model=STACKED), "score")
        alone = mean(of(found, NAME, dataset=dataset, model=ALONE), "score")
        n_classes = of(found, NAME, dataset=dataset)[0]["n_classes"]
        cells = [f"{stacked:.4f}", f"{alone:.4f}", f"{stacked - alone:+.4f}"]
        lines.append([dataset, n_classes, *cells])
    means = [
        np.mean(
            [mean(of(found, NAME, dataset=d, model=m), "score") for d in by_classes]
        )
        for m in (STACKED, ALONE)
    ]
    lines.append(["**mean**", "", f"{means[0]:.4f}", f"{means[1]:.4f}",
                  f"{means[0] - means[1]:+.4f}"])  # fmt: skip
    return markdown(["data set", "classes", STACKED, ALONE, "difference"], lines)


README_BLOCKS = {"stack_cost": table}
