"""Staged fitting: fit time and test accuracy against the plain fit.

``staged_fit=True`` (with the defaults of ``staged_fit_settled`` and
``staged_fit_settled_ratio``, with no ratio, and with no settled rows: the open
rows alone) against ``staged_fit=False``, all with
``early_exit="auto"``, fitted alternately on the same split, 3 seeds; and, as a
bound, the staged fit (defaults) with ``early_exit`` fixed at the plain fit's
first-level threshold, so that the first level lets the rows exit that a
perfect estimate of the stack's answers would let exit (every level then exits
at that threshold): digits
(deep-forest's split) with ``make_image_levels((8, 8))``'s plain pixels before
its shifted pixels (the preset alone has one level, nothing to stage) and
``final_estimator="vote"``, and the two development-panel series sets with the
most training rows (ProximalPhalanxOutlineCorrect and FaceAll, official splits)
with ``make_series_levels`` and ``final_estimator="vote"``. Reported: the
median fit-time ratio staged / plain, the first level's fit seconds
(``level_fit_seconds_``) over the plain fit's, the mean out-of-fold cascade
accuracies on the training rows (``early_exit_scores_["cascade"]``), the mean
test accuracies, and the share of the training rows each level was fitted on.
"""

from __future__ import annotations

import json
import statistics
from functools import partial

from _cases import (
    DIGITS_SPLIT,
    digits_split,
    digits_staged_levels,
    load_ucr,
    small_series,
)
from _measure import alternating, start_workers, timed
from _report import distinct, markdown, mean, median, of

from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "staged"
TITLE = "staged_fit: fine levels fitted only on the rows left open"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = False
PLAIN = "plain"
# Stands for the plain fit's first-level threshold, found per seed.
PLAIN_THRESHOLD = object()
# Each fit's parameters besides early_exit="auto"; "staged" keeps the defaults
# of staged_fit_settled and staged_fit_settled_ratio.
SETTINGS = {
    PLAIN: {},
    "staged": {"staged_fit": True},
    "staged, settled rows per open row not capped": {
        "staged_fit": True,
        "staged_fit_settled_ratio": None,
    },
    "staged, settled 0": {"staged_fit": True, "staged_fit_settled": 0.0},
    "staged, first level exiting as in the plain fit": {
        "staged_fit": True,
        "early_exit": PLAIN_THRESHOLD,
    },
}


def _params(key, plain_threshold):
    """The fit parameters of setting ``key``, ``PLAIN_THRESHOLD`` resolved."""
    params = {"early_exit": "auto", **SETTINGS[key]}
    if params["early_exit"] is PLAIN_THRESHOLD:
        params["early_exit"] = plain_threshold
    return params


def _cases(quick: bool):
    """(data set, data, levels(seed), final_estimator) of each case."""
    series = partial(make_series_levels, **small_series(quick))
    for dataset in ["ItalyPowerDemand"] if quick else [
        "ProximalPhalanxOutlineCorrect", "FaceAll"
    ]:  # fmt: skip
        yield dataset, load_ucr(dataset), series, "vote"
    if not quick:
        yield DIGITS_SPLIT, digits_split(), digits_staged_levels, "vote"


def run(quick: bool, n_jobs: int) -> list:
    start_workers(n_jobs)
    rows = []
    for dataset, (X_train, y_train, X_test, y_test), levels, final in _cases(quick):
        for seed in range(1 if quick else 3):
            plain = MultiGranularityClassifier(
                levels(random_state=seed),
                final_estimator=final,
                early_exit="auto",
                n_jobs=n_jobs,
            ).fit(X_train, y_train)
            plain_threshold = _first(plain.early_exit_thresholds_)
            seconds = {key: [] for key in SETTINGS}
            first_level_s = {key: [] for key in SETTINGS}
            fits = {}
            for repeat in range(1 if quick else 3):
                for key in alternating(seed + repeat, list(SETTINGS)):
                    model = MultiGranularityClassifier(
                        levels(random_state=seed),
                        final_estimator=final,
                        n_jobs=n_jobs,
                        **_params(key, plain_threshold),
                    )
                    seconds[key].append(timed(model.fit, X_train, y_train)[1])
                    first_level_s[key].append(_first(model.level_fit_seconds_))
                    fits[key] = {
                        "score": float(model.score(X_test, y_test)),
                        "cascade_oof": model.early_exit_scores_["cascade"],
                        "fit_rows_share": _shares(model, len(y_train)),
                        "first_exit_share": _first(model.early_exit_shares_),
                        "settled": _settled(model),
                    }
            fit_s = {key: statistics.median(times) for key, times in seconds.items()}
            for key in SETTINGS:
                row = {"benchmark": NAME, "dataset": dataset, "seed": seed}
                row |= {"setting": key, **fits[key], "fit_s": fit_s[key]}
                row["first_level_ratio"] = (
                    statistics.median(first_level_s[key]) / fit_s[PLAIN]
                )
                rows.append(row | {"fit_ratio": fit_s[key] / fit_s[PLAIN]})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def _first(per_level):
    """The first level's value of a per-level attribute."""
    return next(iter(per_level.values()))


def _settled(model):
    """``staged_fit_settled`` and, where it keeps settled rows, the ratio."""
    if model.staged_fit_settled == 0:
        return "0"
    return f"{model.staged_fit_settled:g}, {model.staged_fit_settled_ratio}"


def _shares(model, n_rows):
    """The share of the training rows each level was fitted on."""
    return {name: n / n_rows for name, n in model.level_fit_rows_.items()}


def table(rows: list) -> str:
    lines = []
    for dataset in distinct(of(rows, NAME), "dataset"):
        plain = of(rows, NAME, dataset=dataset, setting=PLAIN)
        for setting in list(SETTINGS)[1:]:
            runs = of(rows, NAME, dataset=dataset, setting=setting)
            shares = ", ".join(
                f"{name} {mean([r['fit_rows_share'] for r in runs], name):.2f}"
                for name in runs[0]["fit_rows_share"]
            )
            lines.append([
                dataset, setting, runs[0]["settled"], len(runs),
                f"**{median(runs, 'fit_ratio'):.2f}** ({median(runs, 'fit_s'):.2f}"
                f" s vs {median(plain, 'fit_s'):.2f} s)",
                f"{median(runs, 'first_level_ratio'):.2f}",
                f"{mean(runs, 'first_exit_share'):.2f} / "
                f"{mean(plain, 'first_exit_share'):.2f}",
                f"{mean(runs, 'cascade_oof'):.4f} / {mean(plain, 'cascade_oof'):.4f}",
                f"{mean(plain, 'score'):.4f}", f"{mean(runs, 'score'):.4f}",
                shares,
            ])  # fmt: skip
    header = ["data set", "fit", "staged_fit_settled, _ratio", "seeds"]
    header += ["fit time ratio staged / plain (median)"]
    header += ["first level's fit / plain fit (median)"]
    header += ["training rows exiting at the first level, staged / plain"]
    header += ["out-of-fold cascade accuracy (training), staged / plain"]
    header += ["test accuracy plain", "test accuracy staged"]
    return markdown([*header, "share of training rows each level was fitted on"], lines)


README_BLOCKS = {"staged": table}
