"""Where the views computed once are computed.

skmgm's planning against another way, alternately, 3 repeats, ``n_jobs`` =
the cores, on the UCR development panel's training splits
(``final_estimator="vote"``) and digits (deep-forest's split):

- the series preset, every level fitted once (the ridge models by
  leave-one-out, the forest out of bag): each level's view computed in its
  one task, against all four views computed side by side before the plan and
  sent to the tasks (the planning before levels fitted once kept their views
  to themselves);
- the series preset with its levels fitted per fold
  (``leave_one_out=False, oob_score=False``): the four views side by side as
  the tasks of one ``Parallel``, against one after the other where the fit
  runs (the same planning with ``n_jobs=1``, the planning before the views
  went side by side);
- digits with two cheap pooled views, the same two ways: where sending them
  to workers has the least to gain.

Reported: the median fit-time ratio skmgm / the other way, and whether the
predictions were identical.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import replace
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
TITLE = "Where the views computed once are computed"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = False
ONCE = "series preset, levels fitted once: each view in its task / all before the plan"
FOLDS = "series preset, levels per fold: views side by side / one after the other"
DIGITS = "digits, two pooled views (cheap): side by side / one after the other"


def _in_turn(plan_levels, levels, options, X, y, parallel):
    """The views computed one after the other where the fit runs."""
    return plan_levels(levels, options, X, y, Parallel(n_jobs=1))


def _before_the_plan(plan_levels, levels, options, X, y, parallel):
    """Every view computed once before the plan, levels fitted once too."""
    kept = [{**kwargs, "out_of_bag": False} for kwargs in options]
    planned = plan_levels(levels, kept, X, y, parallel)
    return [
        replace(plan, out_of_bag=kwargs["out_of_bag"])
        for plan, kwargs in zip(planned, options)
    ]


@contextmanager
def _planning(other):
    """skmgm's planning (``other=None``), or the other way."""
    planning = skmgm._stacking.plan_levels
    if other is not None:
        skmgm._stacking.plan_levels = partial(other, planning)
    try:
        yield
    finally:
        skmgm._stacking.plan_levels = planning


def _cases(quick):
    """(group, data set, data, levels(), final_estimator, the other way)."""
    series = partial(make_series_levels, random_state=0, **small_series(quick))
    per_fold = partial(series, leave_one_out=False, oob_score=False)
    for dataset in ["ItalyPowerDemand"] if quick else ucr_available():
        data = load_ucr(dataset)
        yield ONCE, dataset, data, series, "vote", _before_the_plan
        yield FOLDS, dataset, data, per_fold, "vote", _in_turn
    if not quick:
        levels = partial(image_levels, 100, 0)
        yield DIGITS, DIGITS_SPLIT, digits_split(), levels, None, _in_turn


def run(quick: bool, n_jobs: int) -> list:
    start_workers(n_jobs)
    rows = []
    for group, dataset, data, levels, final, other in _cases(quick):
        X_train, y_train, X_test, _ = data
        for repeat in range(1 if quick else 3):
            row = {"benchmark": NAME, "group": group, "dataset": dataset}
            predictions = {}
            for setting in alternating(repeat, ["skmgm", "other"]):
                model = MultiGranularityClassifier(
                    levels(), final_estimator=final, n_jobs=n_jobs
                )
                with _planning(other if setting == "other" else None):
                    _, row[f"fit_s_{setting}"] = timed(model.fit, X_train, y_train)
                predictions[setting] = model.predict(X_test)
            row["ratio"] = row["fit_s_skmgm"] / row["fit_s_other"]
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
            f"{median(runs, 'fit_s_skmgm'):.2f} s vs "
            f"{median(runs, 'fit_s_other'):.2f} s",
            "yes" if all(run["same_predictions"] for run in runs) else "**no**",
        ])  # fmt: skip
    header = ["levels: skmgm's planning / the other way", "data sets"]
    header += ["fit-time ratio", "median fit", "identical predictions"]
    return markdown(header, lines)


README_BLOCKS = {"plan_views": table}
