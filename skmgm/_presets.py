"""Presets: documented levels for the common kinds of data, cheapest first."""

from __future__ import annotations

import numpy as np
from sklearn import get_config
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor
from sklearn.linear_model import RidgeClassifierCV, RidgeCV
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
from sklearn.svm import SVC, SVR

from skmgm._docstrings import Substitution
from skmgm.granularity import (
    CompetingKernels,
    Derivative,
    DilatedKernels,
    IntervalQuantiles,
    Pool2D,
    ShiftAugmented,
    SparseScaler,
    Spectrum,
)
from skmgm.granularity._options import check_options
from skmgm.linear_model import LeaveOneOutRidge, LeaveOneOutRidgeClassifier

_KINDS = ("classifier", "regressor")


def binned_view() -> KBinsDiscretizer:
    """The default levels' coarse view: eight equal-width bins, one-hot.

    Sparse, unless ``set_config(transform_output=...)`` asks for frames:
    those cannot hold sparse data, and scikit-learn's one-hot encoding then
    refuses to transform, whatever the discretizer's own output setting.
    """
    dense = get_config()["transform_output"] != "default"
    return KBinsDiscretizer(
        n_bins=8, strategy="uniform", encode="onehot-dense" if dense else "onehot"
    )


def _check_kind(kind):
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r} must be one of {list(_KINDS)}.")


def interval_representations() -> FeatureUnion:
    """QUANT's view: interval quantiles of the series, its first and second
    differences and its spectrum, side by side."""
    return FeatureUnion(
        [
            ("series", IntervalQuantiles()),
            ("slope", make_pipeline(Derivative(), IntervalQuantiles())),
            ("curvature", make_pipeline(Derivative(order=2), IntervalQuantiles())),
            ("spectrum", make_pipeline(Spectrum(), IntervalQuantiles())),
        ]
    )


def competing_representations(random_state=None, dtype=None) -> FeatureUnion:
    """Hydra's view: competing kernels on the series and on its first
    difference, their columns side by side.

    The two parts are computed one after the other (``n_jobs=1``), each
    splitting its rows among the threads a level fitted alone is lent (the
    first stage of a staged fit): with one part per thread instead, the
    view took 1.22 times as long on two cores
    (``benchmarks/bench_transforms.py``).
    """

    def competing():
        return CompetingKernels(random_state=random_state, dtype=dtype)

    return FeatureUnion(
        [("series", competing()), ("slope", make_pipeline(Derivative(), competing()))],
        n_jobs=1,
    )


def _forest(kind, n_estimators, random_state, oob_score):
    forest = ExtraTreesClassifier if kind == "classifier" else ExtraTreesRegressor
    criterion = {"criterion": "entropy"} if kind == "classifier" else {}
    return forest(
        n_estimators=n_estimators,
        max_features=0.1,
        bootstrap=oob_score,
        oob_score=oob_score,
        random_state=random_state,
        **criterion,
    )


def _ridge_level(kind, steps, scaler, leave_one_out) -> tuple:
    """A ridge level on the view ``steps`` make, its features scaled by
    ``scaler``: ``(granularity, estimator)``.

    With ``leave_one_out`` the ridge model keeps its leave-one-out
    predictions, so that the level is fitted once, and the scaler, which
    learns no labels, joins the view, computed once; otherwise the scaler
    and a ridge model fitted per fold make the estimator.
    """
    alphas = np.logspace(-3, 3, 10)
    if leave_one_out:
        ridge = (
            LeaveOneOutRidgeClassifier(alphas)
            if kind == "classifier"
            else LeaveOneOutRidge(alphas)
        )
        return make_pipeline(*steps, scaler), ridge
    ridge = RidgeClassifierCV(alphas) if kind == "classifier" else RidgeCV(alphas)
    view = steps[0] if len(steps) == 1 else make_pipeline(*steps)
    return view, make_pipeline(scaler, ridge)


