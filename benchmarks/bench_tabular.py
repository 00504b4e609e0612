"""skmgm against its peers on scikit-learn's own data sets, same levels.

digits, breast_cancer, wine (accuracy), diabetes and linnerud (R², linnerud
with three outputs); skmgm, scikit-learn's stacking and mlxtend's StackingCV*
on the same levels, each level's model alone, a random forest and
HistGradientBoosting: test score over seeds, fit and predict time, peak
memory. A peer that raises (e.g. on 2-D y) gets a row with its error. Also
the diabetes split of scikit-learn's user guide, beside its published R².
"""

from __future__ import annotations

import json

from _cases import TABULAR, as_pipelines, is_classification, stack, tabular_levels
from _measure import fit_and_score, start_workers
from _report import distinct, markdown, mean, median, of, spread
from sklearn.datasets import load_diabetes
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    StackingClassifier,
    StackingRegressor,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import train_test_split

NAME = "tabular"
TITLE = "skmgm, scikit-learn's stacking and the best single model"
NOTE = (
    "linnerud has three outputs (2-D y); a model that cannot fit it shows the "
    "error it raises. Peak memory: Python allocations of a one-process fit "
    "measured by tracemalloc (numpy buffers included, joblib workers not), seed 0."
)
SLOW = False
# scikit-learn's user guide stacking example on diabetes (random_state=42 split).
DIABETES_STACKING_PUBLISHED_R2 = 0.53
DIABETES_GUIDE_SPLIT = "diabetes (random_state=42 split)"


def _mlxtend(estimators, classifier, seed, n_jobs):
    try:
        from mlxtend.classifier import StackingCVClassifier
        from mlxtend.regressor import StackingCVRegressor
    except ImportError:
        return {}
    if classifier:
        model = StackingCVClassifier(
            estimators, LogisticRegression(), cv=5, use_probas=True,
            random_state=seed, n_jobs=n_jobs,
        )  # fmt: skip
        return {"mlxtend StackingCVClassifier": model}
    model = StackingCVRegressor(
        estimators, RidgeCV(), cv=5, random_state=seed, n_jobs=n_jobs
    )
    return {"mlxtend StackingCVRegressor": model}


def peer_models(levels, classifier, seed, n_jobs, n_estimators) -> dict:
    """skmgm and every peer on the same levels, plus strong single models."""
    skmgm = stack(classifier, levels, seed, n_jobs)
    pipelines = as_pipelines(levels)
    if classifier:
        stacking = StackingClassifier(pipelines, cv=skmgm.cv, n_jobs=n_jobs)
        forest = RandomForestClassifier(n_estimators, random_state=seed)
        boosting = HistGradientBoostingClassifier(random_state=seed)
    else:
        stacking = StackingRegressor(pipelines, cv=skmgm.cv, n_jobs=n_jobs)
        forest = RandomForestRegressor(n_estimators, random_state=seed)
        boosting = HistGradientBoostingRegressor(random_state=seed)
    models = {"skmgm": skmgm, f"sklearn {type(stacking).__name__}": stacking}
    models |= _mlxtend([e for _, e in pipelines], classifier, seed, n_jobs)
    models |= {f"level {name} alone": estimator for name, estimator in pipelines}
    return models | {"RandomForest": forest, "HistGradientBoosting": boosting}


def _measure_or_record_error(model_name, model, data, with_memory):
    """A peer that cannot fit the data gets an error row; skmgm raising is a
    bug and stops the run."""
    try:
        return fit_and_score(model, *data, with_memory=with_memory)
    except Exception as exc:
        if model_name == "skmgm":
            raise
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}


def run(quick: bool, n_jobs: int) -> list:
    datasets = ["wine", "linnerud"] if quick else list(TABULAR)
    seeds = [0] if quick else list(range(5))
    n_estimators = 30 if quick else 100
    start_workers(n_jobs)
    rows = []
    for dataset in datasets:
        X, y = TABULAR[dataset][0](return_X_y=True)
        classifier = is_classification(dataset)
        for seed in seeds:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, random_state=seed, stratify=y if classifier else None
            )
            levels = tabular_levels(dataset, n_estimators, seed)
            models = peer_models(levels, classifier, seed, n_jobs, n_estimators)
            for model_name, model in models.items():
                data = (X_train, y_train, X_test, y_test)
                row = _measure_or_record_error(model_name, model, data, seed == 0)
                row |= {"benchmark": NAME, "dataset": dataset, "model": model_name}
                row |= {"seed": seed, "metric": "accuracy" if classifier else "r2"}
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows + ([] if quick else _diabetes_guide_split(n_jobs))


