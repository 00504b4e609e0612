"""Predicting on every worker: a fitted model's predict with n_jobs=1 and 2.

The series preset (``make_series_levels(random_state=0)``, the vote), fitted
once on the training split of the development-panel sets with the most test
rows, then predicting their test split with ``n_jobs=1`` and with ``n_jobs``
= the cores, alternately, median of 3 repeats: without early exit and with
``early_exit="auto"``. At ``n_jobs`` above 1, when the levels' first rows,
timed, say the rest would take more than a second on one core, every level's
rest is split among the workers, all levels in one call. Beside the time
ratio, the largest difference between the two predicted probabilities and
whether the labels are the same. Then predicts of fewer rows (the first 25,
100 and 250 test rows of short, middling and long series; digits' test split
and its first 100 rows under the demo's forests on pooled images), predicted
where the call is made: there ``n_jobs`` lends threads to the kernel views
alone, from about 15,000 values on; forests keep one thread. Last, why: one
forest of 100 trees on digits' pixels, its ``n_jobs`` (its trees in threads)
the cores against 1, on 450 and 2,000 rows (median of 7).
"""

from __future__ import annotations

import json
import statistics

import numpy as np
from _cases import image_levels, load_ucr, ucr_available
from _measure import alternating, start_workers, timed
from _report import distinct, markdown, of
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

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
# Series of 24, 140 and 512 values.
FEW_ROWS_DATASETS = ("Chinatown", "ECG5000", "Earthquakes")
FEW_ROWS = (25, 100, 250)
FEW_REPEATS = 7
FOREST_ALONE = "RandomForestClassifier(100) alone, its trees in threads"


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
    if not quick:
        rows += _few_rows(n_jobs)
    return rows


def _few_rows(n_jobs) -> list:
    rows = []

    def compared(model, X_rows, dataset, case):
        rows.append(_compare(model, X_rows, dataset, case, n_jobs, FEW_REPEATS))
        print(json.dumps(rows[-1]), flush=True)

    for dataset in ucr_available(FEW_ROWS_DATASETS):
        X_train, y_train, X_test, _ = load_ucr(dataset)
        model = MultiGranularityClassifier(
            make_series_levels(random_state=0), final_estimator="vote", n_jobs=n_jobs
        ).fit(X_train, y_train)
        for n_rows in FEW_ROWS:
            compared(model, _rows(X_test, n_rows), dataset, "no early exit")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=1)
    model = MultiGranularityClassifier(image_levels(100, seed=0), n_jobs=n_jobs).fit(
        X_train, y_train
    )
    for X_rows in (X_test[:100], X_test):
        compared(model, X_rows, "digits", "the demo's forests")
    # Why a predict lends no threads to forests: one forest's trees in threads.
    forest = RandomForestClassifier(100, random_state=0).fit(X_train, y_train)
    for n_rows in (450, 2000):
        compared(forest, _rows(X_test, n_rows), "digits", FOREST_ALONE)
    return rows


def _rows(X, n_rows):
    """``n_rows`` rows of ``X``, repeated where it has fewer."""
    return np.resize(X, (n_rows, X.shape[1]))


def _compare(model, X_test, dataset, cascade, n_jobs, repeats=REPEATS) -> dict:
    seconds = {1: [], n_jobs: []}
    proba = {}
    for repeat in range(repeats):
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
