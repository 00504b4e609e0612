"""``python -m skmgm demo``: multi-granularity stacking on scikit-learn's digits.

The digits are 8x8 images. The coarse level sees 2x2 images (4x4 blocks
averaged), the medium level 4x4 images (2x2 blocks), the fine level the raw
pixels. The demo prints each level's out-of-fold accuracy, the stack's test
accuracy and fit time, and the same for scikit-learn's ``StackingClassifier``
on the same levels (each expressed as a ``Pipeline``) with the same folds;
then the same for the package's preset for small images,
``make_image_levels((8, 8))``.
"""

from __future__ import annotations

import argparse
import time

from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier, StackingClassifier
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.utils.parallel import Parallel, delayed

from skmgm import MultiGranularityClassifier, __version__, make_image_levels
from skmgm.granularity import Pool2D

PRESET = "skmgm image preset"


def digits_levels(n_estimators: int = 100) -> list:
    """The demo's levels: 4x4-pooled, 2x2-pooled and raw digits, a forest each."""

    def forest():
        return RandomForestClassifier(n_estimators=n_estimators, random_state=0)

    return [
        ("coarse", Pool2D((8, 8), window=4, stats=("mean", "max")), forest()),
        ("medium", Pool2D((8, 8), window=2), forest()),
        ("fine", "passthrough", forest()),
    ]


def as_stacking_estimators(levels: list) -> list:
    """The same levels as ``StackingClassifier`` estimators (Pipelines)."""
    return [
        (name, clone(est) if gran == "passthrough" else make_pipeline(gran, est))
        for name, gran, est in levels
    ]


def _start_workers(n_jobs):
    """Start joblib's worker pool, so that neither timed fit pays for it."""
    Parallel(n_jobs=n_jobs)(delayed(abs)(i) for i in range(2 * max(n_jobs, 1)))


def _timed_fit(model, X, y):
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def demo(n_jobs: int = 2, n_estimators: int = 100, cv: int = 5) -> dict:
    """Fit skmgm and scikit-learn's stacking on digits and print a report.

    Returns the figures it prints, for tests and scripts.
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    folds = StratifiedKFold(cv, shuffle=True, random_state=0)
    levels = digits_levels(n_estimators)
    models = {
        "skmgm": MultiGranularityClassifier(levels, cv=folds, n_jobs=n_jobs),
        "StackingClassifier": StackingClassifier(
            as_stacking_estimators(levels), cv=folds, n_jobs=n_jobs
        ),
        PRESET: MultiGranularityClassifier(
            make_image_levels((8, 8), random_state=0),
            final_estimator="vote",
            cv=folds,
            n_jobs=n_jobs,
        ),
    }
    _start_workers(n_jobs)
    report = {}
    for name, model in models.items():
        seconds = _timed_fit(model, X_train, y_train)
        report[name] = {"accuracy": model.score(X_test, y_test), "fit_s": seconds}
    report["level_scores"] = models["skmgm"].level_scores_
    _print_report(report, n_jobs, cv, len(X_train), len(X_test))
    return report


def _print_report(report, n_jobs, cv, n_train, n_test):
    print(
        f"digits: {n_train} train / {n_test} test images, {cv}-fold stacking, "
        f"n_jobs={n_jobs}\n"
    )
    print("level    out-of-fold accuracy")
    for name, score in report["level_scores"].items():
        print(f"{name:<8} {score:.4f}")
    print(f"\n{'model':<21} test accuracy   fit time (s)")
    for model in ("skmgm", "StackingClassifier", PRESET):
        figures = report[model]
        print(f"{model:<21} {figures['accuracy']:.4f}          {figures['fit_s']:.2f}")
    ratio = report["skmgm"]["fit_s"] / report["StackingClassifier"]["fit_s"]
    print(f"\nfit-time ratio skmgm / StackingClassifier: {ratio:.2f} (one fit each;")
    print(
        "python benchmarks/run.py --only fit_ratio gives the median over "
        "alternating repeats)"
    )
    print(
        f'\n{PRESET}: make_image_levels((8, 8)) with final_estimator="vote", '
        "an RBF SVM\nfitted on the images and on their copies moved one pixel "
        "each way (see the README)."
    )


def _integer(minimum: int | None = None):
    """An argparse ``type``: an integer (of at least ``minimum``), so that a
    bad value is refused, naming its option, before any fit starts."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"got {value}, needs {minimum} or more")
        return value

    return parse


def _n_jobs(text: str) -> int:
    """joblib's ``n_jobs``: any integer but 0."""
    value = _integer()(text)
    if value == 0:
        raise argparse.ArgumentTypeError("got 0; give a number of workers, or -1")
    return value


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m skmgm")
    parser.add_argument("--version", action="version", version=f"skmgm {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo",
        help="stack granularities on digits",
        description=__doc__.split("\n\n")[1].replace("``", ""),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    demo_parser.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=2,
        help="joblib workers for every model (-1: all cores)",
    )
    demo_parser.add_argument(
        "--n-estimators",
        type=_integer(1),
        default=100,
        help="trees of each level's random forest",
    )
    demo_parser.add_argument(
        "--cv", type=_integer(2), default=5, help="folds of the stacking"
    )
    args = parser.parse_args(argv)
    demo(n_jobs=args.n_jobs, n_estimators=args.n_estimators, cv=args.cv)


if __name__ == "__main__":
    main()