def _chosen(available: dict, granularities, preset: str) -> list:
    """The levels named in ``granularities``, in the preset's order."""
    names = check_options(preset, "granularities", granularities, available)
    return [(name, *available[name]()) for name in available if name in names]


@Substitution()
def make_series_levels(
    random_state=None,
    *,
    granularities=("competing_kernels", "kernels", "slope_kernels", "intervals"),
    kind: str = "classifier",
    n_estimators: int = 100,
    n_features: int = 10_000,
    pooling=("ppv",),
    oob_score: bool = True,
    leave_one_out: bool = True,
    dtype=np.float32,
) -> list:
    """Levels for equal-length univariate series (one series per row).

    The granularities, about cheapest to fit first (so that early exit and
    staged fitting spare the dearest):

    - ``"competing_kernels"``: Hydra's groups of random dilated kernels
      competing at each time point, on the series and on its first
      difference (:class:`~skmgm.granularity.CompetingKernels`), learnt by a
      ridge model on :class:`~skmgm.granularity.SparseScaler`'s scaled
      counts;
    - ``"kernels"``: MiniRocket's dilated convolutions of the series, one
      time scale per dilation (:class:`~skmgm.granularity.DilatedKernels`),
      scaled, learnt by a ridge model with its penalty chosen by
      leave-one-out;
    - ``"slope_kernels"``: the same on the series' first difference;
    - ``"intervals"``: the quantiles of every interval of a dyadic pyramid
      of the series, of its first and second differences and of its
      spectrum (:class:`~skmgm.granularity.IntervalQuantiles`, as QUANT),
      learnt by extremely randomised trees (``max_features=0.1``, entropy).

    Use the default levels with ``final_estimator="vote"``: all four
    granularities, the kernels pooled as the proportion of positive values
    (PPV, 10,000 features, as MiniRocket) and computed in float32, the ridge
    models keeping their leave-one-out decision values and the interval
    forest on bootstrap samples with out-of-bag estimates (so that every
    level is fitted once, not per fold), under the accuracy-weighted vote,
    were the configuration the project's rule chose by cross-validation on
    the training splits of 16 UCR data sets (``benchmarks/bench_presets.py``,
    the finalists on a second seed in ``bench_preset_seeds.py``): the most
    accurate plain fit on the mean of two cross-validation seeds, and the
    cheapest within 0.002 of the most accurate finalist (the same levels
    under early exit with a staged fit, above it by less than 0.002 and
    dearer when fitted alternately with it). The same levels with the
    forest and the ridge models fitted per fold and the kernels in float64
    were 0.0001 below it for two to three times the fold fit; with the ridge
    models per fold, 0.0015 below it; the three levels without
    ``"competing_kernels"`` were 0.0017 below it or more; the logistic stack
    and the kernels alone were less accurate.
    Every view learns nothing from the labels (the ridge levels' scalers
    included), so a multi-granularity estimator computes each once per fit
    (``fit_once="label_free"``), not per fold. The regressor's levels take
    the same defaults; they were not chosen by a regression benchmark.
    Each ridge level decomposes a square matrix as wide as the fewer of its
    training rows and its features (up to 10,000), as MiniRocket's ridge
    does: beyond a few thousand training rows, the fit time grows with the
    cube of the rows (``benchmarks/bench_ucr_large.py``).

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Seeds the kernels' biases and weights, and the trees.
    granularities : tuple of str, \
            default=("competing_kernels", "kernels", "slope_kernels", "intervals")
        Which of them to use; the levels keep the order above.
    kind : {{"classifier", "regressor"}}, default="classifier"
        The levels' estimators: classifiers for
        :class:`~skmgm.MultiGranularityClassifier`, regressors for
        :class:`~skmgm.MultiGranularityRegressor`.
    n_estimators : int, default=100
        Trees of the interval level. QUANT uses 200; 100 were as accurate by
        the same cross-validation (with the kernels pooled by PPV alone; 50
        were not), for less fit time.
    n_features : int, default=10_000
        Features of each kernel level, per pooling.
    pooling : tuple of str, default=("ppv",)
        The kernel levels' poolings (see
        :class:`~skmgm.granularity.DilatedKernels`); by default MiniRocket's
        one, the first of MultiRocket's four.
    oob_score : bool, default=True
        Whether the interval level's trees each draw a bootstrap sample and
        the forest computes out-of-bag estimates
        (``bootstrap=True, oob_score=True``): a multi-granularity estimator
        then fits that level once and stacks its out-of-bag estimates
        instead of fitting it per fold (its ``out_of_bag="auto"``).
    leave_one_out : bool, default=True
        Whether the ridge levels' models keep their leave-one-out decision
        values (:class:`~skmgm.linear_model.LeaveOneOutRidgeClassifier`,
        :class:`~skmgm.linear_model.LeaveOneOutRidge`): a multi-granularity
        estimator then fits each once and stacks them instead of fitting it
        per fold, and the level's scaler joins its view, computed once.
        ``False``: scikit-learn's ``RidgeClassifierCV`` (``RidgeCV``) behind
        the scaler, fitted per fold.
    dtype : {{np.float32, np.float64}} or None, default=np.float32
        The float type the kernel views compute in (see
        :class:`~skmgm.granularity.DilatedKernels`); ``None``: the input's.
        float32, as MiniRocket and Hydra compute, was as accurate by the
        same cross-validation as the input's float64, for less fit time.

    Returns
    -------
    {levels_returned}

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm import MultiGranularityClassifier, make_series_levels
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 64))
    >>> y = np.repeat([0, 1], 30)
    >>> X[y == 1, 20:30] += 2.0  # a bump that class 1 has
    >>> levels = make_series_levels(
    ...     random_state=0, granularities=("intervals", "kernels"),
    ...     n_estimators=50, n_features=840)
    >>> [name for name, _, _ in levels]
    ['kernels', 'intervals']
    >>> clf = MultiGranularityClassifier(levels, cv=3).fit(X, y)
    >>> clf.score(X, y)
    1.0
    """
    _check_kind(kind)

    def kernels():
        return DilatedKernels(
            n_features=n_features,
            pooling=pooling,
            random_state=random_state,
            dtype=dtype,
        )

    def ridge_level(*steps, scaler=None):
        return _ridge_level(
            kind, steps, scaler or StandardScaler(with_mean=False), leave_one_out
        )

    available = {
        "competing_kernels": lambda: ridge_level(
            competing_representations(random_state, dtype), scaler=SparseScaler()
        ),
        "kernels": lambda: ridge_level(kernels()),
        "slope_kernels": lambda: ridge_level(Derivative(), kernels()),
        "intervals": lambda: (
            interval_representations(),
            _forest(kind, n_estimators, random_state, oob_score),
        ),
    }
    return _chosen(available, granularities, "make_series_levels")


