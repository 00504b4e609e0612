import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression


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
