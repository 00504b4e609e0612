"""What early exit saves at predict time, against the full stack.

One configuration per data set whose first level is much cheaper than the
last, fitted with ``early_exit="auto"``. Predict time of the cascade
(``predict``) against the full stack (``final_estimator_`` on ``transform``:
every level for every sample) on the same fitted model, alternately, median
of repeats; test accuracy of both; the share of test samples exiting at each
level. digits with deep-forest's split, and the UCR series ItalyPowerDemand
and GunPoint (67 and 50 training series: one sample is worth 1.5 and 2
points, more than the default budget of 0.5, so they also run at 2 points)
with the series preset under ``final_estimator="vote"``.
"""

from __future__ import annotations

import json

import numpy as np
from _cases import digits_cascade_levels, digits_split, load_ucr
from _measure import alternating, start_workers, timed
from _report import distinct, markdown, mean, median, of
from sklearn.model_selection import StratifiedKFold

from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "early_exit"
TITLE = "Early exit: predict time of the cascade against the full stack"
NOTE = ""
SLOW = False


def _cases(quick: bool):
    """(name, data, levels, final_estimator, early_exit_tolerance) of each case."""
    if quick:
        yield "ItalyPowerDemand", load_ucr("ItalyPowerDemand"), _series, "vote", 0.02
        return
    digits = digits_split()
    yield "digits (random_state=1 split)", digits, digits_cascade_levels, None, 0.005
    for name in ["ItalyPowerDemand", "GunPoint"]:
        for tolerance in (0.005, 0.02):
            yield name, load_ucr(name), _series, "vote", tolerance


def _series(seed):
    return make_series_levels(random_state=seed)


def full_stack_predict(model, X):
    """Every level for every sample: what ``early_exit=None`` predicts."""
    return model.classes_[model.final_estimator_.predict(model.transform(X))]


def _case_row(model, X_test, y_test, repeats):
    predict = {"cascade": model.predict, "full": lambda X: full_stack_predict(model, X)}
    labels, times = {}, {"cascade": [], "full": []}
    for repeat in range(repeats):
        for key in alternating(repeat, list(predict)):
            labels[key], seconds = timed(predict[key], X_test)
            times[key].append(seconds)
    exits = model.exit_levels(X_test)
    names = [level for level, _, _ in model.levels_] + ["final_estimator"]
    ratios = [c / f for c, f in zip(times["cascade"], times["full"])]
    return {
        "accuracy_cascade": float(np.mean(labels["cascade"] == y_test)),
        "accuracy_full": float(np.mean(labels["full"] == y_test)),
        "predict_s_cascade": float(np.median(times["cascade"])),
        "predict_s_full": float(np.median(times["full"])),
        "predict_ratio": float(np.median(ratios)),
        "repeats": repeats,
        "test_exit_shares": {n: float(np.mean(exits == n)) for n in names},
        "thresholds": model.early_exit_thresholds_,
        "oof_scores": model.early_exit_scores_,
    }


def run(quick: bool, n_jobs: int) -> list:
    start_workers(n_jobs)
    rows = []
    for name, data, make_levels, final_estimator, tolerance in _cases(quick):
        X_train, y_train, X_test, y_test = data
        for seed in range(1 if quick else 3):
            model = MultiGranularityClassifier(
                make_levels(seed),
                final_estimator=final_estimator,
                cv=StratifiedKFold(5, shuffle=True, random_state=seed),
                early_exit="auto",
                early_exit_tolerance=tolerance,
                n_jobs=n_jobs,
            ).fit(X_train, y_train)
            row = {"benchmark": NAME, "dataset": name, "seed": seed}
            row |= {"early_exit_tolerance": tolerance, "n_train": len(y_train)}
            rows.append(row | _case_row(model, X_test, y_test, 3 if quick else 7))
            print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    found = of(rows, NAME)
    lines = []
    for dataset in distinct(found, "dataset"):
        here = of(found, NAME, dataset=dataset)
        for tolerance in distinct(here, "early_exit_tolerance"):
            runs = of(here, NAME, early_exit_tolerance=tolerance)
            shares = {
                level: float(np.mean([r["test_exit_shares"][level] for r in runs]))
                for level in runs[0]["test_exit_shares"]
            }
            share_cell = ", ".join(f"{k} {v:.0%}" for k, v in shares.items() if v)
            ratio = (
                f"**{median(runs, 'predict_ratio'):.2f}** "
                f"({median(runs, 'predict_s_cascade'):.2f} s vs "
                f"{median(runs, 'predict_s_full'):.2f} s)"
            )
            lines.append([
                f"{dataset} ({runs[0]['n_train']})", tolerance, len(runs),
                f"{mean(runs, 'accuracy_full'):.4f}",
                f"{mean(runs, 'accuracy_cascade'):.4f}", ratio, share_cell,
            ])  # fmt: skip
    header = ["dataset (training rows)", "tolerance", "seeds", "accuracy full stack"]
    header += ["accuracy early exit", "predict time ratio (median)"]
    return markdown([*header, "test share exiting per level"], lines)


README_BLOCKS = {"early_exit": table}
