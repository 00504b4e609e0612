"""The accuracy-weighted vote of the levels, the meta-learner ``"vote"``."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from skmgm._compat import Interval, _fit_context
from skmgm._docstrings import Substitution

# The one parameter of predict and predict_proba, written once.
_STACKED = Substitution(
    stacked="""X : array-like of shape (n_samples, n_stacked_columns)
            The levels' stacked predictions."""
)

# Probabilities are clipped before their log: a level certain of a class it
# got wrong must cost a finite amount.
_EPS = 1e-6


def level_scores(block, method: str, n_classes: int):
    """One level's stacked columns as per-class scores, ``(n_samples, k)``.

    Probabilities become log-probabilities, predicted labels one-hot rows,
    and a binary problem's single column (a probability or a decision value)
    two symmetric scores; in each case the level's own prediction is the
    arg-max.
    """
    if method == "predict":
        return np.eye(n_classes)[block[:, 0].astype(int)]
    if block.shape[1] == 1:
        column = block[:, 0]
        if method == "predict_proba":
            column = np.log(np.clip(column, _EPS, 1)) - np.log(
                np.clip(1 - column, _EPS, 1)
            )
        return np.column_stack([-column / 2, column / 2])
    if method == "predict_proba":
        return np.log(np.clip(block, _EPS, 1))
    return block


def fit_temperature(scores, y, sample_weight=None) -> float:
    """The temperature ``t`` whose ``softmax(scores / t)`` has the least log loss.

    One parameter per level: it calibrates how far to trust the level's
    scores without re-learning them, which a few rows per class can afford.
    """
    rows = np.arange(len(y))

    def log_loss(log_t):
        log_proba = log_softmax(scores / np.exp(log_t), axis=1)
        return -np.average(log_proba[rows, y], weights=sample_weight)

    found = minimize_scalar(log_loss, bounds=(-7.0, 7.0), method="bounded")
    return float(np.exp(found.x))


class LevelVote(ClassifierMixin, BaseEstimator):
    """Accuracy-weighted vote of the levels' calibrated probabilities.

    The meta-learner of ``MultiGranularityClassifier(final_estimator="vote")``,
    after HIVE-COTE's CAWPE (Large, Lines and Bagnall, 2019): each level's
    out-of-fold scores are turned into probabilities by a softmax whose
    temperature is fitted on those scores, and the levels' probabilities are
    averaged with weights ``accuracy ** power``, where ``accuracy`` is the
    level's own out-of-fold accuracy. It learns two numbers per level where a
    logistic meta-learner learns ``n_classes`` weights per stacked column, and
    a single level's prediction passes through unchanged. The classifier
    fills in ``level_widths`` and ``stack_methods``; columns after the
    levels' (``passthrough=True``) are not voted on.

    Parameters
    ----------
    power : float, default=4.0
        Exponent of each level's accuracy in its weight: 0 is a plain
        average, large values follow the most accurate level.
    level_widths : list of int, default=None
        Columns each level adds to the stack, in order.
    stack_methods : list of str, default=None
        The method each level's columns come from.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The encoded classes, ``0`` to ``n_classes - 1``.
    temperatures_ : ndarray of shape (n_levels,)
        Each level's fitted temperature.
    level_accuracies_ : ndarray of shape (n_levels,)
        Each level's accuracy on the rows it was fitted on.
    weights_ : ndarray of shape (n_levels,)
        Each level's weight in the vote; they sum to one.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
    >>> from skmgm import MultiGranularityClassifier
    >>> X, y = load_wine(return_X_y=True)
    >>> binned = KBinsDiscretizer(n_bins=3, strategy="uniform")
    >>> levels = [("binned", binned, LogisticRegression()),
    ...           ("scaled", StandardScaler(), LogisticRegression())]
    >>> clf = MultiGranularityClassifier(levels, final_estimator="vote")
    >>> clf.fit(X, y).final_estimator_.weights_.round(2)
    array([0.44, 0.56])
    """

    _parameter_constraints: dict = {
        "power": [Interval(Real, 0, None, closed="left")],
        "level_widths": [list, None],
        "stack_methods": [list, None],
    }

    def __init__(self, power=4.0, level_widths=None, stack_methods=None):
        self.power = power
        self.level_widths = level_widths
        self.stack_methods = stack_methods

    def _level_scores(self, X):
        """Each level's block of ``X`` as per-class scores."""
        if self.level_widths is None or self.stack_methods is None:
            raise ValueError(
                "LevelVote votes on a multi-granularity stack: use it as "
                "MultiGranularityClassifier(final_estimator='vote'), which sets "
                "level_widths and stack_methods."
            )
        edges = np.cumsum([0, *self.level_widths])
        return [
            level_scores(X[:, start:stop], method, len(self.classes_))
            for start, stop, method in zip(edges[:-1], edges[1:], self.stack_methods)
        ]

    def _n_classes(self, y):
        """Classes of the stack: a binary level adds one column, others k.

        Levels stacking labels (``"predict"``) say nothing of k: then the
        largest label seen counts.
        """
        methods = zip(self.level_widths or [], self.stack_methods or [])
        widths = [width for width, method in methods if method != "predict"]
        if widths:
            return max(2, widths[0])
        return max(2, int(y.max()) + 1)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit each level's temperature and weight on the stacked scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_stacked_columns)
            The levels' stacked out-of-fold predictions.
        y : array-like of shape (n_samples,)
            Encoded class labels, ``0`` to ``n_classes - 1``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the log loss and the accuracies.

        Returns
        -------
        self : LevelVote
            The fitted vote.
        """
        X, y = validate_data(self, X, y)
        y = np.asarray(y, dtype=int)
        self.classes_ = np.arange(self._n_classes(y))
        scores = self._level_scores(X)
        self.temperatures_ = np.array(
            [fit_temperature(level, y, sample_weight) for level in scores]
        )
        self.level_accuracies_ = np.array(
            [
                np.average(level.argmax(axis=1) == y, weights=sample_weight)
                for level in scores
            ]
        )
        weights = self.level_accuracies_**self.power
        # Every level wrong on every row: fall back to a plain average.
        total = weights.sum()
        self.weights_ = (
            weights / total if total > 0 else np.full_like(weights, 1 / len(weights))
        )
        return self

    @_STACKED
    def predict_proba(self, X):
        """The weighted average of the levels' calibrated probabilities.

        Parameters
        ----------
        {stacked}

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        levels = zip(self._level_scores(X), self.temperatures_, self.weights_)
        return sum(weight * softmax(s / t, axis=1) for s, t, weight in levels)

    @_STACKED
    def predict(self, X):
        """The class of highest voted probability.

        Parameters
        ----------
        {stacked}

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Encoded class labels.
        """
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
