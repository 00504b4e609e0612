"""Ridge models that keep each training row's leave-one-out prediction.

scikit-learn's ``RidgeCV`` and ``RidgeClassifierCV`` compute every row's
leave-one-out prediction in closed form to choose their penalty, but keep
only the squared errors unless a ``scoring`` is set (and
``RidgeClassifierCV`` with a ``scoring`` scores a binary problem's single
column against labels it cannot recover). With ``sample_weight`` they leave
out a row with all its weight, so that a weight of 2 is not two repeated rows,
as scikit-learn's estimator checks require. These models compute the same
closed form, choose the penalty by the error of leaving out one unit of
weight, and keep each row's prediction without it, so that a
multi-granularity estimator can stack them as out-of-fold predictions and fit
the level once instead of once per fold.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, is_classifier
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import Bunch
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from skmgm._compat import (
    Interval,
    LinearClassifierMixin,
    LinearModel,
    _check_sample_weight,
    _fit_context,
)
from skmgm._docstrings import Substitution


def _centred_and_scaled(X, Y, weights, fit_intercept):
    """The rows centred on their weighted means (with an intercept) and
    multiplied by the roots of their weights, and the means."""
    X_mean = np.average(X, axis=0, weights=weights) if fit_intercept else 0.0
    Y_mean = np.average(Y, axis=0, weights=weights) if fit_intercept else 0.0
    roots = np.sqrt(weights)[:, None]
    X_scaled = X - X_mean  # a new array: scaled in place, the caller's X kept
    X_scaled *= roots
    return X_scaled, roots * (Y - Y_mean), X_mean, Y_mean


def _eigen_basis(X):
    """``(Q, eigenvalues)``: orthonormal columns ``Q`` spanning the rows'
    space and ``X X^T = Q diag(eigenvalues) Q^T``, from the smaller of the
    Gram and covariance matrices (directions of no variance dropped)."""

    def kept(eigenvalues):
        return eigenvalues > eigenvalues.max(initial=0.0) * 1e-12

    n_samples, n_features = X.shape
    if n_samples <= n_features:
        eigenvalues, Q = np.linalg.eigh(X @ X.T)
        return Q[:, kept(eigenvalues)], eigenvalues[kept(eigenvalues)]
    eigenvalues, V = np.linalg.eigh(X.T @ X)
    eigenvalues, V = eigenvalues[kept(eigenvalues)], V[:, kept(eigenvalues)]
    return X @ V / np.sqrt(eigenvalues), eigenvalues  # X V, columns normalised


def _leave_one_out_ridge(X, Y, alphas, weights, fit_intercept):
    """Ridge regression of ``Y`` (2-D) at the penalty of least leave-one-out
    error, in closed form: ``Bunch(alpha, score, coef, intercept, loo)``.

    For a penalised least-squares fit with hat matrix ``H``, the row left out
    gets the residual ``r_i / (1 - H_ii)``; with weights ``H_ii = w_i l_i``,
    where ``l_i`` is the leverage of one unit of the row's weight. The
    penalty is chosen by the error of leaving out one unit,
    ``r_i / (1 - l_i)`` (the whole row when its weight is below 1), so that a
    row of weight ``k`` counts as ``k`` repeated rows. ``loo`` leaves out
    each row with all its weight: the prediction a fold without the row
    would make.
    """
    Xs, Ys, X_mean, Y_mean = _centred_and_scaled(X, Y, weights, fit_intercept)
    Q, eigenvalues = _eigen_basis(Xs)
    projected, squared = Q.T @ Ys, Q**2
    rows = weights > 0  # a row of no weight is left out already
    roots, units = np.sqrt(weights[rows]), np.minimum(weights[rows], 1)

    def left_out_residuals(alpha):
        """The weighted rows' residuals (unscaled) when each leaves the fit
        whole, and when one unit of its weight does."""
        shrink = eigenvalues / (eigenvalues + alpha)
        residuals = (Ys - Q @ (shrink[:, None] * projected))[rows] / roots[:, None]
        leverage = squared[rows] @ shrink
        if fit_intercept:
            leverage += weights[rows] / weights.sum()
        whole = residuals / (1 - leverage)[:, None]
        unit = residuals / (1 - leverage * units / weights[rows])[:, None]
        return whole, unit

    fits = [left_out_residuals(alpha) for alpha in alphas]
    errors = [
        np.average((unit**2).mean(axis=1), weights=weights[rows]) for _, unit in fits
    ]
    best = int(np.argmin(errors))
    alpha = float(alphas[best])
    coef = Xs.T @ (Q @ (projected / (eigenvalues + alpha)[:, None]))
    intercept = Y_mean - X_mean @ coef if fit_intercept else np.zeros(Y.shape[1])
    loo = np.empty_like(Y)
    loo[rows] = Y[rows] - fits[best][0]
    loo[~rows] = X[~rows] @ coef + intercept  # the model's own prediction
    return Bunch(
        alpha=alpha, score=-errors[best], coef=coef.T, intercept=intercept, loo=loo
    )


# The parameters and attributes both models have, written once.
_RIDGE = Substitution(
    stacked="""A multi-granularity estimator stacks them as the
    level's out-of-fold predictions (its ``out_of_bag="auto"``), so that the
    level is fitted once instead of once per fold.""",
    ridge_parameters="""alphas : array-like of shape (n_alphas,), \
            default=(0.1, 1.0, 10.0)
        The penalties to choose from; each must be positive.
    fit_intercept : bool, default=True
        Whether to fit intercepts (the data are then centred).""",
    penalty="""alpha_ : float
        The chosen penalty.
    best_score_ : float
        Minus the (weighted) mean leave-one-out squared error at ``alpha_``,
        one unit of weight left out at a time.""",
    fit_weights="""sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows, in the fit and in the penalty's choice (a
            weight of ``k`` counts as ``k`` repeated rows).""",
)


class _LeaveOneOutRidge(BaseEstimator):
    """What the classifier and the regressor share: parameters and the fit."""

    # Read by the multi-granularity estimators' out_of_bag="auto".
    _skmgm_leave_one_out = True

    _parameter_constraints: dict = {
        "alphas": ["array-like", Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
    }

    def __init__(self, alphas=(0.1, 1.0, 10.0), *, fit_intercept=True):
        self.alphas = alphas
        self.fit_intercept = fit_intercept

    def _fit_targets(self, X, Y, sample_weight):
        """Fit ``Y`` (2-D); set the penalty, coefficients and intercepts, and
        return the leave-one-out predictions."""
        alphas = np.atleast_1d(np.asarray(self.alphas, dtype=float))
        if alphas.ndim != 1 or len(alphas) == 0 or np.any(alphas <= 0):
            raise ValueError(
                f"alphas={self.alphas!r} must be one or more positive numbers."
            )
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        if not weights.any():  # scikit-learn 1.6's check lets them through
            raise ValueError(
                "Sample weights must contain at least one non-zero number."
            )
        fit = _leave_one_out_ridge(X, Y, alphas, weights, self.fit_intercept)
        self.alpha_, self.best_score_ = fit.alpha, float(fit.score)
        self.coef_, self.intercept_ = fit.coef, fit.intercept
        return fit.loo

    def _validated(self, X, y):
        """``X`` in float64, the closed form's precision, and ``y``."""
        regressor = not is_classifier(self)
        return validate_data(
            self, X, y, dtype=np.float64, y_numeric=regressor, multi_output=regressor
        )


