"""GranularityDisplay: what each level scores, and how much the stack uses it."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skmgm._compat import check_matplotlib_support
from skmgm._stacking import _BaseMultiGranularity
from skmgm._vote import LevelVote


def level_usage(estimator) -> np.ndarray | None:
    """Share of the meta-learner's weight on each level's columns.

    The vote's level weights (``final_estimator="vote"``), or the sum of
    absolute coefficients (``coef_``) or of feature importances
    (``feature_importances_``) over each level's stacked columns, normalised
    to sum to one; ``None`` when the meta-learner exposes none of them
    (:func:`usage_unknown_because` says why). Raw features handed over with
    ``passthrough=True`` are left out. ``estimator`` is a fitted
    multi-granularity estimator, or a fitted pipeline ending in one.
    """
    estimator = _stack_of(estimator, "level_usage")
    final = estimator.final_estimator_
    if isinstance(final, LevelVote):  # the vote weighs levels itself
        return np.asarray(final.weights_)
    if hasattr(final, "coef_"):
        weights = np.abs(np.atleast_2d(final.coef_)).sum(axis=0)
    elif hasattr(final, "feature_importances_"):
        weights = np.asarray(final.feature_importances_)
    else:
        return None
    starts = np.cumsum([0, *estimator.level_output_widths_[:-1]])
    n_stacked = sum(estimator.level_output_widths_)
    per_level = np.add.reduceat(weights[:n_stacked], starts)
    total = per_level.sum()
    return per_level / total if total > 0 else per_level


def usage_unknown_because(estimator) -> str:
    """Why :func:`level_usage` cannot tell how the stack uses its levels."""
    final = estimator.final_estimator_
    name = type(final).__name__
    if hasattr(final, "steps"):
        return (
            f"the meta-learner is a {name}: the coefficients of its last step "
            "weigh its own features, not the stacked columns"
        )
    return f"the meta-learner {name} has neither coef_ nor feature_importances_"


def _stack_of(estimator, what):
    """The multi-granularity estimator itself, or the last step of a pipeline;
    anything else is refused, in a message that names ``what``."""
    check_is_fitted(estimator)
    stack = estimator[-1] if hasattr(estimator, "steps") else estimator
    if not isinstance(stack, _BaseMultiGranularity):
        raise TypeError(
            f"{what} takes a MultiGranularityClassifier or "
            "MultiGranularityRegressor (or a pipeline ending in one); got "
            f"{estimator!r}."
        )
    return stack


class GranularityDisplay:
    """Per-level out-of-fold scores and the meta-learner's use of each level.

    Build it with :meth:`from_estimator`; it draws with matplotlib (an
    optional dependency of skmgm), in scikit-learn's Display style.

    Parameters
    ----------
    level_names : list of str
        The fitted levels, coarse first.
    scores : list of float
        Each level's out-of-fold score (``level_scores_``).
    usage : ndarray or None
        Each level's share of the meta-learner's weight (:func:`level_usage`).
    score_name : str
        ``"accuracy"`` or ``"R²"``.

    Attributes
    ----------
    ax_ : matplotlib Axes or ndarray of Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding them.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skmgm import MultiGranularityClassifier
    >>> from skmgm.inspection import GranularityDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MultiGranularityClassifier(cv=3).fit(X, y)
    >>> display = GranularityDisplay.from_estimator(clf)
    >>> display.level_names
    ['binned', 'raw']
    """

    def __init__(self, *, level_names, scores, usage=None, score_name="score"):
        self.level_names = level_names
        self.scores = scores
        self.usage = usage
        self.score_name = score_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Draw the display of a fitted multi-granularity estimator.

        Parameters
        ----------
        estimator : MultiGranularityClassifier, MultiGranularityRegressor \
                or Pipeline
            A fitted estimator, or a fitted pipeline ending in one.
        ax : matplotlib Axes or sequence of two, default=None
            Where to draw; ``None`` makes a new figure.

        Returns
        -------
        display : GranularityDisplay
            The drawn display.
        """
        estimator = _stack_of(estimator, "GranularityDisplay.from_estimator")
        is_classifier = hasattr(estimator, "classes_")
        usage = level_usage(estimator)
        if usage is None:
            warnings.warn(
                "GranularityDisplay shows no use of the levels in the stack: "
                f"{usage_unknown_because(estimator)}.",
                UserWarning,
                stacklevel=2,
            )
        display = cls(
            level_names=[name for name, _, _ in estimator.levels_],
            scores=list(estimator.level_scores_.values()),
            usage=usage,
            score_name="accuracy" if is_classifier else "R²",
        )
        return display.plot(ax=ax)

    def plot(self, *, ax=None):
        """Draw the scores and, when known, the meta-learner's use of levels.

        Parameters
        ----------
        ax : matplotlib Axes or sequence of two, default=None
            Where to draw; ``None`` makes a new figure.

        Returns
        -------
        self : GranularityDisplay
            With ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        panels = 1 if self.usage is None else 2
        if ax is None:
            _, ax = plt.subplots(1, panels, figsize=(4.5 * panels, 3.2))
        axes = np.atleast_1d(ax)
        positions = np.arange(len(self.level_names))
        axes[0].barh(positions, self.scores, color="tab:blue")
        axes[0].set(
            yticks=positions,
            yticklabels=self.level_names,
            xlabel=f"out-of-fold {self.score_name}",
            title="each level alone",
        )
        axes[0].invert_yaxis()
        if self.usage is not None:
            axes[1].barh(positions, self.usage, color="tab:orange")
            axes[1].set(
                yticks=positions,
                yticklabels=self.level_names,
                xlabel="share of the meta-learner's weight",
                title="use in the stack",
            )
            axes[1].invert_yaxis()
        self.ax_ = axes if panels == 2 else axes[0]
        self.figure_ = axes[0].figure
        self.figure_.tight_layout()
        return self
