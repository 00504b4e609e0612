"""One template for the numpydoc text the classifier and the regressor share.

As imbalanced-learn's ``Substitution``: a docstring holds ``{name}`` fields
(literal braces doubled), filled from :data:`SHARED` when the class or
function is defined, so each shared paragraph is written once.
"""

from __future__ import annotations


class Substitution:
    """Fill the ``{name}`` fields of a docstring.

    Parameters
    ----------
    **params : str
        Text for each field, merged over :data:`SHARED`.
    """

    def __init__(self, **params: str):
        self.params = {**SHARED, **params}

    def __call__(self, obj):
        obj.__doc__ = obj.__doc__.format(**self.params)
        return obj


_INTRO = """Each level is a ``(name, granularity, estimator)`` triple: the
    granularity (a scikit-learn transformer, or ``"passthrough"``) makes a
    coarse or fine view of ``X``, and the estimator learns from that view.
    The levels' out-of-fold predictions, made on the same folds for every
    level, train the ``final_estimator``. Every (level, fold) fit and every
    refit is one task of a single joblib ``Parallel`` call."""

_LEVELS = """The granularity levels, coarse first. A stateless granularity
        (``requires_fit=False`` tag, e.g. ``FunctionTransformer`` or
        ``Pool1D``) computes its view once per fit and shares it between the
        folds; a stateful one is fitted inside every fold."""

_FOLDS = """The folds must partition the samples,
        and are drawn once per fit for every level."""

_FITTED_LEVELS_LIST = """The levels whose estimator is not ``"drop"``, refitted on all
        rows (with ``refit=False``, each level's fold models)."""

_PASSTHROUGH = """passthrough : bool, default=False
        Also hand the raw features to the meta-learner, as numbers beside the
        levels' outputs: a DataFrame's text columns are refused at ``fit``."""

_REFIT = """refit : bool, default=True
        After the out-of-fold fits, refit every level on all rows (as
        scikit-learn's stacking does). ``False`` skips the refits: each level
        keeps its fold models and predicts with their average (labels by
        vote), as a :class:`~skmgm._predictions.FoldBag` in ``levels_``. That
        is ``k`` fits per level instead of ``k + 1``, at ``k`` times the
        predict cost of a level."""

_FIT_ONCE = """fit_once : "label_free", list of str or None, default="label_free"
        Which stateful granularities are fitted once, on all training rows,
        with their view computed once and shared by every fold (as a
        stateless view's is), instead of being fitted inside every fold.
        ``"label_free"``: those known to learn nothing from ``y``: skmgm's
        views that declare it (``DilatedKernels``, ``CompetingKernels``,
        ``SparseScaler``), scikit-learn's ``StandardScaler``,
        ``MinMaxScaler``, ``MaxAbsScaler`` and ``RobustScaler``, and
        Pipelines or FeatureUnions of such steps. A list of level names:
        those levels (e.g. a ``PCA``); they are fitted
        without ``y``, so one that needs labels raises. ``None``: every
        stateful granularity is fitted per fold. The trade: the held-out
        rows' features, never their labels, shape the view of a level fitted
        once (a scaler's mean, a kernel's biases), for a view computed once
        instead of once per fold."""

_OUT_OF_BAG = """out_of_bag : "auto", list of str or None, default="auto"
        Which levels take their out-of-fold predictions from their
        estimator's own held-out estimates instead of from fold fits: such a
        level is fitted once, on all rows. A forest or bagging ensemble with
        ``oob_score=True`` (which needs ``bootstrap=True``) estimates each row
        from the members whose bootstrap sample left it out
        (``oob_decision_function_``, ``oob_prediction_``); a
        :mod:`skmgm.linear_model` ridge model keeps each row's leave-one-out
        prediction (``loo_decision_function_``, ``loo_prediction_``).
        ``"auto"``: every level whose estimator makes them, whose view is
        computed once (``"passthrough"``, stateless, or fitted once by
        ``fit_once``: a view fitted on all rows may not see labels) and which
        stacks what they estimate (a forest's probabilities, a ridge
        classifier's decision values, a regressor's predictions), unless
        ``groups`` are routed to the splitter. A list of level names: those
        levels; one that cannot raises. ``None``: every level is fitted per
        fold. The trade: one fit instead of ``k + 1`` (``k`` with
        ``refit=False``). Out-of-bag estimates each come from about a third of
        the members (a bootstrap sample leaves out about 37% of the rows), so
        they are noisier than a fold model's; leave-one-out ones come from a
        model fitted on every other row, so they are closer to the refit's
        than a fold model's. Both hold out single rows: the order or grouping
        that ``cv``'s folds keep apart (unshuffled folds, an iterable of group
        splits) does not hold for them."""

