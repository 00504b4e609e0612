"""Choosing early exit's noise margin: held-out loss inside training splits.

``early_exit="auto"`` calibrates its thresholds on out-of-fold predictions and
charges the exits a margin of standard errors of their out-of-fold change
(``EXIT_MARGIN_Z`` in ``skmgm/_early_exit.py`` for the plain fit,
``STAGED_EXIT_MARGIN_Z`` in ``skmgm/_staged.py`` for the staged one). Each
margin on the grid is scored by 5-fold
cross-validation *inside the training split* of every development-panel data
set with at least 250 training rows (``make_series_levels``,
``final_estimator="vote"``; below ``1 / early_exit_tolerance`` = 200 rows no
row can exit) and of digits (deep-forest's split, ``make_image_levels((8,
8))`` with the plain pixels before the shifted ones, ``final_estimator=
"vote"``); the test splits are never read. In each fold the model is fitted
on four fifths of the training rows with each margin, plain and staged, and
its held-out accuracy is compared with the plain full stack's
(``early_exit=None``) on the fifth. Reported: the mean change in points (the
budget is ``early_exit_tolerance``, 0.5 points) and the share of held-out
rows that exit. The rule, fixed before the run: each fit takes the smallest
margin whose mean loss is at most half the budget, the other half left for
data sets beyond the panel.
"""

from __future__ import annotations

import json
from unittest import mock

import numpy as np
from _cases import training_splits
from _report import distinct, markdown, mean, of
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

import skmgm._early_exit
import skmgm._staged
from skmgm import MultiGranularityClassifier

NAME = "exit_margin"
TITLE = "Choosing early exit's noise margin: held-out loss inside training splits"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
MARGINS = (0.0, 1.0, 1.5, 2.0, 2.5, 3.0)
MIN_ROWS = 250
BUDGET = 0.005  # early_exit_tolerance's default
# Each fit: its staged_fit and the module constant that holds its margin.
FITS = {
    "plain": (False, skmgm._early_exit, "EXIT_MARGIN_Z"),
    "staged": (True, skmgm._staged, "STAGED_EXIT_MARGIN_Z"),
}


def _held_out_changes(plain, X, y, train, test, margins):
    """Per fit and margin: the held-out accuracy change against the plain full
    stack fitted on the same rows, and the share of held-out rows exiting."""
    full = clone(plain).fit(X[train], y[train])
    reference = np.mean(full.predict(X[test]) == y[test])
    changes = {}
    for fit, (staged, module, constant) in FITS.items():
        for margin in margins:
            model = clone(plain).set_params(early_exit="auto", staged_fit=staged)
            with mock.patch.object(module, constant, margin):
                model.fit(X[train], y[train])
            exits = model.exit_levels(X[test]) != "final_estimator"
            accuracy = np.mean(model.predict(X[test]) == y[test])
            changes[fit, margin] = (accuracy - reference, np.mean(exits))
    return changes


def run(quick: bool, n_jobs: int) -> list:
    margins = (0.0, 2.0) if quick else MARGINS
    rows = []
    for dataset, X, y, levels in training_splits(quick):
        if not quick and len(y) < MIN_ROWS:
            continue
        plain = MultiGranularityClassifier(
            levels, final_estimator="vote", n_jobs=n_jobs
        )
        folds = StratifiedKFold(2 if quick else 5, shuffle=True, random_state=0)
        per_fold = [
            _held_out_changes(plain, X, y, train, test, margins)
            for train, test in folds.split(X, y)
        ]
        for fit, margin in per_fold[0]:
            change, share = np.mean([fold[fit, margin] for fold in per_fold], axis=0)
            row = {"benchmark": NAME, "dataset": dataset, "fit": fit}
            row |= {"margin_z": margin, "change": change, "exit_share": share}
            rows.append(row)
            print(json.dumps(rows[-1]), flush=True)
    return rows


def chosen(rows: list, fit: str) -> float | None:
    """The smallest margin whose mean held-out loss is at most half the
    budget, or ``None``."""
    found = of(rows, NAME, fit=fit)
    for margin in sorted(distinct(found, "margin_z")):
        if mean(of(found, NAME, margin_z=margin), "change") >= -BUDGET / 2:
            return margin
    return None


def table(rows: list) -> str:
    found = of(rows, NAME)
    lines = []
    for fit in distinct(found, "fit"):
        choice = chosen(rows, fit)
        for margin in distinct(of(found, NAME, fit=fit), "margin_z"):
            runs = of(found, NAME, fit=fit, margin_z=margin)
            lines.append([
                fit, f"{margin:g}" + (" (chosen)" if margin == choice else ""),
                len(runs), f"{100 * mean(runs, 'change'):+.2f}",
                f"{100 * min(r['change'] for r in runs):+.2f}",
                f"{mean(runs, 'exit_share'):.2f}",
            ])  # fmt: skip
    header = ["fit", "margin (standard errors)", "data sets"]
    header += ["mean held-out change against the full stack (points)"]
    header += ["worst data set (points)", "mean share of held-out rows exiting"]
    return markdown(header, lines)


README_BLOCKS = {"exit_margin": table}
