"""Digits on deep-forest's split: the image preset against its peers.

``train_test_split(random_state=1)``, 5 seeds, ``n_jobs`` = the cores:
``MultiGranularityClassifier(make_image_levels((8, 8), random_state=seed))``
beside scikit-learn's ``StackingClassifier`` on the same levels (as
Pipelines, same folds) and deep-forest's published ``CascadeForestClassifier``
accuracy (its README; deep-forest does not install on this Python).
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

from skmgm import make_image_levels

NAME = "digits"
TITLE = "Digits, deep-forest's split"
NOTE = ""
SLOW = True
MODEL = "skmgm make_image_levels"
PEER = "sklearn StackingClassifier, same levels"
PUBLISHED = "deep-forest CascadeForestClassifier (published)"


def run(quick: bool, n_jobs: int) -> list:
    seeds = range(1 if quick else 5)
    labels = {"benchmark": NAME, "dataset": DIGITS_SPLIT, "metric": "accuracy"}
    rows = score_over_seeds(
        lambda seed: stack(True, make_image_levels((8, 8), random_state=seed),
                           seed, n_jobs),
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
