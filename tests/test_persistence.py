"""Fitted models survive pickle, joblib and skops with identical predictions."""

import pickle

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import FeatureGroups, MultiGrainedScanner, Pool2D


@pytest.fixture(scope="module")
def fitted(digits_small):
    X, y = digits_small
    model = MultiGranularityClassifier(
        [
            ("coarse", Pool2D((8, 8), 4), LogisticRegression(max_iter=2000)),
            (
                "scan",
                MultiGrainedScanner(
                    window=3, image_shape=(8, 8), max_instances=3000, random_state=0
                ),
                RandomForestClassifier(10, random_state=0),
            ),
            ("rows", FeatureGroups({"top": list(range(32))}), "drop"),
        ],
        cv=3,
    )
    return model.fit(X, y), X


def test_pickle_and_joblib_round_trips(fitted, tmp_path):
    model, X = fitted
    expected = model.predict_proba(X)
    assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X), expected)
    joblib.dump(model, tmp_path / "model.joblib")
    assert_array_equal(
        joblib.load(tmp_path / "model.joblib").predict_proba(X), expected
    )


# The README's recipe trusts these modules' types, and no others.
TRUSTED = ("skmgm.", "sklearn.", "numpy.")


def _skops_recipe(model, X, path):
    """The README's skops recipe; the loaded model predicts as ``model``."""
    sio = pytest.importorskip("skops.io")
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted, "skmgm's own types must be reviewed before loading"
    assert all(name.startswith(TRUSTED) for name in untrusted), untrusted
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.predict(X), model.predict(X))
    return loaded


def test_skops_trusts_only_skmgm_scikit_learn_and_numpy_types(fitted, tmp_path):
    model, X = fitted
    loaded = _skops_recipe(model, X, tmp_path / "model.skops")
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_equal(loaded.level_scores_, model.level_scores_)


@pytest.mark.parametrize(
    "model",
    [
        MultiGranularityClassifier(cv=3),
        MultiGranularityRegressor(cv=3),
        MultiGranularityClassifier(final_estimator="vote", cv=3),
    ],
    ids=["classifier", "regressor", "vote"],
)
def test_skops_recipe_on_the_defaults(model, tmp_path):
    X, y = load_iris(return_X_y=True)
    _skops_recipe(model.fit(X, y), X, tmp_path / "model.skops")
