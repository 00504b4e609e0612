"""Predicting on every worker: a fitted model's predict with n_jobs=1 and 2.

The series preset (``make_series_levels(random_state=0)``, the vote), fitted
once on the training split of the development-panel sets with the most test
rows, then predicting their test split with ``n_jobs=1`` and with ``n_jobs``
= the cores, alternately, median of 3 repeats: without early exit and with
``early_exit="auto"``. At ``n_jobs`` above 1, when the levels' first rows,
timed, say the rest would take more than a second on one core, every level's
rest is split among the workers, all levels in one call. Beside the time
ratio, the largest difference between the two predicted probabilities and
whether the labels are the same.
"""

from __future__ import annotations

import json
import statistics

import numpy as np
from _cases import load_ucr, ucr_available
from _measure import alternating, start_workers, timed
from _report import distinct, markdown, of

from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "predict_rows"
TITLE = "Predicting on every worker: n_jobs at predict time"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
DATASETS = (
    "ECG5000",
    "InsectWingbeatSound",
    "FaceAll",
    "ProximalPhalanxOutlineCorrect",
)
REPEATS = 3
CASCADES = {"no early exit": None, 'early_exit="auto"': "auto"}


def run(quick: bool, n_jobs: int) -> list:
    datasets = [name for name in DATASETS if name in ucr_available()]
    start_workers(n_jobs)
    rows = []
    for dataset in datasets[:1] if quick else datasets:
        X_train, y_train, X_test, _ = load_ucr(dataset)
        for cascade, early_exit in CASCADES.items():
            model = MultiGranularityClassifier(
                make_series_levels(random_state=0),
                final_estimator="vote",
                early_exit=early_exit,
                n_jobs=n_jobs,
            ).fit(X_train, y_train)
            rows.append(_compare(model, X_test, dataset, cascade, n_jobs))
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _compare(model, X_test, dataset, cascade, n_jobs) -> dict:
    seconds = {1: [], n_jobs: []}
    proba = {}
    for repeat in range(REPEATS):
        for workers in alternating(repeat, [1, n_jobs]):
            model.set_params(n_jobs=workers)
            proba[workers], took = timed(model.predict_proba, X_test)
            seconds[workers].append(took)
    return {
        "benchmark": NAME,
        "dataset": dataset,
        "model": cascade,
        "n_rows": len(X_test),
        "n_jobs": n_jobs,
        "predict_s_one": statistics.median(seconds[1]),
        "predict_s_all": statistics.median(seconds[n_jobs]),
        "max_difference": float(np.abs(proba[1] - proba[n_jobs]).max()),
        "same_labels": bool(
            (proba[1].argmax(axis=1) == proba[n_jobs].argmax(axis=1)).all()
        ),
    }


def table(rows: list) -> str:
    lines = []
    for row in of(rows, NAME):
        ratio = row["predict_s_all"] / row["predict_s_one"]
        lines.append(
            [
                f"{row['dataset']} ({row['n_rows']} rows)",
                row["model"],
                f"**{ratio:.2f}** ({row['predict_s_all']:.2f} s vs "
                f"{row['predict_s_one']:.2f} s)",
                f"{row['max_difference']:.1e}",
                "yes" if row["same_labels"] else "no",
            ]
        )
    n_jobs = distinct(of(rows, NAME), "n_jobs") or ["the cores"]
    header = ["test split", "fit", f"predict time n_jobs={n_jobs[0]} / n_jobs=1"]
    return markdown([*header, "largest probability difference", "same labels"], lines)


README_BLOCKS = {"predict_rows": table}
