"""skmgm on UCR series (official splits), against published figures.

The four UCR series that ship inside sktime: GunPoint, ItalyPowerDemand,
ArrowHead and OSULeaf (sktime is a benchmark dependency only). The
configuration :func:`_cases.ucr_levels` is fitted with 5 seeds per data set;
test accuracy (mean and spread over seeds) and fit time, beside the published
test accuracies of 1-NN DTW, random forest and ROCKET (marked *published*,
read from ``shared/data/ucr-published-accuracies.csv`` beside the repository).
"""

from __future__ import annotations

import statistics

from _cases import UCR_BUNDLED, load_ucr, published_ucr_figures, stack, ucr_levels
from _measure import score_over_seeds
from _report import distinct, markdown, mean, median, of, spread

NAME = "ucr"
TITLE = "UCR series bundled with sktime (official splits)"
NOTE = ""
SLOW = False
MODEL = "skmgm ucr_levels"


def run(quick: bool, n_jobs: int) -> list:
    datasets = ["ItalyPowerDemand"] if quick else list(UCR_BUNDLED)
    rows = []
    for dataset in datasets:
        rows += score_over_seeds(
            lambda seed: stack(True, ucr_levels(seed), seed, n_jobs),
            load_ucr(dataset),
            range(1 if quick else 5),
            benchmark=NAME, dataset=dataset, model=MODEL, metric="accuracy",
        )  # fmt: skip
    for label, figures in published_ucr_figures().items():
        rows += [
            {"benchmark": NAME, "dataset": dataset, "model": f"{label} (published)",
             "metric": "accuracy", "score": figures[dataset], "published": True,
             "source": figures["source"]}
            for dataset in datasets
        ]  # fmt: skip
    return rows


def table(rows: list) -> str:
    """One row per model, one column per data set, and skmgm's fit times."""
    found = of(rows, NAME)
    datasets = distinct(found, "dataset")
    lines = []
    for model in distinct(found, "model"):
        runs = [of(found, NAME, dataset=d, model=model) for d in datasets]
        if runs[0][0].get("published"):
            cells = [f"{r[0]['score']:.3f}" for r in runs]
            overall = statistics.mean(r[0]["score"] for r in runs)
            lines.append([f"{model.replace('(published)', '(*published*)')}",
                          *cells, f"{overall:.3f}"])  # fmt: skip
            continue
        cells = [f"{mean(r, 'score'):.3f} ± {spread(r, 'score'):.3f}" for r in runs]
        overall = statistics.mean(mean(r, "score") for r in runs)
        label = f"{model} (measured, {len(runs[0])} seeds)"
        lines.append([label, *cells, f"**{overall:.3f}**"])
        times = [f"{median(r, 'fit_s'):.1f}" for r in runs]
        lines.append([f"{model} median fit time (s)", *times, ""])
    return markdown(["model", *datasets, "mean"], lines)


README_BLOCKS = {"ucr": table}
