"""What fitting label-free views once does: out-of-fold scores and fit time.

``make_series_levels(granularities=("kernels",), leave_one_out=False)`` (the
kernel view, and a ridge model fitted per fold, so that only the view's
fitting differs) with
``fit_once="label_free"`` (the kernel view fitted once on all training rows,
its view computed once)
against ``fit_once=None`` (the kernel views fitted inside every fold), on the
training splits of the UCR development panel, alternately: each level's
out-of-fold accuracy (``level_scores_``, the figures the meta-learner and
early exit are built on) and the fit time.
"""

from __future__ import annotations

import json

import numpy as np
from _cases import load_ucr, ucr_available
from _measure import alternating, timed
from _report import distinct, markdown, median, of

from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "fit_once"
TITLE = "fit_once: label-free views fitted once or in every fold"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
SETTINGS = {"label_free": "label_free", "per fold": None}


def run(quick: bool, n_jobs: int) -> list:
    datasets = ["ItalyPowerDemand"] if quick else ucr_available()
    rows = []
    for repeat, dataset in enumerate(datasets):
        X_train, y_train, _, _ = load_ucr(dataset)
        for label in alternating(repeat, list(SETTINGS)):
            model = MultiGranularityClassifier(
                make_series_levels(
                    random_state=0, granularities=("kernels",), leave_one_out=False
                ),
                fit_once=SETTINGS[label],
                n_jobs=n_jobs,
            )
            _, fit_s = timed(model.fit, X_train, y_train)
            row = {"benchmark": NAME, "dataset": dataset, "model": label}
            row |= {"fit_s": fit_s, "level_scores": model.level_scores_}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def table(rows: list) -> str:
    found = of(rows, NAME)
    levels = list(found[0]["level_scores"]) if found else []
    lines = []
    for setting in distinct(found, "model"):
        runs = of(found, NAME, model=setting)
        cells = [
            f"{np.mean([run['level_scores'][name] for run in runs]):.4f}"
            for name in levels
        ]
        lines.append([setting, len(runs), *cells, f"{median(runs, 'fit_s'):.2f}"])
    header = ["fit_once", "data sets", *(f"out-of-fold {n}" for n in levels)]
    return markdown([*header, "median fit (s)"], lines)


README_BLOCKS = {"fit_once": table}
