"""Held-out estimates a level's estimator makes itself, instead of fold fits.

A forest or bagging ensemble with ``oob_score`` estimates each training row
from the members whose bootstrap sample left it out; skmgm's ridge models
(:mod:`skmgm.linear_model`) keep each row's leave-one-out prediction. Either
stands for the level's out-of-fold predictions (``out_of_bag``), so that the
level is fitted once instead of once per fold.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import is_classifier

from skmgm._composition import computes_view_once
from skmgm._predictions import align_predictions


def estimates_out_of_bag(estimator) -> bool:
    """Whether ``estimator`` computes held-out estimates of its training rows
    when fitted: out-of-bag ones (a forest or bagging ensemble with
    ``oob_score`` set) or leave-one-out ones (skmgm's ridge models)."""
    return leaves_one_out(estimator) or bool(
        estimator.get_params(deep=False).get("oob_score", False)
    )


def leaves_one_out(estimator) -> bool:
    """Whether ``estimator`` keeps leave-one-out predictions of its training
    rows (:mod:`skmgm.linear_model`'s ridge models)."""
    return getattr(estimator, "_skmgm_leave_one_out", False)


def out_of_bag_refusal(level, method: str, fit_once: bool, grouped: bool) -> str | None:
    """Why a level cannot take its out-of-fold predictions from its
    estimator's held-out estimates, or ``None`` when it can (``grouped``:
    the folds are split by groups)."""
    _, granularity, estimator = level
    if grouped:
        # Bootstrap samples draw rows at random, and leave-one-out keeps a
        # row's group mates: either way they shape its estimate.
        return "the folds are split by groups, which held-out estimates ignore"
    if not estimates_out_of_bag(estimator):
        return (
            "its estimator computes no out-of-bag estimates (a forest or "
            "bagging ensemble with oob_score=True and bootstrap=True does) and "
            "keeps no leave-one-out predictions (skmgm.linear_model's ridge "
            "models do)"
        )
    if granularity != "passthrough" and not computes_view_once(granularity, fit_once):
        # Fitted on all rows, a view fitted per fold would have seen the
        # labels of the rows whose estimates it then shapes.
        return "its view is fitted per fold (see fit_once), not once for all rows"
    wanted = "predict"
    if is_classifier(estimator):
        wanted = "decision_function" if leaves_one_out(estimator) else "predict_proba"
    if method != wanted:
        return f"it stacks {method}, and its held-out estimates give {wanted}"
    return None


def takes_out_of_bag(
    out_of_bag, level, method: str, fit_once: bool, grouped: bool
) -> bool:
    """Whether ``level``'s out-of-fold predictions are its estimator's
    held-out estimates, as the estimator's ``out_of_bag`` parameter asks;
    a level it names that cannot raises."""
    name = level[0]
    if out_of_bag is None or (out_of_bag != "auto" and name not in out_of_bag):
        return False
    refusal = out_of_bag_refusal(level, method, fit_once, grouped)
    if refusal is not None and out_of_bag != "auto":
        raise ValueError(
            f"out_of_bag={out_of_bag!r} names level {name!r}, but {refusal}."
        )
    return refusal is None


# Where a fitted estimator keeps each training row's held-out estimate, by
# the method whose output it stands for.
_HELD_OUT = {
    "predict_proba": ("oob_decision_function_",),
    "decision_function": ("loo_decision_function_",),
    "predict": ("oob_prediction_", "loo_prediction_"),
}


def out_of_bag_predictions(estimator, method: str, n_classes):
    """A fitted estimator's held-out estimates of its training rows, as the
    columns its fold predictions would give: a bagging ensemble's out-of-bag
    estimates (``method``: ``"predict_proba"`` for a classifier,
    ``"predict"`` for a regressor), or a skmgm ridge model's leave-one-out
    ones (``"decision_function"``, ``"predict"``).

    Raises when a row was in every member's bootstrap sample: it has no
    estimate (scikit-learn's forests then give zeros with a warning).
    """
    estimates = next(
        getattr(estimator, name)
        for name in _HELD_OUT[method]
        if hasattr(estimator, name)
    )
    missing = np.union1d(
        _rows_in_every_bag(estimator, len(estimates)),
        np.flatnonzero(np.isnan(estimates.reshape(len(estimates), -1)).any(axis=1)),
    )
    if missing.size:
        raise ValueError(
            f"{missing.size} training rows (first: {missing[:5].tolist()}) have "
            "no out-of-bag estimate: every member of the ensemble was fitted on "
            "them. Give the estimator more members (n_estimators), or set "
            "out_of_bag=None to fit the level per fold."
        )
    if isinstance(n_classes, list):  # (n_samples, n_classes, n_labels)
        estimates = [
            estimates[:, : len(classes), label]
            for label, classes in enumerate(estimator.classes_)
        ]
    return align_predictions(estimator, estimates, method, n_classes)


def _rows_in_every_bag(estimator, n_samples: int) -> np.ndarray:
    """The rows every member's bootstrap sample drew (none when unknown)."""
    samples = getattr(estimator, "estimators_samples_", None)
    if samples is None:
        return np.array([], dtype=int)
    left_out = sum(np.bincount(drawn, minlength=n_samples) == 0 for drawn in samples)
    return np.flatnonzero(left_out == 0)