_RUNNING = """n_jobs : int, default=None
        Number of joblib workers for the plan's tasks, and for the views
        computed once when there are several (they run side by side before
        the plan). ``None`` means 1 unless in a ``joblib.parallel_config``
        context; -1 means all processors. A fit starts no more workers than
        its levels have tasks (fold fits and refits; two at least), and a call
        with fewer tasks than ``n_jobs`` cores (a stage of a staged fit) lends
        each task the idle cores, as threads, for what leaves its own
        ``n_jobs=None`` (a forest's trees, a ``FeatureUnion``'s parts, a
        kernel view's rows).
        Predicting many rows (at least 256 per worker), each level's first
        rows are timed, and when the levels' other rows would take more than
        a second on one core, every level's are split among the workers, in
        one call; the predictions do not depend on it (up to the last bits
        of floating-point sums).
    verbose : int, default=0
        1 prints one line per finished task (level, fold or refit, seconds)
        to stderr; 2 and more add joblib's own progress lines; 0 is silent.
    timeout : float, default=None
        Seconds to wait for any one task (a level's fold fit or refit) when
        the tasks run in workers, as joblib's ``Parallel(timeout=...)``. A
        task still running then raises a ``TimeoutError`` naming its level
        and fold, instead of waiting forever on a worker that keeps dying;
        the same bounds a predict's share of rows sent to a worker.
        ``None`` waits as long as it takes. In-process runs (``n_jobs=1``)
        cannot be bounded; joblib warns there."""

_NAMED_LEVELS = """named_levels_ : :class:`~sklearn.utils.Bunch`
        The same by name; each entry has ``granularity`` and ``estimator``."""

_FITTED = """level_fit_seconds_ : dict of str to float
        Each level's fit time, summed over its fold fits and its refit.
    level_view_widths_ : list of int
        The number of columns of each level's view (what its estimator saw).
    level_output_widths_ : list of int
        The number of columns each level adds to the meta-learner's input."""

_FEATURES_IN = """n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names."""

_KERNEL_DTYPE = """dtype : {np.float32, np.float64} or None, default=None
        The float type the view computes in and returns; ``None``: the
        input's (float64 for integer input). ``np.float32`` on float64 input
        computes as MiniRocket and Hydra do, in about half to two thirds of
        the time (``benchmarks/bench_transforms.py``), at float32's
        precision: an output within rounding of a bias, or of a competing
        kernel's output, can fall on the other side of it."""

_KERNEL_N_JOBS = """n_jobs : int or None, default=None
        Threads that transform chunks of rows side by side (NumPy releases
        the GIL while it convolves), always threads, whatever joblib backend
        is active. ``None`` means 1 unless in a :func:`joblib.parallel_config`
        context (a multi-granularity estimator's stage fitted alone lends it
        its idle cores this way) or lent threads by a multi-granularity
        estimator's predict. The output does not depend on it."""

_LEVELS_RETURNED = """levels : list of (str, transformer or "passthrough", estimator)
        Ready for the ``levels`` parameter of
        :class:`~skmgm.MultiGranularityClassifier` and
        :class:`~skmgm.MultiGranularityRegressor`."""

_X = """X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples."""

_SAMPLE_WEIGHT = """**fit_params : dict
            ``sample_weight``, passed to every level's estimator and to the
            final estimator, as scikit-learn's stacking does; one whose
            ``fit`` takes no ``sample_weight`` is refused before any fit.
            With metadata routing enabled, each gets what it requests."""

SHARED = {
    "intro": _INTRO,
    "levels": _LEVELS,
    "folds": _FOLDS,
    "levels_": _FITTED_LEVELS_LIST,
    "passthrough": _PASSTHROUGH,
    "refit": _REFIT,
    "fit_once": _FIT_ONCE,
    "out_of_bag": _OUT_OF_BAG,
    "running": _RUNNING,
    "named_levels": _NAMED_LEVELS,
    "fitted": _FITTED,
    "features_in": _FEATURES_IN,
    "levels_returned": _LEVELS_RETURNED,
    "kernel_dtype": _KERNEL_DTYPE,
    "kernel_n_jobs": _KERNEL_N_JOBS,
    "X": _X,
    "sample_weight": _SAMPLE_WEIGHT,
}