@Substitution()
def make_image_levels(
    image_shape,
    random_state=None,
    *,
    granularities=("shifted_pixels",),
    kind: str = "classifier",
    n_estimators: int = 300,
    n_features: int = 10_000,
    C: float | None = None,
) -> list:
    """Levels for small images, one flattened image per row.

    The granularities, cheapest to fit first (so that early exit and staged
    fitting spare the dearest):

    - ``"pixels"``: the raw pixels, learnt by an RBF support vector machine
      with penalty ``C``;
    - ``"shifted_pixels"``: the same support vector machine fitted on the
      images and on their copies moved one pixel up, down, left and right
      (:class:`~skmgm.granularity.ShiftAugmented`): the image at
      neighbouring positions, so that a digit moved by a pixel is the same
      digit; five times the rows to fit on;
    - ``"blocks"``: 2x2 block means and maxima
      (:class:`~skmgm.granularity.Pool2D`), learnt by extremely randomised
      trees;
    - ``"competing_kernels"``: Hydra's 64 groups of random dilated kernels
      competing along the image read row by row
      (:class:`~skmgm.granularity.CompetingKernels`), learnt by a ridge
      model on :class:`~skmgm.granularity.SparseScaler`'s scaled counts;
    - ``"kernels"``: MiniRocket's dilated convolutions of the image read row
      by row (:class:`~skmgm.granularity.DilatedKernels`): small dilations
      see neighbouring pixels, larger ones pixels rows apart; learnt by a
      ridge model with its penalty chosen by cross-validation.

    Use the default with ``final_estimator="vote"``: the one level
    ``"shifted_pixels"`` (``C=10``) under the vote was the configuration the
    project's rule chose by cross-validation on the training split of
    scikit-learn's digits (``benchmarks/bench_presets.py``, the finalists on
    a second seed in ``bench_preset_seeds.py``): the cheapest within 0.002
    of the most accurate. The plain pixels before it, or Hydra's kernels
    after it, were as accurate (within 0.002) for more fit time; every
    candidate without the shifted copies was less accurate, whatever its
    other levels; the logistic stack on the one level was less accurate than
    the vote (which, with one level, is that level's answer), and staged
    fitting of the pixels and the shifted pixels (with the defaults of
    ``staged_fit_settled`` and ``staged_fit_settled_ratio``) cost about a
    quarter of the fit but lost more than 0.002. With
    one level, early exit and staged fitting have no level to spare:
    ``granularities=("pixels", "shifted_pixels")`` gives them one (the plain
    pixels settle the easy images). No view learns from
    the labels, so each is computed once per fit.

    Parameters
    ----------
    image_shape : tuple of (int, int)
        Height and width of the images; one may be -1.
    random_state : int, RandomState instance or None, default=None
        Seeds the kernels' biases and weights, and the trees.
    granularities : tuple of str, default=("shifted_pixels",)
        Which of ``"pixels"``, ``"shifted_pixels"``, ``"blocks"``,
        ``"competing_kernels"``, ``"kernels"`` to use; the levels keep the
        order above.
    kind : {{"classifier", "regressor"}}, default="classifier"
        The levels' estimators: classifiers or regressors.
    n_estimators : int, default=300
        Trees of the block level.
    n_features : int, default=10_000
        Features of the kernel level.
    C : float or None, default=None
        Penalty of the pixel levels' support vector machines. ``None``: 10
        for classifiers (:class:`~sklearn.svm.SVC`, chosen as above), and
        :class:`~sklearn.svm.SVR`'s own default, 1, for regressors (no image
        regression data was there to choose it on).

    Returns
    -------
    {levels_returned}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmgm import MultiGranularityClassifier, make_image_levels
    >>> X, y = load_digits(return_X_y=True)
    >>> levels = make_image_levels((8, 8), random_state=0)
    >>> [name for name, _, _ in levels]
    ['shifted_pixels']
    >>> clf = MultiGranularityClassifier(levels, final_estimator="vote", cv=3)
    >>> clf.fit(X[::2], y[::2]).score(X[1::2], y[1::2]) > 0.98
    True
    """
    _check_kind(kind)
    classifier = kind == "classifier"
    if C is None:
        C = 10.0 if classifier else 1.0
    forest = ExtraTreesClassifier if classifier else ExtraTreesRegressor

    def svm():
        return SVC(C=C) if classifier else SVR(C=C)

    available = {
        "pixels": lambda: ("passthrough", svm()),
        "shifted_pixels": lambda: (
            "passthrough",
            ShiftAugmented(svm(), image_shape=image_shape),
        ),
        "blocks": lambda: (
            Pool2D(image_shape, 2, stats=("mean", "max")),
            forest(n_estimators, random_state=random_state),
        ),
        # Ridge models fitted per fold, as they were chosen by.
        "competing_kernels": lambda: _ridge_level(
            kind,
            [CompetingKernels(n_groups=64, random_state=random_state)],
            SparseScaler(),
            leave_one_out=False,
        ),
        "kernels": lambda: _ridge_level(
            kind,
            [DilatedKernels(n_features=n_features, random_state=random_state)],
            StandardScaler(with_mean=False),
            leave_one_out=False,
        ),
    }
    return _chosen(available, granularities, "make_image_levels")
