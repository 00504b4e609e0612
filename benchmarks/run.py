"""Every benchmark of skmgm against its peers, in one run.

    python benchmarks/run.py [--quick] [--only NAME ...]

Writes ``benchmarks/results/results.json`` (every figure with its dataset,
model, seed, library versions and machine), ``benchmarks/results/README.md``
(the tables) and, with matplotlib, PNG plots. Benchmarks:

- ``tabular``: scikit-learn's digits, breast_cancer, wine (accuracy),
  diabetes and linnerud (R², linnerud with three outputs); skmgm,
  scikit-learn's stacking and mlxtend's StackingCV* on the same levels, each
  level's model alone, a random forest and HistGradientBoosting; accuracy
  over seeds, fit and predict time, peak memory. A peer that raises (e.g. on
  2-D y) gets a row with its error instead.
- ``ucr``: the UCR series bundled with sktime (see ``bench_ucr.py``).
- ``digits_scan``: digits with deep-forest's split (see ``bench_digits.py``).
- ``fit_ratio``: skmgm / StackingClassifier fit time, alternating, median
  (see ``bench_fit.py``).
- ``scaling``: fit time against ``n_jobs`` = 1 .. cores and -1.
- ``early_exit`` and ``refit``: what early exit saves at predict time and
  ``refit=False`` at fit time (see ``bench_cost.py``).

``--only NAME`` reruns those benchmarks and keeps the other benchmarks' rows
already in ``OUT/results.json``. ``--quick`` (under 5 minutes on 2 cores)
runs one seed, smaller forests, and skips the slow benchmarks; CI runs it to
check that the script works, never to check a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import joblib
import numpy as np
import sklearn
from _report import machine, replace_readme_block, start_workers
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_linnerud,
    load_wine,
)
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    StackingClassifier,
    StackingRegressor,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer

import skmgm
from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import Pool2D

RESULTS = Path(__file__).resolve().parent / "results"
# scikit-learn's user guide stacking example on diabetes (random_state=42 split).
DIABETES_STACKING_PUBLISHED_R2 = 0.53


# ----------------------------------------------------------------- the levels
def image_levels(n_estimators: int, seed: int) -> list:
    """digits: 4x4-pooled, 2x2-pooled and raw images, a forest each."""

    def forest():
        return RandomForestClassifier(n_estimators, random_state=seed)

    return [
        ("coarse", Pool2D((8, 8), 4, stats=("mean", "max")), forest()),
        ("medium", Pool2D((8, 8), 2), forest()),
        ("fine", "passthrough", forest()),
    ]


def table_levels(classifier: bool, n_estimators: int, seed: int) -> list:
    """Any numeric table: binned values with a linear model, raw with a forest."""
    if classifier:
        # One-hot bins need no scaling (and come sparse, which a scaler refuses).
        linear = LogisticRegression(max_iter=1000)
        forest = RandomForestClassifier(n_estimators, random_state=seed)
    else:
        linear, forest = (
            RidgeCV(),
            RandomForestRegressor(n_estimators, random_state=seed),
        )
    return [
        ("binned", KBinsDiscretizer(n_bins=8, strategy="uniform"), linear),
        ("raw", "passthrough", forest),
    ]


DATASETS = {
    "digits": (load_digits, "image"),
    "breast_cancer": (load_breast_cancer, "table"),
    "wine": (load_wine, "table"),
    "diabetes": (load_diabetes, "regression"),
    "linnerud": (load_linnerud, "regression"),  # three outputs
}


def levels_for(name, classifier, n_estimators, seed):
    if DATASETS[name][1] == "image":
        return image_levels(n_estimators, seed)
    return table_levels(classifier, n_estimators, seed)


def as_pipeline(granularity, estimator):
    if isinstance(granularity, str):
        return clone(estimator)
    return make_pipeline(clone(granularity), clone(estimator))


def peer_models(levels, classifier, seed, n_jobs, n_estimators):
    """skmgm and every peer on the same levels, plus strong single models."""
    cv = (StratifiedKFold if classifier else KFold)(5, shuffle=True, random_state=seed)
    stack_estimators = [(name, as_pipeline(g, e)) for name, g, e in levels]
    if classifier:
        models = {
            "skmgm": MultiGranularityClassifier(levels, cv=cv, n_jobs=n_jobs),
            "sklearn StackingClassifier": StackingClassifier(
                stack_estimators, cv=cv, n_jobs=n_jobs
            ),
        }
        mlxtend = _mlxtend_model(stack_estimators, classifier, seed, n_jobs)
        single = {
            "RandomForest": RandomForestClassifier(n_estimators, random_state=seed),
            "HistGradientBoosting": HistGradientBoostingClassifier(random_state=seed),
        }
    else:
        models = {
            "skmgm": MultiGranularityRegressor(levels, cv=cv, n_jobs=n_jobs),
            "sklearn StackingRegressor": StackingRegressor(
                stack_estimators, cv=cv, n_jobs=n_jobs
            ),
        }
        mlxtend = _mlxtend_model(stack_estimators, classifier, seed, n_jobs)
        single = {
            "RandomForest": RandomForestRegressor(n_estimators, random_state=seed),
            "HistGradientBoosting": HistGradientBoostingRegressor(random_state=seed),
        }
    if mlxtend is not None:
        models[mlxtend[0]] = mlxtend[1]
    for name, estimator in stack_estimators:
        models[f"level {name} alone"] = estimator
    models.update(single)
    return models


def _mlxtend_model(stack_estimators, classifier, seed, n_jobs):
    try:
        from mlxtend.classifier import StackingCVClassifier
        from mlxtend.regressor import StackingCVRegressor
    except ImportError:
        return None
    estimators = [clone(est) for _, est in stack_estimators]
    if classifier:
        return "mlxtend StackingCVClassifier", StackingCVClassifier(
            estimators,
            LogisticRegression(),
            cv=5,
            use_probas=True,
            random_state=seed,
            n_jobs=n_jobs,
        )
    return "mlxtend StackingCVRegressor", StackingCVRegressor(
        estimators, RidgeCV(), cv=5, random_state=seed, n_jobs=n_jobs
    )


# ---------------------------------------------------------------- measurement
def _peak_fit_memory_mb(model, X, y):
    """Peak Python allocations of a one-process fit (tracemalloc; numpy's
    buffers included, joblib worker processes not), in MiB."""
    model = clone(model)
    if "n_jobs" in model.get_params(deep=False):
        model.set_params(n_jobs=1)
    tracemalloc.start()
    try:
        model.fit(X, y)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure_model(model, X_train, y_train, X_test, y_test, with_memory):
    model = clone(model)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    score = model.score(X_test, y_test)
    predict_s = time.perf_counter() - start
    row = {"score": float(score), "fit_s": fit_s, "predict_s": predict_s}
    if with_memory:
        row["peak_fit_mib_tracemalloc"] = _peak_fit_memory_mb(model, X_train, y_train)
    return row


def measure_or_record_error(model_name, model, data, with_memory):
    """A peer that cannot fit the data (e.g. 2-D y) gets an error row; skmgm
    raising is a bug and stops the run."""
    try:
        return measure_model(model, *data, with_memory=with_memory)
    except Exception as exc:
        if model_name == "skmgm":
            raise
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}


def bench_tabular(quick: bool, n_jobs: int) -> list:
    seeds = [0] if quick else list(range(5))
    n_estimators = 30 if quick else 100
    start_workers(n_jobs)
    rows = []
    for name, (loader, _) in DATASETS.items():
        X, y = loader(return_X_y=True)
        classifier = DATASETS[name][1] != "regression"
        for seed in seeds:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, random_state=seed, stratify=y if classifier else None
            )
            levels = levels_for(name, classifier, n_estimators, seed)
            models = peer_models(levels, classifier, seed, n_jobs, n_estimators)
            for model_name, model in models.items():
                row = measure_or_record_error(
                    model_name, model, (X_train, y_train, X_test, y_test), seed == 0
                )
                row.update(
                    benchmark="tabular",
                    dataset=name,
                    model=model_name,
                    seed=seed,
                    metric="accuracy" if classifier else "r2",
                )
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def bench_diabetes_published_split(quick: bool, n_jobs: int) -> list:
    """The user guide's split, for a like-for-like row beside its 0.53."""
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)
    levels = table_levels(False, 30 if quick else 100, 0)
    rows = []
    for model_name in ("skmgm", "sklearn StackingRegressor"):
        model = peer_models(levels, False, 0, n_jobs, 30)[model_name]
        row = measure_model(model, X_train, y_train, X_test, y_test, False)
        row.update(
            benchmark="tabular",
            dataset="diabetes (random_state=42 split)",
            model=model_name,
            seed=0,
            metric="r2",
        )
        rows.append(row)
    rows.append(
        {
            "benchmark": "tabular",
            "dataset": "diabetes (random_state=42 split)",
            "model": "scikit-learn user guide stacking example (published)",
            "metric": "r2",
            "score": DIABETES_STACKING_PUBLISHED_R2,
            "published": True,
        }
    )
    return rows


