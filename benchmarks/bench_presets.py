"""How the presets were chosen: cross-validation on training splits only.

Each candidate set of levels (subsets of :func:`skmgm.make_series_levels`'s
and :func:`skmgm.make_image_levels`'s levels) is scored by 5-fold
cross-validation (fewer folds where a class has fewer rows) on the *training*
split of every UCR development-panel data set, and of digits (deep-forest's
split); the test splits are never read. Reported: mean cross-validated accuracy and
the median fit time of one fold's fit (``n_jobs`` = the cores). The preset
is the most accurate candidate; a cheaper one is preferred when it is within
0.002 of it.
"""

from __future__ import annotations

import json
from functools import partial

import numpy as np
from _cases import DIGITS_SPLIT, digits_split, load_ucr, ucr_available
from _measure import timed
from _report import distinct, markdown, mean, median, of
from sklearn.model_selection import StratifiedKFold

from skmgm import MultiGranularityClassifier, make_image_levels, make_series_levels

NAME = "presets"
TITLE = "Choosing the series preset: cross-validation on training splits"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True


def _config(
    granularities, final_estimator=None, early_exit=None, staged_fit=False, **preset
):
    """A candidate: the preset's granularities and options, and the
    estimator's meta-learner (``None``: the logistic stack), early exit and
    staged fitting."""
    estimator = {
        "final_estimator": final_estimator,
        "early_exit": early_exit,
        "staged_fit": staged_fit,
    }
    return {
        "preset": {"granularities": granularities, **preset},
        "estimator": estimator,
    }


def _series(
    granularities, final_estimator=None, early_exit=None, staged_fit=False, **preset
):
    """A series candidate; its kernel levels pooled as MiniRocket (PPV, 10,000
    features) in the input's float type, and its forest and ridge models
    fitted per fold (no bootstrap, no leave-one-out) unless it says
    otherwise."""
    pinned = {"pooling": ("ppv",), "n_features": 10_000}
    per_fold = {"oob_score": False, "leave_one_out": False, "dtype": None}
    preset = pinned | per_fold | preset
    return _config(granularities, final_estimator, early_exit, staged_fit, **preset)


# make_series_levels' defaults under the vote: the configuration chosen.
CHOSEN = (
    "competing_kernels + kernels + slope_kernels + intervals, vote, forest out of "
    "bag, kernels in float32, ridge leave one out"
)
CHOSEN_OPTIONS = {
    "final_estimator": "vote",
    "oob_score": True,
    "dtype": np.float32,
    "leave_one_out": True,
}
THREE = ["kernels", "slope_kernels", "intervals"]
ALL_SERIES = ["competing_kernels", *THREE]
SERIES = {
    "kernels": _series(["kernels"]),
    "kernels, vote (the level alone)": _series(["kernels"], "vote"),
    "kernels + intervals": _series(["kernels", "intervals"]),
    "kernels + slope_kernels, vote": _series(["kernels", "slope_kernels"], "vote"),
    "kernels + slope_kernels + intervals": _series(THREE),
    "kernels + slope_kernels + intervals, vote": _series(THREE, "vote"),
    # The interval forest's size (the preset's default is 100 trees).
    "kernels + slope_kernels + intervals, vote, 200 trees (QUANT's)": _series(
        THREE, "vote", n_estimators=200
    ),
    "kernels + slope_kernels + intervals, vote, 50 trees": _series(
        THREE, "vote", n_estimators=50
    ),
    "kernels + slope_kernels + intervals, vote, early exit": _series(
        THREE, "vote", "auto"
    ),
    # MultiRocket's mean of positive values beside PPV, at the same width: the
    # preset.
    "kernels + slope_kernels + intervals, vote, kernels pooled PPV + MPV": _series(
        THREE, "vote", pooling=("ppv", "mpv"), n_features=5_000
    ),
    # Hydra's competing kernels (on the series and its first difference) as a
    # fourth level.
    "competing_kernels + kernels + slope_kernels + intervals": _series(ALL_SERIES),
    "competing_kernels + kernels + slope_kernels + intervals, vote": _series(
        ALL_SERIES, "vote"
    ),
    # The interval forest on bootstrap samples, fitted once: its out-of-bag
    # estimates stacked instead of its fold fits (out_of_bag="auto").
    **{
        f"{levels}, vote, kernels pooled PPV + MPV, forest out of bag": _series(
            granularities,
            "vote",
            pooling=("ppv", "mpv"),
            n_features=5_000,
            oob_score=True,
        )
        for levels, granularities in [
            ("kernels + slope_kernels + intervals", THREE),
            ("competing_kernels + kernels + slope_kernels + intervals", ALL_SERIES),
        ]
    },
    "competing_kernels + kernels + slope_kernels + intervals, vote, forest out of "
    "bag": _series(ALL_SERIES, "vote", oob_score=True),
    # The same, its kernel views computing in float32 (the UCR rows are float64).
    "competing_kernels + kernels + slope_kernels + intervals, vote, forest out of "
    "bag, kernels in float32": _series(
        ALL_SERIES, "vote", oob_score=True, dtype=np.float32
    ),
    # The same, its ridge models fitted once, their leave-one-out decision
    # values stacked instead of their fold fits (LeaveOneOutRidgeClassifier).
    CHOSEN: _series(ALL_SERIES, **CHOSEN_OPTIONS),
    # The preset under early exit, and with a staged fit too: what they do to
    # the cross-validated accuracy and to the fit (bench_ucr times predict).
    f"{CHOSEN}, early exit": _series(ALL_SERIES, **CHOSEN_OPTIONS, early_exit="auto"),
    f"{CHOSEN}, early exit, staged fit": _series(
        ALL_SERIES, **CHOSEN_OPTIONS, early_exit="auto", staged_fit=True
    ),
}
IMAGES = {
    "pixels": _config(["pixels"]),
    # Hydra's competing kernels along the rows, instead of or beside
    # MiniRocket's: the preset is the first.
    "pixels + competing_kernels": _config(["pixels", "competing_kernels"]),
    "pixels + competing_kernels + kernels": _config(
        ["pixels", "competing_kernels", "kernels"]
    ),
    "pixels + kernels, SVC C=1": _config(["pixels", "kernels"], C=1.0),
    "pixels + kernels": _config(["pixels", "kernels"]),
    "pixels + kernels, vote": _config(["pixels", "kernels"], "vote"),
    "pixels + kernels, early exit": _config(["pixels", "kernels"], None, "auto"),
    "pixels + kernels, vote, early exit": _config(
        ["pixels", "kernels"], "vote", "auto"
    ),
    # The support vector machine also fitted on the images moved by a pixel
    # (ShiftAugmented), alone, after the plain pixels, and beside Hydra's
    # kernels.
    "shifted_pixels": _config(["shifted_pixels"]),
    "shifted_pixels, vote (the level alone)": _config(["shifted_pixels"], "vote"),
    "pixels + shifted_pixels, vote": _config(["pixels", "shifted_pixels"], "vote"),
    "pixels + shifted_pixels, vote, early exit, staged fit": _config(
        ["pixels", "shifted_pixels"], "vote", "auto", staged_fit=True
    ),
    "shifted_pixels + competing_kernels": _config(
        ["shifted_pixels", "competing_kernels"]
    ),
    "shifted_pixels + competing_kernels, vote": _config(
        ["shifted_pixels", "competing_kernels"], "vote"
    ),
    "pixels + blocks + kernels": _config(["pixels", "blocks", "kernels"]),
    "pixels + blocks + kernels, vote": _config(["pixels", "blocks", "kernels"], "vote"),
}


