"""MultiGranularityRegressor."""

from __future__ import annotations

from sklearn.base import RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils import get_tags
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from skmgm._base import _BaseMultiGranularity, _is_drop
from skmgm._compat import _fit_context, _raise_for_params


class MultiGranularityRegressor(RegressorMixin, _BaseMultiGranularity):
    """Stack regressors that each see the input at another granularity.

    Each level is a ``(name, granularity, estimator)`` triple: the
    granularity (a scikit-learn transformer, or ``"passthrough"``) makes a
    coarse or fine view of ``X``, and the estimator learns from that view.
    The levels' out-of-fold predictions, made on the same folds for every
    level, train the ``final_estimator``. Every (level, fold) fit and every
    refit is one task of a single joblib ``Parallel`` call.

    Parameters
    ----------
    levels : list of (str, transformer or "passthrough", regressor or "drop"), \
            default=None
        The granularity levels, coarse first. A stateless granularity
        (``requires_fit=False`` tag) computes its view once per fit and shares
        it between the folds; a stateful one is fitted inside every fold.
        ``None`` uses two levels that work on any numeric table:
        ``("binned", KBinsDiscretizer(n_bins=8, strategy="uniform"),
        RidgeCV())``, a coarse view of the values, and ``("raw",
        "passthrough", HistGradientBoostingRegressor())``. Both are
        deterministic.
    final_estimator : regressor, default=None
        The meta-learner fitted on the stacked out-of-fold predictions;
        ``None`` means ``RidgeCV()``.
    cv : int, cross-validation generator or iterable, default=None
        How the out-of-fold predictions are made, as in scikit-learn's
        ``StackingRegressor``: ``None`` is 5-fold ``KFold``. The folds must
        partition the samples, and are drawn once per fit for every level.
    passthrough : bool, default=False
        Also hand the raw features to the meta-learner.
    refit : bool, default=True
        After the out-of-fold fits, refit every level on all rows (as
        scikit-learn's stacking does). ``False`` skips the refits: each level
        keeps its fold models and predicts with their average (labels by
        vote), as a :class:`~skmgm._predictions.FoldBag` in ``levels_``. That
        is ``k`` fits per level instead of ``k + 1``, at ``k`` times the
        predict cost of a level.
    n_jobs : int, default=None
        Number of joblib workers for the plan's tasks. ``None`` means 1 unless
        in a ``joblib.parallel_config`` context; -1 means all processors.
    verbose : int, default=0
        1 prints one line per finished task (level, fold or refit, seconds)
        to stderr; 2 and more add joblib's own progress lines; 0 is silent.
    timeout : float, default=None
        Seconds to wait for any one task (a level's fold fit or refit) when
        the tasks run in workers, as joblib's ``Parallel(timeout=...)``. A
        task still running then raises a ``TimeoutError`` naming its level
        and fold, instead of waiting forever on a worker that keeps dying.
        ``None`` waits as long as it takes. In-process runs (``n_jobs=1``)
        cannot be bounded; joblib warns there.
    Attributes
    ----------
    levels_ : list of (str, transformer or "passthrough", regressor)
        The levels whose estimator is not ``"drop"``, refitted on all rows.
    named_levels_ : :class:`~sklearn.utils.Bunch`
        The same by name; each entry has ``granularity`` and ``estimator``.
    final_estimator_ : regressor
        The fitted meta-learner.
    stack_method_ : list of str
        ``"predict"`` for each level of ``levels_``.
    level_scores_ : dict of str to float
        Each level's out-of-fold R², from the predictions that trained the
        meta-learner.
    level_fit_seconds_ : dict of str to float
        Each level's fit time, summed over its fold fits and its refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiGranularityClassifier : The same for classification.
    sklearn.ensemble.StackingRegressor : Stacking without granularities.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import RidgeCV
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from sklearn.preprocessing import KBinsDiscretizer
    >>> from skmgm import MultiGranularityRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MultiGranularityRegressor(
    ...     levels=[
    ...         ("binned", KBinsDiscretizer(n_bins=4), RidgeCV()),
    ...         ("raw", "passthrough",
    ...          RandomForestRegressor(n_estimators=50, random_state=0)),
    ...     ],
    ... )
    >>> reg.fit(X[:300], y[:300]).score(X[300:], y[300:]) > 0.3
    True
    """

    _estimator_kind = "regressor"

    def __init__(
        self,
        levels=None,
        final_estimator=None,
        *,
        cv=None,
        passthrough=False,
        refit=True,
        n_jobs=None,
        verbose=0,
        timeout=None,
    ):
        self.levels = levels
        self.final_estimator = final_estimator
        self.cv = cv
        self.passthrough = passthrough
        self.refit = refit
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.timeout = timeout

    def _default_levels(self):
        return [
            (
                "binned",
                KBinsDiscretizer(n_bins=8, strategy="uniform"),
                RidgeCV(),
            ),
            ("raw", "passthrough", HistGradientBoostingRegressor()),
        ]

    def _default_final_estimator(self):
        return RidgeCV()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the levels out of fold, refit them on all rows, fit the stack.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values. A 2-D ``y`` needs level and final estimators that
            predict several outputs (e.g. ``RidgeCV``, random forests); each
            level then hands all its outputs to the meta-learner.
        **fit_params : dict
            ``sample_weight``, passed to every level's estimator and to the
            final estimator, as scikit-learn's stacking does.

        Returns
        -------
        self : MultiGranularityRegressor
            The fitted regressor.
        """
        _raise_for_params(fit_params, self, "fit", allow=["sample_weight"])
        levels = self._check_levels()
        X = self._validate_X(X, reset=True)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        if y.ndim == 1 or y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._fit_stack(levels, X, y, fit_params)
        return self

    def _stack_method_of(self, name, estimator):
        return "predict"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        final = self.final_estimator
        final = self._default_final_estimator() if final is None else final
        estimators = [e for _, _, e in self._levels_for_tags() if not _is_drop(e)]
        tags.target_tags.multi_output = all(
            get_tags(e).target_tags.multi_output for e in [*estimators, final]
        )
        return tags

    @staticmethod
    def _oof_score(y, predictions, method, sample_weight):
        return float(r2_score(y, predictions, sample_weight=sample_weight))

    def predict(self, X):
        """Predict targets for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted targets.
        """
        check_is_fitted(self)
        return self.final_estimator_.predict(self._transform_validated(X))
