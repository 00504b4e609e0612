"""Views computed once: side by side, or one after the other.

The fit of a multi-granularity estimator with the views computed once per fit
running as the tasks of one ``Parallel`` (skmgm's planning) against the same
fit with them computed one after the other where the fit runs (the planning
before it: the same planning with ``n_jobs=1``), alternately, 3 repeats,
``n_jobs`` = the cores: the series preset (``final_estimator="vote"``, its
four views computed once) on the UCR development panel's training splits, and
digits (deep-forest's split) with two cheap pooled views, where sending them
to workers has the least to gain. Reported: the median fit-time ratio side by
side / one after the other, and whether the predictions were identical.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from functools import partial

import numpy as np
from _cases import (
    DIGITS_SPLIT,
    digits_split,
    image_levels,
    load_ucr,
    small_series,
    ucr_available,
)
from _measure import alternating, start_workers, timed
from _report import markdown, median, of
from joblib import Parallel

import skmgm._stacking
from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "plan_views"
TITLE = "Views computed once: side by side or one after the other"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = False
SETTINGS = ("side_by_side", "in_turn")
SERIES = "series preset (its views computed once)"
DIGITS = "digits, two pooled views (cheap)"


@contextmanager
def _planning(setting):
    """skmgm's planning, or each level's view computed in turn where the fit
    runs: the same planning with ``n_jobs=1`` (the planning before the views
    went side by side)."""
    side_by_side = skmgm._stacking.plan_levels
    if setting == "in_turn":
        skmgm._stacking.plan_levels = partial(_in_turn, side_by_side)
    try:
        yield
    finally:
        skmgm._stacking.plan_levels = side_by_side


def _in_turn(plan_levels, levels, options, X, y, parallel):
    return plan_levels(levels, options, X, y, Parallel(n_jobs=1))


def _cases(quick):
    """(group, data set, data, levels(), final_estimator) of each case."""
    series = partial(make_series_levels, random_state=0, **small_series(quick))
    for dataset in ["ItalyPowerDemand"] if quick else ucr_available():
        yield SERIES, dataset, load_ucr(dataset), series, "vote"
    if not quick:
        yield DIGITS, DIGITS_SPLIT, digits_split(), partial(image_levels, 100, 0), None


def run(quick: bool, n_jobs: int) -> list:
    start_workers(n_jobs)
    rows = []
    for group, dataset, (X_train, y_train, X_test, _), levels, final in _cases(quick):
        for repeat in range(1 if quick else 3):
            row = {"benchmark": NAME, "group": group, "dataset": dataset}
            predictions = {}
            for setting in alternating(repeat, list(SETTINGS)):
                model = MultiGranularityClassifier(
                    levels(), final_estimator=final, n_jobs=n_jobs
                )
                with _planning(setting):
                    _, row[f"fit_s_{setting}"] = timed(model.fit, X_train, y_train)
                predictions[setting] = model.predict(X_test)
            row["ratio"] = row["fit_s_side_by_side"] / row["fit_s_in_turn"]
            row["same_predictions"] = bool(np.array_equal(*predictions.values()))
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def table(rows: list) -> str:
    found = of(rows, NAME)
    lines = []
    for group in dict.fromkeys(row["group"] for row in found):
        runs = of(found, NAME, group=group)
        lines.append([
            group, len({run["dataset"] for run in runs}),
            f"**{median(runs, 'ratio'):.2f}**",
            f"{median(runs, 'fit_s_side_by_side'):.2f} s vs "
            f"{median(runs, 'fit_s_in_turn'):.2f} s",
            "yes" if all(run["same_predictions"] for run in runs) else "**no**",
        ])  # fmt: skip
    header = ["levels", "data sets", "fit-time ratio side by side / in turn"]
    header += ["median fit", "identical predictions"]
    return markdown(header, lines)


README_BLOCKS = {"plan_views": table}