def bench_scaling(quick: bool) -> list:
    """Fit time against n_jobs, for skmgm and StackingClassifier on digits."""
    X, y = load_digits(return_X_y=True)
    cores = os.cpu_count() or 1
    settings = sorted({1, cores}) if quick else list(range(1, cores + 1))
    settings.append(-1)
    n_estimators = 30 if quick else 100
    rows = []
    for model_name in ("skmgm", "sklearn StackingClassifier"):
        for n_jobs in settings:
            levels = image_levels(n_estimators, 0)
            model = peer_models(levels, True, 0, n_jobs, n_estimators)[model_name]
            model.fit(X, y)  # warm-up: starts the worker pool
            start = time.perf_counter()
            model.fit(X, y)
            rows.append(
                {
                    "benchmark": "scaling",
                    "dataset": "digits",
                    "model": model_name,
                    "n_jobs": n_jobs,
                    "fit_s": time.perf_counter() - start,
                    "cores": cores,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    for model_name in ("skmgm", "sklearn StackingClassifier"):
        own = [r for r in rows if r["model"] == model_name]
        one_core = next(r["fit_s"] for r in own if r["n_jobs"] == 1)
        for row in own:
            workers = cores if row["n_jobs"] == -1 else row["n_jobs"]
            row["speedup"] = one_core / row["fit_s"]
            # Against the ideal: the one-core time spread evenly on the workers.
            row["efficiency"] = (one_core / workers) / row["fit_s"]
    return rows


def bench_fit_ratio(quick: bool) -> list:
    import bench_fit

    result = bench_fit.measure(
        repeats=2 if quick else 9, n_jobs=2, n_estimators=30 if quick else 100
    )
    return [{"benchmark": "fit_ratio", **result}]


def bench_ucr(quick: bool) -> list:
    import bench_ucr

    datasets = ["ItalyPowerDemand"] if quick else list(bench_ucr.DATASETS)
    result = bench_ucr.run(datasets, seeds=1 if quick else 5)
    rows = [{"benchmark": "ucr", "metric": "accuracy", **r} for r in result["rows"]]
    for label, figures in result["published"].items():
        for dataset in datasets:
            rows.append(
                {
                    "benchmark": "ucr",
                    "dataset": dataset,
                    "model": f"{label} (published)",
                    "metric": "accuracy",
                    "score": figures[dataset],
                    "published": True,
                    "source": figures["source"],
                }
            )
    for row in rows:
        row.setdefault("score", row.pop("accuracy", None))
    return rows


def bench_digits_scan(quick: bool) -> list:
    import bench_digits

    result = bench_digits.run(seeds=5)
    rows = [
        {"benchmark": "digits_scan", "metric": "accuracy", **r} for r in result["rows"]
    ]
    for row in rows:
        row["score"] = row.pop("accuracy")
    for label, score in result["published"].items():
        rows.append(
            {
                "benchmark": "digits_scan",
                "dataset": "digits (random_state=1 split)",
                "model": f"{label} (published)",
                "metric": "accuracy",
                "score": score,
                "published": True,
                "source": "deep-forest README",
            }
        )
    return rows


def bench_early_exit(quick: bool, n_jobs: int) -> list:
    import bench_cost

    return bench_cost.early_exit(quick, n_jobs)


def bench_refit(quick: bool, n_jobs: int) -> list:
    import bench_cost

    return bench_cost.refit(quick, n_jobs)


BENCHMARKS = {
    "tabular": lambda quick, n_jobs: (
        bench_tabular(quick, n_jobs) + bench_diabetes_published_split(quick, n_jobs)
    ),
    "fit_ratio": lambda quick, n_jobs: bench_fit_ratio(quick),
    "scaling": lambda quick, n_jobs: bench_scaling(quick),
    "ucr": lambda quick, n_jobs: bench_ucr(quick),
    "digits_scan": lambda quick, n_jobs: bench_digits_scan(quick),
    "early_exit": bench_early_exit,
    "refit": bench_refit,
}
SLOW = {"digits_scan"}


# -------------------------------------------------------------------- reports
def versions() -> dict:
    found = {
        "python": platform.python_version(),
        "skmgm": skmgm.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
    }
    for package in ("mlxtend", "sktime", "matplotlib"):
        try:
            found[package] = __import__(package).__version__
        except ImportError:
            found[package] = "not installed"
    found["deep-forest"] = "not installable here (no build for this Python)"
    return found


def tabular_table(rows: list) -> str:
    lines = [
        "| dataset | model | score (mean ± sd) | fit (s) | predict (s) | "
        "peak fit MiB (tracemalloc) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    tab = [r for r in rows if r["benchmark"] == "tabular"]
    for dataset in dict.fromkeys(r["dataset"] for r in tab):
        for model in dict.fromkeys(r["model"] for r in tab if r["dataset"] == dataset):
            runs = [r for r in tab if r["dataset"] == dataset and r["model"] == model]
            scores = [r.get("score") for r in runs]
            if runs[0].get("published"):
                lines.append(
                    f"| {dataset} | {model} | {scores[0]:.3f} (*published*) | | | |"
                )
                continue
            if "error" in runs[0]:
                lines.append(
                    f"| {dataset} | {model} | raises {runs[0]['error']} | | | |"
                )
                continue
            memory = [
                r["peak_fit_mib_tracemalloc"]
                for r in runs
                if "peak_fit_mib_tracemalloc" in r
            ]
            memory_cell = f"{memory[0]:.1f}" if memory else ""
            lines.append(
                f"| {dataset} | {model} | {statistics.mean(scores):.3f} ± "
                f"{statistics.pstdev(scores):.3f} | "
                f"{statistics.median(r['fit_s'] for r in runs):.2f} | "
                f"{statistics.median(r['predict_s'] for r in runs):.3f} | "
                f"{memory_cell} |"
            )
    return "\n".join(lines)


def headline_table(rows: list) -> str:
    """skmgm against StackingClassifier and the best single model, per dataset."""
    lines = [
        "| dataset | skmgm | StackingClassifier/Regressor | best single model |",
        "| --- | --- | --- | --- |",
    ]
    tab = [r for r in rows if r["benchmark"] == "tabular" and not r.get("published")]
    for dataset in dict.fromkeys(r["dataset"] for r in tab):

        def runs_of(model, dataset=dataset):
            return [r for r in tab if r["dataset"] == dataset and r["model"] == model]

        def cell(model):
            runs = runs_of(model)
            if "error" in runs[0]:
                return f"raises {runs[0]['error'].split(':')[0]}"
            score = statistics.mean(r["score"] for r in runs)
            return f"{score:.3f} in {statistics.median(r['fit_s'] for r in runs):.2f} s"

        models = dict.fromkeys(r["model"] for r in tab if r["dataset"] == dataset)
        peer = next(m for m in models if m.startswith("sklearn Stacking"))
        singles = [m for m in models if m in ("RandomForest", "HistGradientBoosting")]
        singles += [m for m in models if m.startswith("level ")]
        singles = [m for m in singles if "error" not in runs_of(m)[0]]
        if not singles:  # the published-split row has only the two stacks
            continue
        best = max(
            singles, key=lambda m: statistics.mean(r["score"] for r in runs_of(m))
        )
        lines.append(
            f"| {dataset} | {cell('skmgm')} | {cell(peer)} | {best}: {cell(best)} |"
        )
    return "\n".join(lines)


def scores_table(rows: list, benchmark: str) -> str:
    """Mean ± sd score and median fit time per dataset and model."""
    lines = [
        "| dataset | model | score (mean ± sd) | seeds | fit (s) |",
        "| --- | --- | --- | --- | --- |",
    ]
    chosen = [r for r in rows if r["benchmark"] == benchmark]
    for dataset in dict.fromkeys(r["dataset"] for r in chosen):
        here = [r for r in chosen if r["dataset"] == dataset]
        for model in dict.fromkeys(r["model"] for r in here):
            runs = [r for r in here if r["model"] == model]
            scores = [r["score"] for r in runs]
            if runs[0].get("published"):
                lines.append(
                    f"| {dataset} | {model} | {scores[0]:.3f} (*published*: "
                    f"{runs[0]['source']}) | | |"
                )
                continue
            lines.append(
                f"| {dataset} | {model} | {statistics.mean(scores):.4f} ± "
                f"{statistics.pstdev(scores):.4f} | {len(runs)} | "
                f"{statistics.median(r['fit_s'] for r in runs):.1f} |"
            )
    return "\n".join(lines)


def scaling_table(rows: list) -> str:
    lines = [
        "| model | n_jobs | fit (s) | speed-up | efficiency |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in (r for r in rows if r["benchmark"] == "scaling"):
        lines.append(
            f"| {r['model']} | {r['n_jobs']} | {r['fit_s']:.2f} | "
            f"{r['speedup']:.2f} | {r['efficiency']:.2f} |"
        )
    return "\n".join(lines)


def plot(rows: list, out: Path) -> list:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    tab = [
        r
        for r in rows
        if r["benchmark"] == "tabular" and not r.get("published") and "error" not in r
    ]
    datasets = list(dict.fromkeys(r["dataset"] for r in tab))
    if datasets:
        fig, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 4))
        for ax, dataset in zip(np.atleast_1d(axes), datasets):
            for model in dict.fromkeys(
                r["model"] for r in tab if r["dataset"] == dataset
            ):
                runs = [
                    r for r in tab if r["dataset"] == dataset and r["model"] == model
                ]
                ax.scatter(
                    statistics.median(r["fit_s"] for r in runs),
                    statistics.mean(r["score"] for r in runs),
                    label=model,
                    marker="*" if model == "skmgm" else "o",
                    s=160 if model == "skmgm" else 40,
                )
            ax.set(title=dataset, xlabel="fit time (s)", ylabel=runs[0]["metric"])
            ax.legend(fontsize=6, loc="lower right")
        fig.tight_layout()
        fig.savefig(out / "accuracy_vs_fit_time.png", dpi=90)
        plt.close(fig)
        written.append("accuracy_vs_fit_time.png")
    scaling = [r for r in rows if r["benchmark"] == "scaling" and r["n_jobs"] != -1]
    if scaling:
        fig, ax = plt.subplots(figsize=(5, 4))
        for model in dict.fromkeys(r["model"] for r in scaling):
            own = [r for r in scaling if r["model"] == model]
            ax.plot(
                [r["n_jobs"] for r in own],
                [r["speedup"] for r in own],
                "o-",
                label=model,
            )
        top = max(r["n_jobs"] for r in scaling)
        ax.plot([1, top], [1, top], "k--", label="ideal")
        ax.set(xlabel="n_jobs", ylabel="speed-up over n_jobs=1", title="digits fit")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "parallel_scaling.png", dpi=90)
        plt.close(fig)
        written.append("parallel_scaling.png")
    return written


def write_reports(result: dict, out: Path) -> None:
    rows = result["rows"]
    sections = [
        "# Benchmark results\n",
        "Written by `python benchmarks/run.py"
        + (" --quick" if result["quick"] else "")
        + "`; do not edit by hand. "
        f"Machine: {result['machine']['cores']} cores, {result['machine']['cpu']}. "
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in result["versions"].items())
        + ".\n",
    ]
    if any(r["benchmark"] == "tabular" for r in rows):
        sections += [
            "linnerud has three outputs (2-D y); a model that cannot fit it shows "
            "the error it raises.\n",
            "## Headline: skmgm, scikit-learn's stacking, the best single model\n",
            headline_table(rows) + "\n",
            "## Every model (same splits and seeds)\n",
            "Peak memory: Python allocations of a one-process fit measured by "
            "tracemalloc (numpy buffers included, joblib workers not), seed 0.\n",
            tabular_table(rows) + "\n",
        ]
    if any(r["benchmark"] == "scaling" for r in rows):
        sections += [
            "## Parallel scaling (digits, fit)\n",
            "Efficiency is the one-core time spread evenly over the workers, "
            "divided by the measured time. scikit-learn's stacking nests "
            "`Parallel` calls, so on many cores it may use more processes "
            "than `n_jobs` says.\n",
            scaling_table(rows) + "\n",
        ]
    titles = {
        "ucr": "UCR series bundled with sktime (official splits)",
        "digits_scan": "Digits, deep-forest's split",
    }
    for benchmark, title in titles.items():
        if any(r["benchmark"] == benchmark for r in rows):
            sections += [f"## {title}\n", scores_table(rows, benchmark) + "\n"]
    if any(r["benchmark"] in ("early_exit", "refit") for r in rows):
        import bench_cost

        sections += [
            "## Early exit: predict time of the cascade against the full stack\n",
            bench_cost.early_exit_table(rows) + "\n",
            "## refit=False against refit=True: fit time and score\n",
            bench_cost.refit_table(rows) + "\n",
        ]
    ratio = next((r for r in rows if r["benchmark"] == "fit_ratio"), None)
    if ratio:
        sections += [
            "## Fit-time ratio skmgm / StackingClassifier (digits, same levels)\n",
            f"Median of {ratio['repeats']} alternating repeats at "
            f"n_jobs={ratio['n_jobs']}: **{ratio['median_ratio']:.2f}** "
            f"({ratio['median_fit_s']['skmgm']:.2f} s against "
            f"{ratio['median_fit_s']['StackingClassifier']:.2f} s).\n",
        ]
    for image in result.get("plots", []):
        sections.append(f"![{image}]({image})\n")
    (out / "README.md").write_text("\n".join(sections))


