"""What early exit and fold-model bagging save, measured against the full stack.

- ``early_exit``: one configuration per dataset whose first level is much
  cheaper than the last, fitted with ``early_exit="auto"``. Predict time of
  the cascade (``predict``) against the full stack (``final_estimator_`` on
  ``transform``: every level for every sample) on the same fitted model,
  measured alternately, median of repeats; test accuracy of both; the share
  of test samples that exit at each level. Datasets: digits with deep-forest's
  split, and the UCR series ItalyPowerDemand and GunPoint (official splits).
- ``refit``: fit time and test score with ``refit=False`` (each level keeps
  and averages its fold models) against ``refit=True``, alternately, on the
  tabular benchmark datasets and ItalyPowerDemand.

    python benchmarks/bench_cost.py [--quick] [--save]

``--save`` writes ``benchmarks/results/cost.json`` and ``cost.md`` and the
README's ``early_exit`` and ``refit`` tables. ``--quick`` (one seed, fewer
repeats, ItalyPowerDemand only for early exit, the tabular sets only for
refit) checks that the script runs. ``run.py`` runs both too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from _report import machine, replace_readme_block, start_workers
from bench_digits import digits_scan_levels
from bench_ucr import load_ucr, ucr_levels
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import Pool2D

RESULTS = Path(__file__).resolve().parent / "results"


def digits_cascade_levels(seed: int = 0) -> list:
    """Cheap first: 2x2-pooled logistic regression, then the raw-pixel SVC,
    then the forests of :func:`bench_digits.digits_scan_levels` (pooled, then
    the 3x3 and 5x5 scans, the most expensive to predict)."""
    scan3, scan5, pool2, raw = digits_scan_levels(seed)
    pooled_linear = (
        "pool2_linear",
        Pool2D((8, 8), 2, stats=("mean", "max")),
        LogisticRegression(max_iter=5000),
    )
    return [pooled_linear, raw, pool2, scan3, scan5]


def _digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    return "digits (random_state=1 split)", X_train, y_train, X_test, y_test


def _cascade_cases(quick: bool):
    """(data, levels, early_exit_tolerance) of each early-exit case.

    The UCR training sets are small (67 and 50 series): one sample is worth
    1.5 and 2 points, more than the default budget of 0.5, so at the default
    no level may take samples without out-of-fold gains. They run at the
    default and at a 2-point budget.
    """
    if quick:  # the digits configuration alone fits in about a minute
        yield (("ItalyPowerDemand", *load_ucr("ItalyPowerDemand")), ucr_levels, 0.02)
        return
    yield _digits(), digits_cascade_levels, 0.005
    for name in ["ItalyPowerDemand", "GunPoint"]:
        for tolerance in (0.005, 0.02):
            yield (name, *load_ucr(name)), ucr_levels, tolerance


def full_stack_predict(model, X):
    """Every level for every sample: what ``early_exit=None`` predicts."""
    return model.classes_[model.final_estimator_.predict(model.transform(X))]


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def early_exit(quick: bool, n_jobs: int = -1) -> list:
    seeds = 1 if quick else 3
    repeats = 3 if quick else 7
    start_workers(n_jobs)
    rows = []
    for data, make_levels, tolerance in _cascade_cases(quick):
        name, X_train, y_train, X_test, y_test = data
        for seed in range(seeds):
            model = MultiGranularityClassifier(
                make_levels(seed),
                cv=StratifiedKFold(5, shuffle=True, random_state=seed),
                early_exit="auto",
                early_exit_tolerance=tolerance,
                n_jobs=n_jobs,
            ).fit(X_train, y_train)
            times = {"cascade": [], "full": []}
            for _ in range(repeats):
                cascade, seconds = _timed(model.predict, X_test)
                times["cascade"].append(seconds)
                full, seconds = _timed(full_stack_predict, model, X_test)
                times["full"].append(seconds)
            exits = model.exit_levels(X_test)
            names = [level for level, _, _ in model.levels_] + ["final_estimator"]
            rows.append(
                {
                    "benchmark": "early_exit",
                    "dataset": name,
                    "seed": seed,
                    "early_exit_tolerance": tolerance,
                    "n_train": len(y_train),
                    "accuracy_cascade": float(np.mean(cascade == y_test)),
                    "accuracy_full": float(np.mean(full == y_test)),
                    "predict_s_cascade": statistics.median(times["cascade"]),
                    "predict_s_full": statistics.median(times["full"]),
                    "predict_ratio": statistics.median(
                        c / f for c, f in zip(times["cascade"], times["full"])
                    ),
                    "repeats": repeats,
                    "test_exit_shares": {n: float(np.mean(exits == n)) for n in names},
                    "thresholds": model.early_exit_thresholds_,
                    "oof_scores": model.early_exit_scores_,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _refit_cases(quick: bool):
    import run

    n_estimators = 30 if quick else 100
    for name, (loader, _) in run.DATASETS.items():
        X, y = loader(return_X_y=True)
        classifier = run.DATASETS[name][1] != "regression"
        yield (
            name,
            X,
            y,
            classifier,
            (
                lambda seed, name=name, classifier=classifier: run.levels_for(
                    name, classifier, n_estimators, seed
                )
            ),
        )
    if quick:
        return
    X_train, y_train, X_test, y_test = load_ucr("ItalyPowerDemand")
    yield (
        "ItalyPowerDemand",
        np.vstack([X_train, X_test]),
        np.concatenate([y_train, y_test]),
        True,
        ucr_levels,
    )


def _stack_for(classifier, levels, seed, n_jobs):
    if classifier:
        cv = StratifiedKFold(5, shuffle=True, random_state=seed)
        return MultiGranularityClassifier(levels, cv=cv, n_jobs=n_jobs)
    cv = KFold(5, shuffle=True, random_state=seed)
    return MultiGranularityRegressor(levels, cv=cv, n_jobs=n_jobs)


def refit(quick: bool, n_jobs: int = -1) -> list:
    seeds = [0] if quick else list(range(5))
    start_workers(n_jobs)
    rows = []
    for name, X, y, classifier, make_levels in _refit_cases(quick):
        for seed in seeds:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, random_state=seed, stratify=y if classifier else None
            )
            base = _stack_for(classifier, make_levels(seed), seed, n_jobs)
            row = {"benchmark": "refit", "dataset": name, "seed": seed}
            # Alternate which one goes first, so neither always runs warm.
            order = [True, False] if seed % 2 == 0 else [False, True]
            for refit_levels in order:
                model = clone(base).set_params(refit=refit_levels)
                _, fit_s = _timed(model.fit, X_train, y_train)
                score, predict_s = _timed(model.score, X_test, y_test)
                key = "refit" if refit_levels else "bagged"
                row |= {
                    f"fit_s_{key}": fit_s,
                    f"predict_s_{key}": predict_s,
                    f"score_{key}": float(score),
                }
            row["fit_ratio"] = row["fit_s_bagged"] / row["fit_s_refit"]
            rows.append(row)
            print(json.dumps(rows[-1]), flush=True)
    return rows


def early_exit_table(rows: list) -> str:
    lines = [
        "| dataset (training rows) | tolerance | seeds | accuracy full stack | "
        "accuracy early exit | predict time ratio (median) | "
        "test share exiting per level |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    chosen = [r for r in rows if r["benchmark"] == "early_exit"]
    cases = dict.fromkeys(
        (r["dataset"], r.get("early_exit_tolerance", 0.005)) for r in chosen
    )
    for dataset, tolerance in cases:
        runs = [
            r
            for r in chosen
            if r["dataset"] == dataset
            and r.get("early_exit_tolerance", 0.005) == tolerance
        ]
        shares = {
            level: statistics.mean(r["test_exit_shares"][level] for r in runs)
            for level in runs[0]["test_exit_shares"]
        }
        share_cell = ", ".join(f"{k} {v:.0%}" for k, v in shares.items() if v)
        lines.append(
            f"| {dataset} ({runs[0].get('n_train', '')}) | {tolerance} | "
            f"{len(runs)} | "
            f"{statistics.mean(r['accuracy_full'] for r in runs):.4f} | "
            f"{statistics.mean(r['accuracy_cascade'] for r in runs):.4f} | "
            f"**{statistics.median(r['predict_ratio'] for r in runs):.2f}** "
            f"({statistics.median(r['predict_s_cascade'] for r in runs):.2f} s vs "
            f"{statistics.median(r['predict_s_full'] for r in runs):.2f} s) | "
            f"{share_cell} |"
        )
    return "\n".join(lines)


def refit_table(rows: list) -> str:
    lines = [
        "| dataset | seeds | score refit=True | score refit=False | "
        "fit time ratio False/True (median) | predict s True / False |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    chosen = [r for r in rows if r["benchmark"] == "refit"]
    for dataset in dict.fromkeys(r["dataset"] for r in chosen):
        runs = [r for r in chosen if r["dataset"] == dataset]

        def mean(key, runs=runs):
            return statistics.mean(r[key] for r in runs)

        def median(key, runs=runs):
            return statistics.median(r[key] for r in runs)

        lines.append(
            f"| {dataset} | {len(runs)} | {mean('score_refit'):.4f} | "
            f"{mean('score_bagged'):.4f} | **{median('fit_ratio'):.2f}** "
            f"({median('fit_s_bagged'):.2f} s vs {median('fit_s_refit'):.2f} s) | "
            f"{median('predict_s_refit'):.3f} / {median('predict_s_bagged'):.3f} |"
        )
    return "\n".join(lines)


def _kept_rows(rerun: list) -> list:
    """The saved rows of the benchmarks this run does not repeat."""
    saved = RESULTS / "cost.json"
    if not saved.exists():
        return []
    rows = json.loads(saved.read_text())["rows"]
    return [row for row in rows if row["benchmark"] not in rerun]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=["early_exit", "refit"])
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    rows = []
    if "early_exit" in args.only:
        rows += early_exit(args.quick)
    if "refit" in args.only:
        rows += refit(args.quick)
    if args.save:
        rows = _kept_rows(args.only) + rows
    tables = {"early_exit": early_exit_table(rows), "refit": refit_table(rows)}
    for table in tables.values():
        print(table)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        result = {"quick": args.quick, "machine": machine(), "rows": rows}
        (RESULTS / "cost.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS / "cost.md").write_text(
            "# Early exit and fold-model bagging\n\n"
            "Written by `python benchmarks/bench_cost.py --save`.\n\n"
            + "\n\n".join(tables.values())
            + "\n"
        )
        for name, table in tables.items():
            replace_readme_block(name, table)


if __name__ == "__main__":
    main()
