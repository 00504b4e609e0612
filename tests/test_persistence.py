"""Fitted models survive pickle, joblib and skops with identical predictions."""

import pickle

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from skmgm import MultiGranularityClassifier
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


def test_skops_trusts_only_skmgm_and_scikit_learn_types(fitted, tmp_path):
    sio = pytest.importorskip("skops.io")
    model, X = fitted
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted, "skmgm's own types must be reviewed before loading"
    assert all(name.startswith(("skmgm.", "sklearn.")) for name in untrusted)
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_equal(loaded.level_scores_, model.level_scores_)
