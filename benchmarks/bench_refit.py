"""Fit time and test score with ``refit=False`` against ``refit=True``.

``refit=False``: each level keeps and averages its fold models instead of a
refit on all rows. Alternately, 5 seeds, on the tabular data sets (their
benchmark levels) and ItalyPowerDemand (``make_series_levels``' kernel level
with its ridge model fitted per fold, ``leave_one_out=False``: a level fitted
once has no fold models to keep; train and test pooled and split again per
seed).
"""

from __future__ import annotations

import json

import numpy as np
from _cases import (
    TABULAR,
    is_classification,
    load_ucr,
    stack,
    tabular_levels,
)
from _measure import alternating, start_workers, timed
from _report import distinct, markdown, mean, median, of
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from skmgm import make_series_levels

NAME = "refit"
TITLE = "refit=False against refit=True: fit time and score"
NOTE = ""
SLOW = False


def _cases(quick: bool):
    """(name, X, y, classifier, levels(seed)) of each case."""
    n_estimators = 30 if quick else 100
    for name in ["wine", "diabetes"] if quick else list(TABULAR):
        X, y = TABULAR[name][0](return_X_y=True)

        def levels(seed, name=name):
            return tabular_levels(name, n_estimators, seed)

        yield name, X, y, is_classification(name), levels
    if not quick:
        X_train, y_train, X_test, y_test = load_ucr("ItalyPowerDemand")
        X = np.vstack([X_train, X_test])
        y = np.concatenate([y_train, y_test])
        yield "ItalyPowerDemand", X, y, True, _series


def _series(seed):
    return make_series_levels(
        random_state=seed, granularities=("kernels",), leave_one_out=False
    )


def run(quick: bool, n_jobs: int) -> list:
    start_workers(n_jobs)
    rows = []
    for name, X, y, classifier, levels in _cases(quick):
        for seed in [0] if quick else range(5):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, random_state=seed, stratify=y if classifier else None
            )
            base = stack(classifier, levels(seed), seed, n_jobs)
            row = {"benchmark": NAME, "dataset": name, "seed": seed}
            for key in alternating(seed, ["refit", "bagged"]):
                model = clone(base).set_params(refit=key == "refit")
                _, fit_s = timed(model.fit, X_train, y_train)
                score, predict_s = timed(model.score, X_test, y_test)
                row |= {f"fit_s_{key}": fit_s, f"predict_s_{key}": predict_s}
                row[f"score_{key}"] = float(score)
            row["fit_ratio"] = row["fit_s_bagged"] / row["fit_s_refit"]
            rows.append(row)
            print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    lines = []
    for dataset in distinct(of(rows, NAME), "dataset"):
        runs = of(rows, NAME, dataset=dataset)
        ratio = (
            f"**{median(runs, 'fit_ratio'):.2f}** ({median(runs, 'fit_s_bagged'):.2f}"
            f" s vs {median(runs, 'fit_s_refit'):.2f} s)"
        )
        predict = (
            f"{median(runs, 'predict_s_refit'):.3f} / "
            f"{median(runs, 'predict_s_bagged'):.3f}"
        )
        lines.append([
            dataset, len(runs), f"{mean(runs, 'score_refit'):.4f}",
            f"{mean(runs, 'score_bagged'):.4f}", ratio, predict,
        ])  # fmt: skip
    header = ["dataset", "seeds", "score refit=True", "score refit=False"]
    header += ["fit time ratio False/True (median)", "predict s True / False"]
    return markdown(header, lines)


README_BLOCKS = {"refit": table}
