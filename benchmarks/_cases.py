"""Shared by the benchmarks: the data sets, the levels and the published figures."""

from __future__ import annotations

import csv

import numpy as np
from _report import ROOT
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_linnerud,
    load_wine,
)
from sklearn.ensemble import (
    ExtraTreesClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, KBinsDiscretizer
from sklearn.svm import SVC

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor, make_levels
from skmgm.granularity import MultiGrainedScanner, Pool1D, Pool2D

# ------------------------------------------------------------- tabular data
TABULAR = {
    "digits": (load_digits, "image"),
    "breast_cancer": (load_breast_cancer, "table"),
    "wine": (load_wine, "table"),
    "diabetes": (load_diabetes, "regression"),
    "linnerud": (load_linnerud, "regression"),  # three outputs
}


def is_classification(dataset: str) -> bool:
    return TABULAR[dataset][1] != "regression"


def image_levels(n_estimators: int, seed: int) -> list:
    """digits: 4x4-pooled, 2x2-pooled and raw images, a forest each."""
    return make_levels(
        RandomForestClassifier(n_estimators, random_state=seed),
        [Pool2D((8, 8), 4, stats=("mean", "max")), Pool2D((8, 8), 2), "passthrough"],
        names=["coarse", "medium", "fine"],
    )


def table_levels(classifier: bool, n_estimators: int, seed: int) -> list:
    """Any numeric table: binned values with a linear model, raw with a forest."""
    if classifier:
        # One-hot bins need no scaling (and come sparse, which a scaler refuses).
        linear = LogisticRegression(max_iter=1000)
        forest = RandomForestClassifier(n_estimators, random_state=seed)
    else:
        linear = RidgeCV()
        forest = RandomForestRegressor(n_estimators, random_state=seed)
    return [
        ("binned", KBinsDiscretizer(n_bins=8, strategy="uniform"), linear),
        ("raw", "passthrough", forest),
    ]


def tabular_levels(dataset: str, n_estimators: int, seed: int) -> list:
    if TABULAR[dataset][1] == "image":
        return image_levels(n_estimators, seed)
    return table_levels(is_classification(dataset), n_estimators, seed)


def as_pipelines(levels: list) -> list:
    """The same levels as scikit-learn stacking estimators (Pipelines)."""
    return [
        (name, clone(est) if isinstance(gran, str) else make_pipeline(gran, est))
        for name, gran, est in levels
    ]


def stack(classifier: bool, levels: list, seed: int, n_jobs: int):
    """skmgm on ``levels`` with 5 shuffled folds seeded by ``seed``."""
    if classifier:
        cv = StratifiedKFold(5, shuffle=True, random_state=seed)
        return MultiGranularityClassifier(levels, cv=cv, n_jobs=n_jobs)
    cv = KFold(5, shuffle=True, random_state=seed)
    return MultiGranularityRegressor(levels, cv=cv, n_jobs=n_jobs)


# ---------------------------------------------------------------- digits
DIGITS_SPLIT = "digits (random_state=1 split)"
DEEP_FOREST_PUBLISHED = 0.98667  # deep-forest README, digits, random_state=1


def digits_split():
    """deep-forest's split: ``train_test_split(random_state=1)``."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    return X_train, y_train, X_test, y_test


def digits_scan_levels(seed: int = 0) -> list:
    """gcForest-style scans with 3x3 and 5x5 patches, 2x2 block means and
    maxima, an ``ExtraTreesClassifier(300)`` each, and a calibrated RBF
    ``SVC`` on the raw pixels."""

    def scan(patch):
        return MultiGrainedScanner(
            window=patch, stride=1, image_shape=(8, 8), normalize=False,
            random_state=seed,
        )  # fmt: skip

    forest = ExtraTreesClassifier(n_estimators=300, random_state=seed)
    views = [scan(3), scan(5), Pool2D((8, 8), 2, stats=("mean", "max"))]
    levels = make_levels(forest, views, names=["scan3", "scan5", "pool2"])
    # What SVC(probability=True) did, before scikit-learn 1.9 deprecated it.
    svc = CalibratedClassifierCV(SVC(gamma=0.001), ensemble=False)
    return [*levels, ("raw", "passthrough", svc)]


def digits_cascade_levels(seed: int = 0) -> list:
    """Cheap first: 2x2-pooled logistic regression, then the raw-pixel SVC,
    then the forests of :func:`digits_scan_levels` (pooled, then the 3x3 and
    5x5 scans, the most expensive to predict)."""
    scan3, scan5, pool2, raw = digits_scan_levels(seed)
    pooled_linear = (
        "pool2_linear",
        Pool2D((8, 8), 2, stats=("mean", "max")),
        LogisticRegression(max_iter=5000),
    )
    return [pooled_linear, raw, pool2, scan3, scan5]


# ------------------------------------------------------------ UCR series
UCR_BUNDLED = ("GunPoint", "ItalyPowerDemand", "ArrowHead", "OSULeaf")
UCR_PUBLISHED_CSV = ROOT.parent / "shared" / "data" / "ucr-published-accuracies.csv"
# The reference rows: method names in the shared CSV.
UCR_REFERENCE_METHODS = {
    "1-NN DTW": "1NN-DTW learned w (UCR)",
    "random forest": "RandF (bakeoff2017)",
    "ROCKET": "ROCKET (redux2023, resample0)",
}


def load_ucr(name: str):
    """Official train and test split of one UCR dataset bundled with sktime."""
    from sktime import datasets

    loader = {
        "GunPoint": datasets.load_gunpoint,
        "ItalyPowerDemand": datasets.load_italy_power_demand,
        "ArrowHead": datasets.load_arrow_head,
        "OSULeaf": datasets.load_osuleaf,
    }[name]
    X_train, y_train = loader(split="train", return_type="numpy2d")
    X_test, y_test = loader(split="test", return_type="numpy2d")
    return X_train.astype(float), y_train, X_test.astype(float), y_test


def published_ucr_figures() -> dict:
    """Reference accuracies by method and dataset, with their sources."""
    if not UCR_PUBLISHED_CSV.exists():
        return {}
    with UCR_PUBLISHED_CSV.open() as handle:
        rows = list(csv.DictReader(handle))
    figures = {}
    for label, method in UCR_REFERENCE_METHODS.items():
        matching = [r for r in rows if r["method"] == method]
        figures[label] = {r["dataset"]: float(r["accuracy"]) for r in matching}
        figures[label]["source"] = f"{method}: {matching[0]['source']}"
    return figures


def first_difference(X):
    """The series' first difference: its local slope, free of its level."""
    return np.diff(X, axis=1)


def ucr_levels(seed: int = 0) -> list:
    """Six levels, an ``ExtraTreesClassifier(200)`` each: the raw series;
    piecewise mean, standard deviation and slope over windows of 8; and
    multi-grained scans at 10% and 25% of the series length, on the series
    and on its first difference."""

    def scan(window, derivative=False):
        scanner = MultiGrainedScanner(
            window=window, max_instances=5000, random_state=seed
        )
        if derivative:
            return make_pipeline(FunctionTransformer(first_difference), scanner)
        return scanner

    views = [
        "passthrough",
        Pool1D(window=8, stats=("mean", "std", "slope")),
        scan(0.10),
        scan(0.25),
        scan(0.10, derivative=True),
        scan(0.25, derivative=True),
    ]
    names = ["raw", "stats", "scan10", "scan25", "dscan10", "dscan25"]
    forest = ExtraTreesClassifier(n_estimators=200, random_state=seed)
    return make_levels(forest, views, names=names)
