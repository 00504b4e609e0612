"""MultiGranularityClassifier."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import KBinsDiscretizer, LabelEncoder
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from skmgm._base import _BaseMultiGranularity
from skmgm._compat import (
    StrOptions,
    _check_response_method,
    _fit_context,
    _raise_for_params,
)

_AUTO_METHODS = ["predict_proba", "decision_function", "predict"]


def _final_estimator_has(attr):
    """Check the fitted final estimator if there is one, else the parameter."""

    def check(self):
        if hasattr(self, "final_estimator_"):
            return hasattr(self.final_estimator_, attr)
        final = self.final_estimator
        return hasattr(LogisticRegression() if final is None else final, attr)

    return check


class MultiGranularityClassifier(ClassifierMixin, _BaseMultiGranularity):
    """Stack classifiers that each see the input at another granularity.

    Each level is a ``(name, granularity, estimator)`` triple: the
    granularity (a scikit-learn transformer, or ``"passthrough"``) makes a
    coarse or fine view of ``X``, and the estimator learns from that view.
    The levels' out-of-fold predictions, made on the same folds for every
    level, train the ``final_estimator``. Every (level, fold) fit and every
    refit is one task of a single joblib ``Parallel`` call.

    Parameters
    ----------
    levels : list of (str, transformer or "passthrough", classifier or "drop"), \
            default=None
        The granularity levels, coarse first. A stateless granularity
        (``requires_fit=False`` tag, e.g. ``FunctionTransformer`` or
        ``Pool1D``) computes its view once per fit and shares it between the
        folds; a stateful one is fitted inside every fold. ``None`` uses two
        levels that work on any numeric table: ``("binned",
        KBinsDiscretizer(n_bins=8, strategy="uniform"),
        LogisticRegression())``, a coarse view of the values, and ``("raw",
        "passthrough", HistGradientBoostingClassifier())``. Both are
        deterministic.
    final_estimator : classifier, default=None
        The meta-learner fitted on the stacked out-of-fold predictions;
        ``None`` means ``LogisticRegression()``.
    cv : int, cross-validation generator or iterable, default=None
        How the out-of-fold predictions are made, as in scikit-learn's
        ``StackingClassifier``. An int is the number of ``StratifiedKFold``
        folds, and must not exceed the number of samples of the smallest
        class. ``None`` is 5 folds, or fewer (at least 2) when the smallest
        class has fewer than 5 samples. The folds must partition the samples,
        and are drawn once per fit for every level.
    stack_method : {"auto", "predict_proba", "decision_function", "predict"}, \
            default="auto"
        What each level hands to the meta-learner. ``"auto"`` takes the first
        of ``predict_proba``, ``decision_function``, ``predict`` that the
        level's estimator has. In binary problems the first probability
        column is dropped, as it is collinear with the second.
    passthrough : bool, default=False
        Also hand the raw features to the meta-learner.
    n_jobs : int, default=None
        Number of joblib workers for the plan's tasks. ``None`` means 1 unless
        in a ``joblib.parallel_config`` context; -1 means all processors.
    verbose : int, default=0
        joblib's verbosity while the plan runs.

    Attributes
    ----------
    levels_ : list of (str, transformer or "passthrough", classifier)
        The levels whose estimator is not ``"drop"``, refitted on all rows.
    named_levels_ : :class:`~sklearn.utils.Bunch`
        The same by name; each entry has ``granularity`` and ``estimator``.
    final_estimator_ : classifier
        The fitted meta-learner.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    stack_method_ : list of str
        The method each level of ``levels_`` hands to the meta-learner.
    level_scores_ : dict of str to float
        Each level's out-of-fold accuracy, from the predictions that trained
        the meta-learner.
    level_fit_seconds_ : dict of str to float
        Each level's fit time, summed over its fold fits and its refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiGranularityRegressor : The same for regression.
    sklearn.ensemble.StackingClassifier : Stacking without granularities.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skmgm import MultiGranularityClassifier
    >>> from skmgm.granularity import Pool2D
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MultiGranularityClassifier(
    ...     levels=[
    ...         ("coarse", Pool2D((8, 8), window=2),
    ...          LogisticRegression(max_iter=1000)),
    ...         ("fine", "passthrough",
    ...          RandomForestClassifier(n_estimators=50, random_state=0)),
    ...     ],
    ...     cv=3,
    ... )
    >>> clf.fit(X[::2], y[::2]).score(X[1::2], y[1::2])
    0.9...
    >>> sorted(clf.level_scores_)
    ['coarse', 'fine']
    """

    _parameter_constraints: dict = {
        **_BaseMultiGranularity._parameter_constraints,
        "stack_method": [
            StrOptions({"auto", "predict_proba", "decision_function", "predict"})
        ],
    }
    _estimator_kind = "classifier"

    def __init__(
        self,
        levels=None,
        final_estimator=None,
        *,
        cv=None,
        stack_method="auto",
        passthrough=False,
        n_jobs=None,
        verbose=0,
    ):
        self.levels = levels
        self.final_estimator = final_estimator
        self.cv = cv
        self.stack_method = stack_method
        self.passthrough = passthrough
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _default_levels(self):
        return [
            (
                "binned",
                KBinsDiscretizer(n_bins=8, strategy="uniform"),
                LogisticRegression(),
            ),
            ("raw", "passthrough", HistGradientBoostingClassifier()),
        ]

    def _default_final_estimator(self):
        return LogisticRegression()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the levels out of fold, refit them on all rows, fit the stack.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            ``sample_weight``, passed to every level's estimator and to the
            final estimator, as scikit-learn's stacking does.

        Returns
        -------
        self : MultiGranularityClassifier
            The fitted classifier.
        """
        _raise_for_params(fit_params, self, "fit", allow=["sample_weight"])
        levels = self._check_levels()
        X = self._validate_X(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self._label_encoder = LabelEncoder().fit(y)
        self.classes_ = self._label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"y has one class only: {self.classes_[0].tolist()!r}."
            )
        return self._fit_stack(levels, X, self._label_encoder.transform(y), fit_params)

    def _n_classes(self):
        return len(self.classes_)

    def _check_cv(self, y):
        counts = np.bincount(y)
        smallest = int(np.argmin(counts))
        if self.cv is None:
            # The default adapts to small classes instead of failing on them.
            return StratifiedKFold(min(5, max(2, counts[smallest])))
        if isinstance(self.cv, Integral) and counts[smallest] < self.cv:
            raise ValueError(
                f"cv={self.cv} folds is more than the smallest class has "
                f"samples: class {self.classes_[smallest].tolist()!r} has "
                f"{counts[smallest]}. Every fold must see every class; lower cv "
                "to at most that number, or leave cv=None to adapt it."
            )
        return super()._check_cv(y)

    def _stack_method_of(self, name, estimator):
        wanted = _AUTO_METHODS if self.stack_method == "auto" else self.stack_method
        try:
            return _check_response_method(estimator, wanted).__name__
        except AttributeError as exc:
            raise ValueError(
                f"Level {name!r}: estimator {estimator!r} has none of the "
                f"methods stack_method={self.stack_method!r} asks for ({wanted})."
            ) from exc

    def _oof_score(self, y, predictions, method, sample_weight):
        if method == "predict":
            labels = predictions
        elif predictions.ndim == 1:  # binary decision_function
            labels = (predictions > 0).astype(int)
        else:
            labels = predictions.argmax(axis=1)
        return float(accuracy_score(y, labels, sample_weight=sample_weight))

    def _level_columns(self, predictions, method):
        if method == "predict_proba" and len(self.classes_) == 2:
            return predictions[:, 1:]
        return super()._level_columns(predictions, method)

    def predict(self, X):
        """Predict class labels for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        check_is_fitted(self)
        encoded = self.final_estimator_.predict(self._transform_validated(X))
        return self._label_encoder.inverse_transform(encoded)

    @available_if(_final_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of ``X``, from the final estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.final_estimator_.predict_proba(self._transform_validated(X))

    @available_if(_final_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision values of ``X``, from the final estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        decision : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The final estimator's decision function.
        """
        check_is_fitted(self)
        return self.final_estimator_.decision_function(self._transform_validated(X))
