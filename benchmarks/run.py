"""Every benchmark of skmgm against its peers, in one run.

    python benchmarks/run.py [--quick] [--only NAME ...] [--out DIR]

Each benchmark is a module of this folder with a ``run(quick, n_jobs)`` that
returns rows and a ``table(rows)`` that renders them (see ``BENCHMARKS``);
shared data sets and levels are in ``_cases.py``, timers in ``_measure.py``,
table helpers in ``_report.py``. A run writes ``OUT/results.json`` (every row,
with library versions and machine), ``OUT/README.md`` (the tables) and PNG
plots, and, for a full run into the committed results folder, rewrites the
README's marked tables, so that no figure there is typed by hand.

``--only NAME`` reruns those benchmarks and keeps the other benchmarks' rows
already in ``OUT/results.json``. ``--quick`` runs one seed, small forests and
the smallest cases, skips the slow benchmarks and writes to
``benchmarks/results/quick/`` unless ``--out`` says otherwise: CI runs it to
check that the benchmarks work, never to check a timing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import bench_digits
import bench_early_exit
import bench_exit_margin
import bench_fit
import bench_fit_once
import bench_image_views
import bench_out_of_bag
import bench_plan_views
import bench_predict_rows
import bench_preset_seeds
import bench_presets
import bench_refit
import bench_scaling
import bench_settled
import bench_stack_cost
import bench_staged
import bench_staged_sets
import bench_tabular
import bench_transforms
import bench_ucr
import bench_ucr_large
import bench_ucr_unseen
from _headline import BENCHMARKS as HEADLINE_BENCHMARKS
from _headline import headline
from _report import QUICK_RESULTS, RESULTS, machine, replace_readme_block, versions

BENCHMARKS = {
    module.NAME: module
    for module in (
        bench_tabular,
        bench_fit,
        bench_scaling,
        bench_ucr,
        bench_ucr_unseen,
        bench_ucr_large,
        bench_digits,
        bench_early_exit,
        bench_exit_margin,
        bench_refit,
        bench_out_of_bag,
        bench_staged,
        bench_staged_sets,
        bench_settled,
        bench_presets,
        bench_preset_seeds,
        bench_image_views,
        bench_fit_once,
        bench_plan_views,
        bench_predict_rows,
        bench_transforms,
        bench_stack_cost,
    )
}


def write_reports(result: dict, out: Path) -> None:
    """``OUT/README.md``: each benchmark's table, then the plots."""
    rows = result["rows"]
    sections = [
        "# Benchmark results\n",
        f"Written by `python benchmarks/run.py{' --quick' if result['quick'] else ''}`"
        f"; do not edit by hand. Machine: {result['machine']['cores']} cores, "
        f"{result['machine']['cpu']}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in result["versions"].items())
        + ".\n",
    ]
    for name, module in BENCHMARKS.items():
        if any(row["benchmark"] == name for row in rows):
            note = [module.NOTE + "\n"] if module.NOTE else []
            sections += [f"## {module.TITLE}\n", *note, module.table(rows) + "\n"]
            if hasattr(module, "details"):
                sections.append(module.details(rows) + "\n")
    sections += [f"![{image}]({image})\n" for image in result.get("plots", [])]
    (out / "README.md").write_text("\n".join(sections))


def plot(rows: list, out: Path) -> list:
    """Each benchmark's plots, where it has some and matplotlib is installed."""
    try:
        import matplotlib
    except ImportError:
        return []
    matplotlib.use("Agg")
    return [
        image
        for module in BENCHMARKS.values()
        if hasattr(module, "plot")
        for image in module.plot(rows, out)
    ]


def update_project_readme(rows: list) -> None:
    """The README's tables that come from these results."""
    if any(row["benchmark"] in HEADLINE_BENCHMARKS for row in rows):
        replace_readme_block("headline", headline(rows))
    for name, module in BENCHMARKS.items():
        if any(row["benchmark"] == name for row in rows):
            for block, render in module.README_BLOCKS.items():
                replace_readme_block(block, render(rows))


def merged_with_earlier_run(result: dict, path: Path) -> dict:
    """Keep the rows of the benchmarks this run did not repeat."""
    if not path.exists():
        return result
    earlier = json.loads(path.read_text())
    if earlier["quick"] != result["quick"]:
        return result
    kept = [r for r in earlier["rows"] if r["benchmark"] not in result["benchmarks"]]
    names = [*dict.fromkeys(earlier["benchmarks"] + result["benchmarks"])]
    return {**result, "benchmarks": names, "rows": kept + result["rows"]}


def publish(result: dict, out: Path) -> None:
    result["plots"] = plot(result["rows"], out)
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    write_reports(result, out)
    if not result["quick"] and out == RESULTS:
        update_project_readme(result["rows"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", choices=list(BENCHMARKS))
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--out", type=Path, help="folder for the results")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the tables and plots from OUT/results.json, run nothing",
    )
    args = parser.parse_args()
    out = args.out or (QUICK_RESULTS if args.quick else RESULTS)
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        publish(json.loads((out / "results.json").read_text()), out)
        return
    names = args.only or [
        name for name, module in BENCHMARKS.items() if not (args.quick and module.SLOW)
    ]
    rows = []
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        rows += BENCHMARKS[name].run(args.quick, args.n_jobs)
    result = {"quick": args.quick, "benchmarks": names, "machine": machine()}
    result |= {"versions": versions(), "rows": rows}
    if args.only:
        result = merged_with_earlier_run(result, out / "results.json")
    publish(result, out)


if __name__ == "__main__":
    main()