def candidate(preset, configuration, seed, n_jobs):
    levels = preset(random_state=seed, **configuration["preset"])
    return MultiGranularityClassifier(
        levels, **configuration["estimator"], n_jobs=n_jobs
    )


def _cases(quick):
    """(kind of data, data set, training rows, levels factory, candidates)."""
    for dataset in ["ItalyPowerDemand"] if quick else ucr_available():
        X_train, y_train, _, _ = load_ucr(dataset)  # never the test split
        yield "series", dataset, X_train, y_train, make_series_levels, SERIES
    if not quick:
        X_train, y_train, _, _ = digits_split()
        images = partial(make_image_levels, (8, 8))
        yield "images", DIGITS_SPLIT, X_train, y_train, images, IMAGES


def _cv_scores(model, X, y, seed):
    smallest = np.unique(y, return_counts=True)[1].min()
    folds = StratifiedKFold(min(5, smallest), shuffle=True, random_state=seed)
    scores, seconds = [], []
    for train, test in folds.split(X, y):
        fitted, fit_s = timed(model.fit, X[train], y[train])
        scores.append(fitted.score(X[test], y[test]))
        seconds.append(fit_s)
    return float(np.mean(scores)), float(np.median(seconds))


def run(quick: bool, n_jobs: int) -> list:
    rows = []
    for kind, dataset, X_train, y_train, preset, candidates in _cases(quick):
        for label, configuration in candidates.items():
            model = candidate(preset, configuration, 0, n_jobs)
            score, fit_s = _cv_scores(model, X_train, y_train, 0)
            row = {"benchmark": NAME, "dataset": dataset, "model": label, "kind": kind}
            rows.append(row | {"cv_accuracy": score, "fold_fit_s": fit_s})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    found = of(rows, NAME)
    lines = [
        [kind, model, len(runs), f"{mean(runs, 'cv_accuracy'):.4f}",
         f"{median(runs, 'fold_fit_s'):.2f}"]
        for kind in distinct(found, "kind")
        for model in distinct(of(found, NAME, kind=kind), "model")
        for runs in [of(found, NAME, kind=kind, model=model)]
    ]  # fmt: skip
    header = ["data", "levels", "data sets", "mean CV accuracy (training splits)"]
    return markdown([*header, "median fit of one fold (s)"], lines)


README_BLOCKS = {"presets": table}
