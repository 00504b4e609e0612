"""Digits on deep-forest's split: the scan configuration against deep-forest.

``train_test_split(random_state=1)``, :func:`_cases.digits_scan_levels`
(3x3 and 5x5 scans, 2x2 pooling, a calibrated SVC on the raw pixels), 5 seeds,
beside deep-forest's published ``CascadeForestClassifier`` accuracy (its
README; deep-forest does not install on this Python).
"""

from __future__ import annotations

from _cases import (
    DEEP_FOREST_PUBLISHED,
    DIGITS_SPLIT,
    digits_scan_levels,
    digits_split,
    stack,
)
from _measure import score_over_seeds
from _report import distinct, markdown, mean, median, of, spread

NAME = "digits_scan"
TITLE = "Digits, deep-forest's split"
NOTE = ""
SLOW = True
MODEL = "skmgm digits_scan_levels"
PUBLISHED = "deep-forest CascadeForestClassifier (published)"


def run(quick: bool, n_jobs: int) -> list:
    rows = score_over_seeds(
        lambda seed: stack(True, digits_scan_levels(seed), seed, n_jobs),
        digits_split(),
        range(1 if quick else 5),
        benchmark=NAME, dataset=DIGITS_SPLIT, model=MODEL, metric="accuracy",
    )  # fmt: skip
    published = {"model": PUBLISHED, "score": DEEP_FOREST_PUBLISHED}
    common = {"benchmark": NAME, "dataset": DIGITS_SPLIT, "metric": "accuracy"}
    return [*rows, common | published | {"published": True, "source": "its README"}]


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