def _diabetes_guide_split(n_jobs: int) -> list:
    """The user guide's split, for a like-for-like row beside its 0.53."""
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)
    models = peer_models(tabular_levels("diabetes", 100, 0), False, 0, n_jobs, 100)
    common = {"benchmark": NAME, "dataset": DIABETES_GUIDE_SPLIT, "metric": "r2"}
    rows = [
        fit_and_score(models[name], X_train, y_train, X_test, y_test)
        | common
        | {"model": name, "seed": 0}
        for name in ("skmgm", "sklearn StackingRegressor")
    ]
    published = "scikit-learn user guide stacking example (published)"
    score = DIABETES_STACKING_PUBLISHED_R2
    return [*rows, common | {"model": published, "score": score, "published": True}]


def table(rows: list) -> str:
    """Every model on every data set: score, times, memory."""
    lines = []
    for dataset in distinct(of(rows, NAME), "dataset"):
        for model in distinct(of(rows, NAME, dataset=dataset), "model"):
            runs = of(rows, NAME, dataset=dataset, model=model)
            lines.append([dataset, model, *_cells(runs)])
    header = ["dataset", "model", "score (mean ± sd)", "fit (s)", "predict (s)"]
    return markdown([*header, "peak fit MiB (tracemalloc)"], lines)


def _cells(runs):
    if runs[0].get("published"):
        return [f"{runs[0]['score']:.3f} (*published*)", "", "", ""]
    if "error" in runs[0]:
        return [f"raises {runs[0]['error']}", "", "", ""]
    key = "peak_fit_mib_tracemalloc"
    memory = [r[key] for r in runs if key in r]
    return [
        f"{mean(runs, 'score'):.3f} ± {spread(runs, 'score'):.3f}",
        f"{median(runs, 'fit_s'):.2f}",
        f"{median(runs, 'predict_s'):.3f}",
        f"{memory[0]:.1f}" if memory else "",
    ]


def headline(rows: list) -> str:
    """skmgm against scikit-learn's stacking and the best single model."""
    lines = []
    for dataset in distinct(of(rows, NAME), "dataset"):
        runs = {
            model: of(rows, NAME, dataset=dataset, model=model)
            for model in distinct(of(rows, NAME, dataset=dataset), "model")
        }
        # Ties go to the first: the strong single models, then each level.
        singles = [m for m in ("RandomForest", "HistGradientBoosting") if m in runs]
        singles += [m for m in runs if m.startswith("level ")]
        singles = [m for m in singles if "error" not in runs[m][0]]
        if not singles:  # the user guide's split has only the two stacks
            continue
        best = max(singles, key=lambda m: mean(runs[m], "score"))
        peer = next(m for m in runs if m.startswith("sklearn Stacking"))
        cells = [_short(runs["skmgm"]), _short(runs[peer])]
        lines.append([dataset, *cells, f"{best}: {_short(runs[best])}"])
    header = ["dataset", "skmgm", "StackingClassifier/Regressor"]
    return markdown([*header, "best single model"], lines)


def _short(runs):
    if "error" in runs[0]:
        return f"raises {runs[0]['error'].split(':')[0]}"
    return f"{mean(runs, 'score'):.3f} in {median(runs, 'fit_s'):.2f} s"


README_BLOCKS = {"tabular": headline}


def plot(rows: list, out) -> list:
    """Test score against fit time, one panel per data set."""
    import matplotlib.pyplot as plt

    measured = [r for r in of(rows, NAME) if "fit_s" in r]
    datasets = distinct(measured, "dataset")
    if not datasets:
        return []
    fig, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 4))
    for ax, dataset in zip(list(getattr(axes, "flat", [axes])), datasets):
        for model in distinct(of(measured, NAME, dataset=dataset), "model"):
            runs = of(measured, NAME, dataset=dataset, model=model)
            star = model == "skmgm"
            ax.scatter(
                median(runs, "fit_s"), mean(runs, "score"), label=model,
                marker="*" if star else "o", s=160 if star else 40,
            )  # fmt: skip
        ax.set(title=dataset, xlabel="fit time (s)", ylabel=runs[0]["metric"])
        ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "accuracy_vs_fit_time.png", dpi=90)
    plt.close(fig)
    return ["accuracy_vs_fit_time.png"]
