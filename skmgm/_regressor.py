"""MultiGranularityRegressor."""

from __future__ import annotations

from sklearn.base import RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, column_or_1d

from skmgm._compat import _check_y
from skmgm._composition import is_drop
from skmgm._docstrings import Substitution
from skmgm._presets import binned_view
from skmgm._routing import route_predict_params
from skmgm._stacking import _BaseMultiGranularity


@Substitution()
class MultiGranularityRegressor(RegressorMixin, _BaseMultiGranularity):
    """Stack regressors that each see the input at another granularity.

    {intro}

    Parameters
    ----------
    levels : list of (str, transformer or "passthrough", regressor or "drop"), \
            default=None
        {levels} ``None`` uses two levels that work on any numeric table:
        ``("binned", KBinsDiscretizer(n_bins=8, strategy="uniform"),
        RidgeCV())``, a coarse view of the values, and ``("raw",
        "passthrough", HistGradientBoostingRegressor(random_state=0))``. Both
        are deterministic (the seed pins the validation split that early
        stopping draws above 10,000 rows). The bins are one-hot encoded, in a
        sparse matrix, or dense under ``set_config(transform_output="pandas")``
        (frames cannot hold sparse data).
    final_estimator : regressor, default=None
        The meta-learner fitted on the stacked out-of-fold predictions;
        ``None`` means ``RidgeCV()``.
    cv : int, cross-validation generator or iterable, default=None
        How the out-of-fold predictions are made, as in scikit-learn's
        ``StackingRegressor``: ``None`` is 5-fold ``KFold``. {folds}
    {passthrough}
    {refit}
    {fit_once}
    {out_of_bag}
    {running}

    Attributes
    ----------
    levels_ : list of (str, transformer or "passthrough", regressor)
        {levels_}
    {named_levels}
    final_estimator_ : regressor
        The fitted meta-learner.
    stack_method_ : list of str
        ``"predict"`` for each level of ``levels_``.
    level_scores_ : dict of str to float
        Each level's out-of-fold R², from the predictions that trained the
        meta-learner.
    {fitted}
    {features_in}

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
    ...         ("binned", KBinsDiscretizer(n_bins=4, strategy="uniform"), RidgeCV()),
    ...         ("raw", "passthrough",
    ...          RandomForestRegressor(n_estimators=50, random_state=0)),
    ...     ],
    ... )
    >>> reg.fit(X[:300], y[:300]).score(X[300:], y[300:]) > 0.3
    True
    """

    _estimator_kind = "regressor"

    # Its own signature, as scikit-learn's StackingRegressor has: a wrong
    # keyword then names this class, not the private base.
    def __init__(
        self,
        levels=None,
        final_estimator=None,
        *,
        cv=None,
        passthrough=False,
        refit=True,
        fit_once="label_free",
        out_of_bag="auto",
        n_jobs=None,
        verbose=0,
        timeout=None,
    ):
        super().__init__(
            levels,
            final_estimator,
            cv=cv,
            passthrough=passthrough,
            refit=refit,
            fit_once=fit_once,
            out_of_bag=out_of_bag,
            n_jobs=n_jobs,
            verbose=verbose,
            timeout=timeout,
        )

    def _default_levels(self):
        return [
            ("binned", binned_view(), RidgeCV()),
            ("raw", "passthrough", HistGradientBoostingRegressor(random_state=0)),
        ]

    def _default_final_estimator(self):
        return RidgeCV()

    @Substitution()
    def fit(self, X, y, **fit_params):
        """Fit the levels out of fold, refit them on all rows, fit the stack.

        Parameters
        ----------
        X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values. A 2-D ``y`` needs level and final estimators that
            predict several outputs (e.g. ``RidgeCV``, random forests); each
            level then hands all its outputs to the meta-learner.
        {sample_weight}

        Returns
        -------
        self : MultiGranularityRegressor
            The fitted regressor.
        """
        return super().fit(X, y, **fit_params)

    def _prepare_y(self, y, levels):
        # Not validate_data(self, y=y): given no X, it would delete the
        # feature names that fit has just taken from X.
        y = _check_y(y, multi_output=True, y_numeric=True, estimator=self)
        if y.ndim == 2 and y.shape[1] == 1:
            return column_or_1d(y, warn=True)
        if y.ndim == 2:
            _check_levels_take_outputs(levels, y.shape[1])
        return y

    def _stack_method_of(self, name, estimator):
        return "predict"

    def _oof_score(self, y, predictions, method, sample_weight):
        return float(r2_score(y, predictions, sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimators = [estimator for _, _, estimator in self._iter_levels()]
        estimators.append(self._final_estimator_or_default())
        tags.target_tags.multi_output = all(
            get_tags(estimator).target_tags.multi_output for estimator in estimators
        )
        return tags

    @Substitution()
    def predict(self, X, **predict_params):
        """Predict targets for ``X``.

        Parameters
        ----------
        {X}
        **predict_params : dict
            Passed to the final estimator's ``predict``, e.g.
            ``return_std=True`` for a Gaussian process. With metadata routing,
            each level's granularity and estimator and the final estimator
            get what they requested.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted targets; whatever else the final estimator returns for
            ``predict_params``.
        """
        check_is_fitted(self)
        routed = route_predict_params(self, predict_params)
        X_meta = self._transform_validated(X, routed.levels)
        return self.final_estimator_.predict(X_meta, **routed.final)


def _check_levels_take_outputs(levels, n_outputs):
    """Refuse, before any task runs, a level whose estimator is not tagged as
    predicting several outputs (MLPRegressor, for one, predicts several
    without the tag)."""
    for name, _, estimator in levels:
        if not is_drop(estimator) and not get_tags(estimator).target_tags.multi_output:
            raise ValueError(
                f"Level {name!r}: estimator {estimator!r} is not tagged as "
                "predicting several outputs (its target_tags.multi_output is "
                f"False); y has {n_outputs}. Wrap it in "
                "sklearn.multioutput.MultiOutputRegressor, or use one that "
                "predicts several (e.g. RidgeCV, RandomForestRegressor)."
            )