def update_project_readme(rows: list) -> None:
    """The tables of the project's README that come from these results."""
    import bench_cost

    benchmarks = {row["benchmark"] for row in rows}
    if "tabular" in benchmarks:
        replace_readme_block("headline", headline_table(rows))
    if "early_exit" in benchmarks:
        replace_readme_block("early_exit", bench_cost.early_exit_table(rows))
    if "refit" in benchmarks:
        replace_readme_block("refit", bench_cost.refit_table(rows))


def merged_with_earlier_run(result: dict, path: Path) -> dict:
    """Keep the rows of the benchmarks this run did not repeat."""
    if not path.exists():
        return result
    earlier = json.loads(path.read_text())
    if earlier["quick"] != result["quick"]:
        return result
    kept = [r for r in earlier["rows"] if r["benchmark"] not in result["benchmarks"]]
    return {
        **result,
        "benchmarks": [*dict.fromkeys(earlier["benchmarks"] + result["benchmarks"])],
        "rows": kept + result["rows"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", choices=list(BENCHMARKS))
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="folder for the results"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the tables and plots from OUT/results.json, run nothing",
    )
    args = parser.parse_args()
    if args.report_only:
        result = json.loads((args.out / "results.json").read_text())
        result["plots"] = plot(result["rows"], args.out)
        write_reports(result, args.out)
        if not result["quick"] and args.out == RESULTS:
            update_project_readme(result["rows"])
        return
    names = args.only or [n for n in BENCHMARKS if not (args.quick and n in SLOW)]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        rows += BENCHMARKS[name](args.quick, args.n_jobs)
    result = {
        "quick": args.quick,
        "benchmarks": names,
        "machine": machine(),
        "versions": versions(),
        "rows": rows,
    }
    if args.only:
        result = merged_with_earlier_run(result, args.out / "results.json")
    result["plots"] = plot(result["rows"], args.out)
    (args.out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    write_reports(result, args.out)
    if not args.quick and args.out == RESULTS:
        update_project_readme(result["rows"])


if __name__ == "__main__":
    main()
