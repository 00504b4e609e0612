"""Held-out levels: the estimators' own estimates instead of their fold fits.

The series preset, whose interval level's forest draws bootstrap samples
(``make_series_levels(oob_score=True)``) and whose three ridge levels keep
their leave-one-out decision values (``leave_one_out=True``), both defaults,
fitted with ``out_of_bag="auto"`` (every level fitted once, those estimates
stacked; the default) and with ``out_of_bag=None`` (the same levels fitted
per fold), alternately on each development-panel UCR data set's official
split, ``final_estimator="vote"``, 1 seed. The two refits are the same
models, so the arms differ only in the out-of-fold predictions the vote is
calibrated on. Reported: the median fit-time ratio, the out-of-fold accuracy
of the forest level and of the kernel level (a ridge), and the test accuracy
of both.
"""

from __future__ import annotations

import json

from _cases import load_ucr, small_series, ucr_available
from _measure import alternating, start_workers, timed
from _report import markdown, mean, median, of

from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "out_of_bag"
TITLE = "out_of_bag: held-out estimates instead of fold fits"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = False
SETTINGS = {"folds": None, "out_of_bag": "auto"}


def run(quick: bool, n_jobs: int) -> list:
    start_workers(n_jobs)
    rows = []
    for dataset in ["ItalyPowerDemand"] if quick else ucr_available():
        X_train, y_train, X_test, y_test = load_ucr(dataset)
        row = {"benchmark": NAME, "dataset": dataset, "seed": 0}
        for key in alternating(0, list(SETTINGS)):
            model = MultiGranularityClassifier(
                make_series_levels(random_state=0, **small_series(quick)),
                final_estimator="vote",
                out_of_bag=SETTINGS[key],
                n_jobs=n_jobs,
            )
            _, row[f"fit_s_{key}"] = timed(model.fit, X_train, y_train)
            row[f"score_{key}"] = float(model.score(X_test, y_test))
            row[f"forest_oof_{key}"] = model.level_scores_["intervals"]
            row[f"ridge_oof_{key}"] = model.level_scores_["kernels"]
        row["fit_ratio"] = row["fit_s_out_of_bag"] / row["fit_s_folds"]
        rows.append(row)
        print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    runs = of(rows, NAME)
    if not runs:
        return ""
    line = [
        len(runs),
        f"**{median(runs, 'fit_ratio'):.2f}** ({median(runs, 'fit_s_out_of_bag'):.2f}"
        f" s vs {median(runs, 'fit_s_folds'):.2f} s)",
        f"{mean(runs, 'forest_oof_folds'):.4f}",
        f"{mean(runs, 'forest_oof_out_of_bag'):.4f}",
        f"{mean(runs, 'ridge_oof_folds'):.4f}",
        f"{mean(runs, 'ridge_oof_out_of_bag'):.4f}",
        f"{mean(runs, 'score_folds'):.4f}",
        f"{mean(runs, 'score_out_of_bag'):.4f}",
    ]  # fmt: skip
    header = [
        "data sets",
        "fit time ratio out of bag / folds (median)",
        "forest out-of-fold accuracy, folds",
        "forest out-of-fold accuracy, out of bag",
        "kernel level (ridge) out-of-fold accuracy, folds",
        "kernel level, leave one out",
        "test accuracy, folds",
        "test accuracy, out of bag",
    ]
    return markdown(header, [line])


README_BLOCKS = {"out_of_bag": table}
