"""What a level's predictions mean, and a level's fold models predicting together.

``level_predictions`` is a level's view and model applied to rows, in a fit's
held-out fold and at predict time alike. Every fit of a level must give
columns that mean the same thing, whatever classes its training rows held;
``FoldBag`` serves ``refit=False``; a bagging ensemble's out-of-bag estimates
stand in for a level's fold predictions.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

_NAMELESS_X = "X does not have valid feature names"


def level_predictions(granularity, estimator, method, n_classes, X, params=None):
    """One level's aligned predictions of ``X``: its view (``granularity``;
    ``None`` or ``"passthrough"`` for the rows as they are), then its
    estimator's ``method``. ``params`` (``Bunch(granularity=...,
    estimator=...)``) are routed to the two parts."""
    granularity_params = {} if params is None else params.granularity
    estimator_params = {} if params is None else params.estimator
    with warnings.catch_warnings():
        # The estimator's own check has warned once already that X lacks the
        # feature names of the fit; every level's parts would say it again.
        warnings.filterwarnings("ignore", _NAMELESS_X, UserWarning)
        if granularity is not None and not isinstance(granularity, str):
            X = granularity.transform(X, **granularity_params)
        predictions = getattr(estimator, method)(X, **estimator_params)
    return align_predictions(estimator, predictions, method, n_classes)


def as_columns(predictions):
    """A level's predictions as a 2-D block of stacked columns."""
    return predictions.reshape(-1, 1) if predictions.ndim == 1 else predictions


def align_predictions(estimator, predictions, method, n_classes):
    """One array whose columns mean the same for every fit of a level.

    ``n_classes`` is the number of (encoded) classes, a list of them per
    label for multilabel targets, or None for a regressor. A fold whose
    training rows miss a class gives fewer columns: they are put back in
    place (a binary model's one decision column first becomes two).
    Multilabel probabilities that come as one array per label become one
    column per label: the probability of label value 1.
    """
    if n_classes is None or method == "predict":
        return predictions
    if isinstance(n_classes, list):
        if not isinstance(predictions, list):
            return predictions  # already one column per label
        return np.column_stack(
            [
                _column_of_class_one(classes, proba)
                for classes, proba in zip(estimator.classes_, predictions)
            ]
        )
    classes = estimator.classes_
    if len(classes) == n_classes:
        return predictions
    if method == "predict_proba":
        return _in_class_columns(predictions, classes, n_classes, fill=0.0)
    if predictions.ndim == 1:
        # A binary model's one decision value scores its second class; its
        # first class scores the opposite, as a one-vs-rest pair would.
        predictions = np.column_stack([-predictions, predictions])
    # A class the model never saw gets the row's lowest seen decision value:
    # finite and on the level's own scale (not the dtype's smallest float),
    # it ranks least likely and the stacked column stays usable.
    lowest = predictions.min(axis=1, keepdims=True)
    return _in_class_columns(predictions, classes, n_classes, fill=lowest)


def _in_class_columns(predictions, classes, n_classes, fill):
    """``predictions`` (a column per class in ``classes``, encoded) in a
    column per class of the fit, the others ``fill`` (a number, or a column
    of one per row).

    Placed here, not by scikit-learn's ``cross_val_predict`` helper: it warns
    from inside the task (from a worker, which a caller cannot filter) and
    refuses a binary model's decision values, where a staged fit's later
    levels may see two classes only.
    """
    full = np.empty((len(predictions), n_classes), dtype=predictions.dtype)
    full[:] = fill
    full[:, classes] = predictions
    return full


def _column_of_class_one(classes, proba):
    if 1 in classes:
        return proba[:, np.flatnonzero(classes == 1)[0]]
    return np.zeros(len(proba))  # the label was never 1 in these rows


class FoldBag:
    """The models one level fitted on its folds, averaged at predict time.

    With ``refit=False`` a level keeps the models it fitted on each fold's
    training rows instead of refitting on every row. ``members`` are the
    ``(granularity, estimator)`` pairs of the folds, where ``granularity`` is
    the fold's own fitted view (``None`` when the view is shared by all
    folds). Probabilities and decision values are averaged over the members
    (after putting back classes a fold never saw); labels are voted, and a
    regressor's predictions averaged.

    Parameters
    ----------
    members : list of (transformer or None, estimator)
        The fitted models of each fold.
    n_classes : int, list of int or None
        Number of encoded classes (one per label for multilabel ``y``), or
        ``None`` for a regressor.
    """

    def __init__(self, members: list, n_classes):
        self.members = members
        self.n_classes = n_classes
        if isinstance(n_classes, list):
            self.classes_ = [np.arange(k) for k in n_classes]
        elif n_classes is not None:
            self.classes_ = np.arange(n_classes)

    def predict_proba(self, X):
        return np.mean(self._outputs("predict_proba", X), axis=0)

    def decision_function(self, X):
        return np.mean(self._outputs("decision_function", X), axis=0)

    def predict(self, X):
        outputs = np.stack(self._outputs("predict", X))
        if self.n_classes is None:
            return outputs.mean(axis=0)
        return stats.mode(outputs, axis=0, keepdims=False).mode

    def _outputs(self, method, X):
        outputs = []
        for granularity, estimator in self.members:
            view = X if granularity is None else granularity.transform(X)
            predictions = getattr(estimator, method)(view)
            outputs.append(
                align_predictions(estimator, predictions, method, self.n_classes)
            )
        return outputs

    def __repr__(self):
        granularity, estimator = self.members[0]
        inner = repr(estimator)
        if granularity is not None:
            inner = f"{granularity!r} -> {inner}"
        return f"FoldBag({len(self.members)} fold models of {inner})"