@_RIDGE
class LeaveOneOutRidgeClassifier(LinearClassifierMixin, _LeaveOneOutRidge):
    """Ridge classifier whose penalty is chosen by leave-one-out, keeping
    each training row's leave-one-out decision values.

    It fits as :class:`~sklearn.linear_model.RidgeClassifierCV` does by
    default (classes coded -1/1, one ridge model per class, the penalty with
    the least leave-one-out squared error, computed in closed form; with
    ``sample_weight``, one unit of a row's weight left out, where
    ``RidgeClassifierCV`` leaves out the whole row), and keeps the decision
    values each training row gets from the model fitted on the other rows:
    ``loo_decision_function_``. {stacked}

    Parameters
    ----------
    {ridge_parameters}

    Attributes
    ----------
    {penalty}
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients: one row for a binary problem, one per class otherwise.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    loo_decision_function_ : ndarray of shape (n_samples,) or \
            (n_samples, n_classes)
        Each training row's decision values from the model fitted on the
        other rows, shaped as ``decision_function``'s.
    {features_in}

    See Also
    --------
    sklearn.linear_model.RidgeClassifierCV : The same fit, without the
        leave-one-out decision values.
    LeaveOneOutRidge : The regressor.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmgm.linear_model import LeaveOneOutRidgeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LeaveOneOutRidgeClassifier(alphas=[0.1, 1.0, 10.0]).fit(X, y)
    >>> clf.alpha_
    1.0
    >>> clf.loo_decision_function_.shape
    (150, 3)
    >>> loo_labels = clf.classes_[clf.loo_decision_function_.argmax(axis=1)]
    >>> round(float((loo_labels == y).mean()), 3)
    0.827
    """

    @_RIDGE
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model and keep the leave-one-out decision values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        {fit_weights}

        Returns
        -------
        self : object
            The fitted classifier.
        """
        X, y = self._validated(X, y)
        check_classification_targets(y)
        binarizer = LabelBinarizer(neg_label=-1, pos_label=1)
        Y = binarizer.fit_transform(y)
        self.classes_ = binarizer.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "LeaveOneOutRidgeClassifier needs samples of at least 2 classes "
                f"in the data, but the data contain only one class: "
                f"{self.classes_.tolist()[0]!r}."
            )
        loo = self._fit_targets(X, Y.astype(np.float64), sample_weight)
        self.loo_decision_function_ = loo[:, 0] if loo.shape[1] == 1 else loo
        return self


@_RIDGE
class LeaveOneOutRidge(RegressorMixin, LinearModel, _LeaveOneOutRidge):
    """Ridge regression whose penalty is chosen by leave-one-out, keeping
    each training row's leave-one-out prediction.

    It fits as :class:`~sklearn.linear_model.RidgeCV` does by default (the
    penalty with the least leave-one-out squared error, computed in closed
    form; with ``sample_weight``, one unit of a row's weight left out, where
    ``RidgeCV`` leaves out the whole row), and keeps the prediction each
    training row gets from the model fitted on the other rows:
    ``loo_prediction_``. {stacked}

    Parameters
    ----------
    {ridge_parameters}

    Attributes
    ----------
    {penalty}
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercepts.
    loo_prediction_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Each training row's prediction from the model fitted on the other
        rows, shaped as ``y``.
    {features_in}

    See Also
    --------
    sklearn.linear_model.RidgeCV : The same fit, without the leave-one-out
        predictions.
    LeaveOneOutRidgeClassifier : The classifier.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skmgm.linear_model import LeaveOneOutRidge
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = LeaveOneOutRidge(alphas=[0.01, 0.1, 1.0]).fit(X, y)
    >>> reg.alpha_
    0.01
    >>> reg.loo_prediction_.shape
    (442,)
    """

    @_RIDGE
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model and keep the leave-one-out predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        {fit_weights}

        Returns
        -------
        self : object
            The fitted regressor.
        """
        X, y = self._validated(X, y)
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        loo = self._fit_targets(X, Y, sample_weight)
        if np.ndim(y) == 1:
            self.coef_, self.intercept_ = self.coef_[0], float(self.intercept_[0])
        self.loo_prediction_ = loo.reshape(np.shape(y))
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
