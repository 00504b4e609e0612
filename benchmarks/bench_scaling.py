"""Fit time against ``n_jobs``, for skmgm and StackingClassifier on digits.

Each model is fitted once to start the worker pool, then timed. Efficiency is
the one-core time spread evenly over the workers, divided by the measured
time. scikit-learn's stacking nests ``Parallel`` calls, so on many cores it
may use more processes than ``n_jobs`` says.
"""

from __future__ import annotations

import json
import os

from _cases import image_levels
from _measure import timed
from _report import distinct, markdown, of
from bench_tabular import peer_models
from sklearn.datasets import load_digits

NAME = "scaling"
TITLE = "Parallel scaling (digits, fit)"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = False
MODELS = ("skmgm", "sklearn StackingClassifier")


def run(quick: bool, n_jobs: int) -> list:
    X, y = load_digits(return_X_y=True)
    cores = os.cpu_count() or 1
    settings = [*(sorted({1, cores}) if quick else range(1, cores + 1)), -1]
    n_estimators = 30 if quick else 100
    rows = []
    for model_name in MODELS:
        for jobs in settings:
            levels = image_levels(n_estimators, 0)
            model = peer_models(levels, True, 0, jobs, n_estimators)[model_name]
            model.fit(X, y)  # warm-up: starts the worker pool
            _, fit_s = timed(model.fit, X, y)
            row = {"benchmark": NAME, "dataset": "digits", "model": model_name}
            rows.append(row | {"n_jobs": jobs, "fit_s": fit_s, "cores": cores})
            print(json.dumps(rows[-1]), flush=True)
    for model_name in MODELS:
        own = of(rows, NAME, model=model_name)
        one_core = next(r["fit_s"] for r in own if r["n_jobs"] == 1)
        for row in own:
            workers = cores if row["n_jobs"] == -1 else row["n_jobs"]
            row["speedup"] = one_core / row["fit_s"]
            row["efficiency"] = (one_core / workers) / row["fit_s"]
    return rows


def table(rows: list) -> str:
    lines = [
        [r["model"], r["n_jobs"], f"{r['fit_s']:.2f}", f"{r['speedup']:.2f}",
         f"{r['efficiency']:.2f}"]
        for r in of(rows, NAME)
    ]  # fmt: skip
    return markdown(["model", "n_jobs", "fit (s)", "speed-up", "efficiency"], lines)


README_BLOCKS = {}


def plot(rows: list, out) -> list:
    import matplotlib.pyplot as plt

    scaling = [r for r in of(rows, NAME) if r["n_jobs"] != -1]
    if not scaling:
        return []
    fig, ax = plt.subplots(figsize=(5, 4))
    for model in distinct(scaling, "model"):
        own = of(scaling, NAME, model=model)
        ax.plot([r["n_jobs"] for r in own], [r["speedup"] for r in own], "o-",
                label=model)  # fmt: skip
    top = max(r["n_jobs"] for r in scaling)
    ax.plot([1, top], [1, top], "k--", label="ideal")
    ax.set(xlabel="n_jobs", ylabel="speed-up over n_jobs=1", title="digits fit")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "parallel_scaling.png", dpi=90)
    plt.close(fig)
    return ["parallel_scaling.png"]
