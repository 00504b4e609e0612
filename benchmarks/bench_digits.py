"""Digits on deep-forest's split: the image preset against its peers.

``train_test_split(random_state=1)``, 5 seeds, ``n_jobs`` = the cores:
``MultiGranularityClassifier(make_image_levels((8, 8), random_state=seed),
final_estimator="vote")`` (as its docstring says to use it) beside
scikit-learn's ``StackingClassifier`` on the same levels (as Pipelines, same
folds), the preset's one level fitted alone (``ShiftAugmented(SVC(C=10))``:
what the stack adds or costs), the support vector machine on the pixels as
given, and deep-forest's published ``CascadeForestClassifier`` accuracy (its
README; deep-forest does not install on this Python).
"""

from __future__ import annotations

from _cases import (
    DEEP_FOREST_PUBLISHED,
    DIGITS_SPLIT,
    as_pipelines,
    digits_split,
    stack,
)
from _measure import score_over_seeds
from _report import distinct, markdown, mean, median, of, spread
from sklearn.ensemble import StackingClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from skmgm import make_image_levels
from skmgm.granularity import ShiftAugmented

NAME = "digits"
TITLE = "Digits, deep-forest's split"
NOTE = ""
SLOW = True
MODEL = "skmgm make_image_levels"
PEER = "sklearn StackingClassifier, same levels"
PUBLISHED = "deep-forest CascadeForestClassifier (published)"
# Deterministic: the same figure for every seed.
LEVELS_ALONE = {
    "the preset's level alone: ShiftAugmented(SVC(C=10))": ShiftAugmented(
        SVC(C=10), image_shape=(8, 8)
    ),
    "SVC(C=10) on the pixels as given": SVC(C=10),
}


def run(quick: bool, n_jobs: int) -> list:
    seeds = range(1 if quick else 5)
    labels = {"benchmark": NAME, "dataset": DIGITS_SPLIT, "metric": "accuracy"}
    rows = score_over_seeds(
        lambda seed: stack(
            True, make_image_levels((8, 8), random_state=seed), seed, n_jobs
        ).set_params(final_estimator="vote"),
        digits_split(), seeds, model=MODEL, **labels,
    )  # fmt: skip
    rows += score_over_seeds(
        lambda seed: StackingClassifier(
            as_pipelines(make_image_levels((8, 8), random_state=seed)),
            cv=StratifiedKFold(5, shuffle=True, random_state=seed),
            n_jobs=n_jobs,
        ),
        digits_split(), seeds, model=PEER, **labels,
    )  # fmt: skip
    for model, level in LEVELS_ALONE.items():
        rows += score_over_seeds(
            lambda seed, level=level: level, digits_split(), seeds, model=model,
            **labels,
        )  # fmt: skip
    published = {"model": PUBLISHED, "score": DEEP_FOREST_PUBLISHED}
    return [*rows, labels | published | {"published": True, "source": "its README"}]


def table(rows: list) -> str:
    lines = []
    for model in distinct(of(rows, NAME), "model"):
        runs = of(rows, NAME, model=model)
        if runs[0].get("published"):
            score = f"{runs[0]['score']:.4f}"
            lines.append([model.replace("(published)", "(*published*)"), score, ""])
            continue
        label = f"{model} (measured, {len(runs)} seeds)"
        score = f"{mean(runs, 'score'):.4f} ± {spread(runs, 'score'):.4f}"
        lines.append([label, score, f"{median(runs, 'fit_s'):.1f}"])
    return markdown(["model", "test accuracy", "fit time (s)"], lines)


README_BLOCKS = {"digits": table}
