"""Choosing staged_fit_settled: the cascade's out-of-fold accuracy on training splits.

``MultiGranularityClassifier(staged_fit=True, early_exit="auto")`` with each
share of settled rows, and the plain fit with the same early exit, on the
*training* split of every UCR development-panel data set
(``make_series_levels``, ``final_estimator="vote"``) and of digits
(deep-forest's split, ``make_image_levels((8, 8))`` with the plain pixels
before the shifted ones, ``final_estimator="vote"``: the preset alone has one
level, nothing to stage); the test splits are never read. Reported: the
cascade's out-of-fold accuracy over all training rows
(``early_exit_scores_["cascade"]``, what the fit calibrates against), the
median fit-time ratio to the plain fit (fitted alternately) and the share of
training rows the levels after the first were fitted on. Each share of the
settled rows is tried alone and, for the share 0.5, with at most 2, 1 and 0.5
settled rows per open row (``staged_fit_settled_ratio``). The defaults are
the cheapest setting (the least rows share of the later levels) whose mean
out-of-fold accuracy is within 0.002 of the best.
"""

from __future__ import annotations

import json

import numpy as np
from _cases import training_splits
from _measure import alternating, start_workers, timed
from _report import distinct, markdown, mean, median, of
from scipy.stats import sem

from skmgm import MultiGranularityClassifier

NAME = "settled"
TITLE = "Choosing staged_fit_settled: out-of-fold accuracy on training splits"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
SHARES = [0.0, 0.1, 0.25, 0.5]
RATIOS = [2.0, 1.0, 0.5]  # with the share 0.5
PLAIN = "plain"
# Each fit's staged_fit_settled and staged_fit_settled_ratio; None: the plain fit.
SETTINGS = {
    PLAIN: None,
    **{f"staged, settled {share}": (share, None) for share in SHARES},
    **{
        f"staged, settled 0.5, at most {ratio:g} per open row": (0.5, ratio)
        for ratio in RATIOS
    },
}


def run(quick: bool, n_jobs: int) -> list:
    start_workers(n_jobs)
    rows = []
    for case, (dataset, X, y, levels) in enumerate(training_splits(quick)):
        fits = {}
        for key in alternating(case, list(SETTINGS)):
            share, ratio = SETTINGS[key] or (0.0, None)
            model = MultiGranularityClassifier(
                levels,
                final_estimator="vote",
                early_exit="auto",
                staged_fit=SETTINGS[key] is not None,
                staged_fit_settled=share,
                staged_fit_settled_ratio=ratio,
                n_jobs=n_jobs,
            )
            _, fit_s = timed(model.fit, X, y)
            later = list(model.level_fit_rows_.values())[1:]
            fits[key] = {
                "cascade_oof": model.early_exit_scores_["cascade"],
                "fit_s": fit_s,
                "later_rows_share": sum(later) / (len(later) * len(y)),
            }
        for key, fit in fits.items():
            row = {"benchmark": NAME, "dataset": dataset, "setting": key, **fit}
            rows.append(row | {"fit_ratio": fit["fit_s"] / fits[PLAIN]["fit_s"]})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _per_set(found, setting):
    """Each data set's out-of-fold cascade accuracy with ``setting``."""
    return {r["dataset"]: r["cascade_oof"] for r in of(found, NAME, setting=setting)}


def table(rows: list) -> str:
    found = of(rows, NAME)
    settings = distinct(found, "setting")
    oof = {setting: _per_set(found, setting) for setting in settings}
    best = max(settings, key=lambda setting: np.mean(list(oof[setting].values())))
    lines = []
    for setting in settings:
        runs = of(found, NAME, setting=setting)
        gaps = [oof[setting][dataset] - oof[best][dataset] for dataset in oof[best]]
        lines.append([
            setting, len(runs), f"{mean(runs, 'cascade_oof'):.4f}",
            f"{np.mean(gaps):+.4f}" + (f" ({sem(gaps):.4f})" if len(gaps) > 1 else ""),
            f"{median(runs, 'fit_ratio'):.2f}", f"{mean(runs, 'later_rows_share'):.2f}",
        ])  # fmt: skip
    header = ["fit", "data sets", "mean out-of-fold cascade accuracy (training)"]
    header += ["difference to the best, per set: mean (standard error)"]
    header += ["median fit-time ratio to plain", "rows share of the later levels"]
    return markdown(header, lines)


README_BLOCKS = {"settled": table}
