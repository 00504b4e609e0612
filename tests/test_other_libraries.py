"""Other libraries' transformers as granularities: the README's aeon recipe.

aeon is not a dependency of skmgm; it is in the ``benchmarks`` extra, which
CI installs, so this runs there and wherever aeon is installed.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import RidgeClassifierCV

from skmgm import MultiGranularityClassifier
from skmgm.granularity import IntervalQuantiles

convolution_based = pytest.importorskip(
    "aeon.transformations.collection.convolution_based"
)


@pytest.fixture
def bumpy_series():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 64))
    y = np.repeat([0, 1], 30)
    X[y == 1, 20:30] += 1.5
    return X, y


def test_aeon_minirocket_as_a_granularity_fitted_once(bumpy_series):
    X, y = bumpy_series
    clf = MultiGranularityClassifier(
        [
            ("intervals", IntervalQuantiles(), RidgeClassifierCV()),
            (
                "aeon_minirocket",
                convolution_based.MiniRocket(n_kernels=840, random_state=0),
                RidgeClassifierCV(),
            ),
        ],
        cv=3,
        fit_once=["aeon_minirocket"],  # it uses no labels: one fit, one view
    ).fit(X, y)
    assert clf.score(X, y) > 0.9
    fitted = clf.named_levels_.aeon_minirocket.granularity
    assert isinstance(fitted, convolution_based.MiniRocket)
    assert clf.level_view_widths_[1] == fitted.transform(X[:2]).shape[1]
    params = clone(clf).get_params()
    assert params["aeon_minirocket__granularity__n_kernels"] == 840
