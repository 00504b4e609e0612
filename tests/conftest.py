"""Fixtures and settings shared by the test files."""

import os

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression
from threadpoolctl import threadpool_limits

from skmgm.granularity import Pool1D


def pytest_configure(config):
    """One native thread per pytest-xdist worker.

    Each worker is a process of its own: with OpenMP (HistGradientBoosting)
    and BLAS using every core in every worker, two workers on two cores spin
    against each other and the suite runs many times slower. Child processes
    (joblib's loky workers, Dask workers) inherit the variables.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, "1")
        config._skmgm_thread_limits = threadpool_limits(1)


@pytest.fixture(scope="session")
def binary_data():
    return make_classification(
        n_samples=150, n_features=12, n_informative=5, random_state=0
    )


@pytest.fixture(scope="session")
def multiclass_data():
    return make_classification(
        n_samples=180,
        n_features=16,
        n_informative=6,
        n_classes=3,
        random_state=1,
    )


@pytest.fixture(scope="session")
def regression_data():
    return make_regression(n_samples=150, n_features=10, noise=5.0, random_state=0)


@pytest.fixture(scope="session")
def digits_small():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def pooled_and_raw():
    """Two levels: a ``Pool1D(window=4)`` view and the raw features.

    ``pooled_and_raw(coarse, fine, names=("coarse", "fine"))`` gives
    ``[(names[0], Pool1D(window=4), coarse), (names[1], "passthrough", fine)]``,
    the smallest multi-granularity configuration, which many tests share.
    """

    def make(coarse, fine, *, names=("coarse", "fine")):
        return [(names[0], Pool1D(window=4), coarse), (names[1], "passthrough", fine)]

    return make
