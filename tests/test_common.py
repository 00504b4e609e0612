"""scikit-learn's estimator checks: the contract of every public estimator."""

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import (
    CompetingKernels,
    Derivative,
    DilatedKernels,
    FeatureGroups,
    IntervalQuantiles,
    MultiGrainedScanner,
    Pool1D,
    Pool2D,
    ShiftAugmented,
    SparseScaler,
    Spectrum,
)
from skmgm.linear_model import LeaveOneOutRidge, LeaveOneOutRidgeClassifier


class _RowMeans:
    """A picklable function whose repr is the same in every process.

    pytest-xdist needs every worker to collect the same test ids, and a plain
    function's repr holds its memory address.
    """

    def __call__(self, X):
        # X.sum works on arrays and sparse input alike, as the tags promise.
        return np.asarray(X.sum(axis=1)).reshape(-1, 1) / X.shape[1]

    def __repr__(self):
        return "row_means"


def _pooled_and_raw(estimator):
    return [
        ("pooled", FunctionTransformer(_RowMeans()), estimator),
        ("raw", "passthrough", estimator),
    ]


ESTIMATORS = [
    MultiGranularityClassifier(),
    MultiGranularityRegressor(),
    # A stateless pooled view beside a passthrough level.
    MultiGranularityClassifier(
        levels=_pooled_and_raw(DecisionTreeClassifier(max_depth=3, random_state=0)),
        cv=3,
    ),
    MultiGranularityRegressor(
        levels=_pooled_and_raw(DecisionTreeRegressor(max_depth=3, random_state=0)),
        cv=3,
    ),
    # A stateful granularity, a dropped level and passthrough to the meta-learner.
    MultiGranularityClassifier(
        levels=[
            ("scaled", StandardScaler(), LogisticRegression()),
            ("dropped", "passthrough", "drop"),
            (
                "forest",
                "passthrough",
                RandomForestClassifier(n_estimators=10, random_state=0),
            ),
        ],
        passthrough=True,
        stack_method="predict_proba",
    ),
    MultiGranularityRegressor(
        levels=[
            ("scaled", StandardScaler(), Ridge()),
            ("dropped", "passthrough", "drop"),
            (
                "forest",
                "passthrough",
                RandomForestRegressor(n_estimators=10, random_state=0),
            ),
        ],
        passthrough=True,
    ),
    # Early exit at predict time, calibrated at fit time.
    MultiGranularityClassifier(
        levels=_pooled_and_raw(DecisionTreeClassifier(max_depth=3, random_state=0)),
        cv=3,
        early_exit="auto",
    ),
    # The accuracy-weighted vote as meta-learner, with early exit before it.
    MultiGranularityClassifier(
        levels=_pooled_and_raw(LogisticRegression()),
        final_estimator="vote",
        cv=3,
        early_exit="auto",
    ),
    # Trained coarse to fine: the raw level fitted on the rows left open,
    # alone and with half the settled rows.
    *(
        MultiGranularityClassifier(
            levels=_pooled_and_raw(DecisionTreeClassifier(max_depth=3, random_state=0)),
            cv=3,
            early_exit="auto",
            early_exit_tolerance=0.05,
            staged_fit=True,
            staged_fit_settled=settled,
        )
        for settled in (0.0, 0.5)
    ),
    # A forest's out-of-bag estimates instead of its fold fits.
    MultiGranularityClassifier(
        levels=_pooled_and_raw(
            RandomForestClassifier(n_estimators=30, oob_score=True, random_state=0)
        ),
        cv=3,
    ),
    MultiGranularityRegressor(
        levels=_pooled_and_raw(
            RandomForestRegressor(n_estimators=30, oob_score=True, random_state=0)
        ),
        cv=3,
    ),
    # Ridge models' leave-one-out predictions instead of their fold fits.
    MultiGranularityClassifier(
        levels=_pooled_and_raw(LeaveOneOutRidgeClassifier()), cv=3, early_exit="auto"
    ),
    MultiGranularityRegressor(levels=_pooled_and_raw(LeaveOneOutRidge()), cv=3),
    # Fold models averaged instead of a refit.
    MultiGranularityRegressor(
        levels=_pooled_and_raw(DecisionTreeRegressor(max_depth=3, random_state=0)),
        cv=3,
        refit=False,
    ),
    # Levels and meta-learner that take multilabel y: the multi_label tag is
    # derived from them, so the checks add their multilabel checks.
    MultiGranularityClassifier(
        levels=_pooled_and_raw(KNeighborsClassifier(n_neighbors=3)),
        final_estimator=KNeighborsClassifier(n_neighbors=3),
        cv=3,
    ),
    Pool1D(window=2, stats=("mean", "std", "min", "max", "slope")),
    Pool1D(window=2, stride=1),
    Pool2D(image_shape=(1, -1), window=(1, 2), stats=("mean", "max")),
    # fit_transform is out-of-fold by design (like TargetEncoder's), so the
    # check that it equals fit().transform() holds only where out-of-fold and
    # in-sample class vectors agree: on the checks' well-separated blobs, an
    # inner tree with pure leaves. The default inner forest gives one blob
    # outlier an out-of-fold vector 0.05 away from its in-sample one.
    MultiGrainedScanner(DecisionTreeClassifier(), window=1, random_state=0),
    MultiGrainedScanner(
        DecisionTreeClassifier(max_depth=3), window=0.5, normalize=False, n_segments=0
    ),
    FeatureGroups({"first": [0], "last": [-1]}, agg=("mean", "max")),
    Derivative(),
    Spectrum(),
    IntervalQuantiles(),
    CompetingKernels(n_groups=2, n_kernels_per_group=3, random_state=0),
    SparseScaler(),
    # A classifier and a regressor inside, trained on rows shifted sideways.
    ShiftAugmented(DecisionTreeClassifier(random_state=0), image_shape=(1, -1)),
    ShiftAugmented(DecisionTreeRegressor(random_state=0), image_shape=(1, -1)),
    DilatedKernels(
        n_features=168, pooling=("ppv", "mpv", "mipv", "lspv"), random_state=0
    ),
    # Computing in float32 whatever the input's float type.
    DilatedKernels(n_features=168, random_state=0, dtype=np.float32),
    CompetingKernels(n_groups=2, n_kernels_per_group=3, dtype=np.float32),
    LeaveOneOutRidgeClassifier(),
    LeaveOneOutRidge(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
